"""CSV export: one UTF-8 file per kind of record, zipped.

Rules:
- a header row in every file; times are ISO 8601 with the offset of the patient's zone;
- values exactly as stored: 0 stays ``0``, an empty optional value is an empty cell, decimals
  keep their stored places (``50.00``), booleans are ``true``/``false``;
- columns of categories outside the export are absent, and a file whose whole kind is outside
  it is left out of the zip;
- formula injection: a *text* cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return gets a leading ``'`` so spreadsheets show it instead of running it. Numbers are never
  escaped (they are written from numeric values, and the schema stores no negatives anyway).
  `unescape_cell` undoes the prefix for tools that read the files back.
- English and stable, whatever the reader's language: column names, codes and the labels next
  to them (`symptom_label`) are written under `translation.override("en")`, so a file reads
  the same for every reader and every tool.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from django.utils import translation

from journal.catalogue import QUESTIONNAIRES, symptom_label
from journal.exports.data import (
    BLOOD_PRESSURE,
    MOOD,
    SIDE_EFFECTS,
    CheckInRow,
    ExportData,
    FlagRow,
    QuestionnaireRow,
    RatingRow,
    ReadingRow,
    ReportRow,
    SessionRow,
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_ITEMS = max(len(q.items) for q in QUESTIONNAIRES.values())
# Fixed timestamp for zip members so the same data always gives the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)

Cell = str | int | Decimal | bool | dt.datetime | None


def escape_text(value: str) -> str:
    """Prefix `'` to text a spreadsheet would treat as a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unescape_cell(value: str) -> str:
    """Undo `escape_text` on a cell read back from the CSV."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def format_cell(value: Cell, zone: dt.tzinfo) -> str:
    """One value as CSV text (see the module rules)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    return escape_text(str(value))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]], zone: dt.tzinfo) -> bytes:
    """A header and rows as UTF-8 CSV bytes, every cell formatted by `format_cell`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([format_cell(v, zone) for v in row])
    return buffer.getvalue().encode("utf-8")


Row = TypeVar("Row")
Column = tuple[str, Callable[[Row], Cell]]


def _table(columns: Sequence[Column[Row]], rows: Sequence[Row], zone: dt.tzinfo) -> bytes:
    return write_csv([c[0] for c in columns], ([get(r) for _, get in columns] for r in rows), zone)


def session_columns(data: ExportData) -> list[Column[SessionRow]]:
    """Columns of sessions.csv."""
    cols: list[Column[SessionRow]] = [
        ("id", lambda s: s.id),
        ("started_at", lambda s: s.started_at),
        ("route", lambda s: s.route),
        ("dose_mg", lambda s: s.dose_mg),
    ]
    if data.include_private_notes:
        cols.append(("note", lambda s: s.note))
    return cols


def report_columns(data: ExportData) -> list[Column[ReportRow]]:
    """Columns of reports.csv."""
    cols: list[Column[ReportRow]] = [
        ("id", lambda r: r.id),
        ("session_id", lambda r: r.session_id),
        ("reported_at", lambda r: r.reported_at),
    ]
    if data.has(MOOD):
        cols.append(("mood", lambda r: r.mood))
    if data.has(SIDE_EFFECTS):
        cols.append(("overall_bother", lambda r: r.overall_bother))
    if data.notes_included:
        cols.append(("note", lambda r: r.note))
    if data.include_private_notes:
        cols.append(("note_shareable", lambda r: r.note_shareable))
    return cols


def checkin_columns(data: ExportData) -> list[Column[CheckInRow]]:
    """Columns of checkins.csv."""
    cols: list[Column[CheckInRow]] = [
        ("id", lambda c: c.id),
        ("recorded_at", lambda c: c.recorded_at),
    ]
    if data.has(MOOD):
        cols += [
            ("mood", lambda c: c.mood),
            ("anxiety", lambda c: c.anxiety),
            ("pain", lambda c: c.pain),
        ]
    if data.notes_included:
        cols.append(("note", lambda c: c.note))
    if data.include_private_notes:
        cols.append(("note_shareable", lambda c: c.note_shareable))
    return cols


RATING_COLUMNS: list[Column[RatingRow]] = [
    ("id", lambda r: r.id),
    ("report_id", lambda r: r.report_id),
    ("checkin_id", lambda r: r.checkin_id),
    ("code", lambda r: r.code),
    ("label", lambda r: symptom_label(r.code)),
    ("severity", lambda r: r.severity),
]

READING_COLUMNS: list[Column[ReadingRow]] = [
    ("id", lambda r: r.id),
    ("session_id", lambda r: r.session_id),
    ("report_id", lambda r: r.report_id),
    ("measured_at", lambda r: r.measured_at),
    ("context", lambda r: r.context),
    ("systolic", lambda r: r.systolic),
    ("diastolic", lambda r: r.diastolic),
    ("pulse", lambda r: r.pulse),
]


def _item(n: int) -> Callable[[QuestionnaireRow], Cell]:
    def get(q: QuestionnaireRow) -> Cell:
        return q.answers[n] if n < len(q.answers) else None

    return get


QUESTIONNAIRE_COLUMNS: list[Column[QuestionnaireRow]] = [
    ("id", lambda q: q.id),
    ("instrument", lambda q: q.instrument),
    ("completed_at", lambda q: q.completed_at),
    *[(f"item_{n + 1}", _item(n)) for n in range(MAX_ITEMS)],
    ("difficulty", lambda q: q.difficulty),
    ("total", lambda q: q.total),
    ("band", lambda q: q.band),
]

FLAG_COLUMNS: list[Column[FlagRow]] = [
    ("id", lambda f: f.id),
    ("kind", lambda f: f.kind),
    ("category", lambda f: f.category),
    ("severity", lambda f: f.severity),
    ("raised_at", lambda f: f.raised_at),
    ("acknowledged_at", lambda f: f.acknowledged_at),
    ("disposition", lambda f: f.disposition),
    ("withdrawn_at", lambda f: f.withdrawn_at),
    ("entry_type", lambda f: f.entry_type),
    ("entry_id", lambda f: f.entry_id),
    ("report_id", lambda f: f.report_id),
    ("checkin_id", lambda f: f.checkin_id),
    ("reading_id", lambda f: f.reading_id),
    ("questionnaire_id", lambda f: f.questionnaire_id),
    ("detail", lambda f: json.dumps(f.detail, sort_keys=True, ensure_ascii=False)),
]


def csv_files(data: ExportData) -> dict[str, bytes]:
    """File name → CSV bytes, one file per kind of record the export covers (in English:
    see the module rules)."""
    with translation.override("en"):
        return _csv_files(data)


def _csv_files(data: ExportData) -> dict[str, bytes]:
    zone = data.zone
    files: dict[str, bytes] = {
        "sessions.csv": _table(session_columns(data), data.sessions, zone),
    }
    # Reports and check-ins carry mood, side effects (as parents of ratings) and notes.
    if data.has(MOOD) or data.has(SIDE_EFFECTS) or data.notes_included:
        files["reports.csv"] = _table(report_columns(data), data.reports, zone)
        files["checkins.csv"] = _table(checkin_columns(data), data.checkins, zone)
    if data.has(SIDE_EFFECTS):
        files["symptom_ratings.csv"] = _table(RATING_COLUMNS, data.ratings, zone)
    if data.has(BLOOD_PRESSURE):
        files["readings.csv"] = _table(READING_COLUMNS, data.readings, zone)
    if data.has(MOOD):
        files["questionnaires.csv"] = _table(QUESTIONNAIRE_COLUMNS, data.questionnaires, zone)
    if data.has(MOOD) or data.has(SIDE_EFFECTS) or data.has(BLOOD_PRESSURE):
        files["flags.csv"] = _table(FLAG_COLUMNS, data.flags, zone)
    return files


def readme_text(data: ExportData) -> str:
    """A short plain-text guide stored next to the CSV files (in English, like their columns)."""
    period = (
        f"{data.start.isoformat() if data.start else 'the beginning'} to "
        f"{data.end.isoformat() if data.end else 'today'}"
    )
    return (
        f"Aftercare export for {data.patient_name}\n"
        f"Period: {period} (days in {data.time_zone})\n"
        f"Created: {data.local(data.generated_at).isoformat()}\n\n"
        "One CSV file per kind of record, UTF-8, comma-separated, with a header row.\n"
        f"Times are ISO 8601 with the UTC offset they had in {data.time_zone}, the journal's\n"
        f"time zone (e.g. {data.local(data.generated_at).isoformat(timespec='minutes')}),\n"
        "so they read the same wherever the file is opened.\n"
        "Severity: 0 None, 1 Mild, 2 Moderate, 3 Severe, 4 Very severe.\n"
        "Mood, anxiety and pain: 0 to 10 (mood: 10 is best).\n"
        "Text starting with = + - @ is stored with a leading ' so spreadsheets do not run it.\n"
    )


def csv_zip(data: ExportData) -> bytes:
    """The CSV files and a README in one deterministic zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in csv_files(data).items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), content, zipfile.ZIP_DEFLATED)
        archive.writestr(
            zipfile.ZipInfo("README.txt", _ZIP_TIME), readme_text(data), zipfile.ZIP_DEFLATED
        )
    return buffer.getvalue()
