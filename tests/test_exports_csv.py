"""CSV export: one file per kind of record, values exactly as stored, formulas defused."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest

from journal.exports.csv_export import (
    csv_files,
    csv_zip,
    escape_text,
    format_cell,
    unescape_cell,
)
from journal.exports.data import read_export_data
from journal.models import (
    BloodPressureReading,
    CheckIn,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    SymptomRating,
    TreatmentSession,
)
from journal.permissions import Scope, own_scope
from tests.factories import EXPORT_NOTE, FORMULA_NOTE, export_journal


def _rows(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8"), newline="")))


def _time(cell: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(cell)
    assert parsed.utcoffset() is not None, cell
    return parsed


def _opt_int(cell: str) -> int | None:
    return None if cell == "" else int(cell)


@pytest.fixture
def own_files(patient):
    export_journal(patient)
    data = read_export_data(own_scope(patient))
    return csv_files(data)


def test_the_patients_own_csv_has_one_file_per_kind_of_record(own_files) -> None:
    assert set(own_files) == {
        "sessions.csv",
        "reports.csv",
        "symptom_ratings.csv",
        "checkins.csv",
        "readings.csv",
        "questionnaires.csv",
        "flags.csv",
    }


def test_sessions_round_trip_exactly(patient, own_files) -> None:
    [row] = _rows(own_files, "sessions.csv")
    session = TreatmentSession.objects.get(patient=patient)
    assert int(row["id"]) == session.pk
    assert _time(row["started_at"]) == session.started_at
    assert row["route"] == session.route
    assert Decimal(row["dose_mg"]) == session.dose_mg and row["dose_mg"] == "56.00"
    assert row["note"] == session.note


def test_reports_keep_zeros_and_notes_with_commas_quotes_newlines_and_unicode(
    patient, own_files
) -> None:
    [row] = _rows(own_files, "reports.csv")
    report = PostSessionReport.objects.get(patient=patient)
    assert row["mood"] == "0" and report.mood == 0
    assert row["overall_bother"] == "0"
    assert row["note"] == EXPORT_NOTE == report.note
    assert row["note_shareable"] == "true"
    assert int(row["session_id"]) == report.session_id
    assert _time(row["reported_at"]) == report.reported_at


def test_symptom_ratings_round_trip(patient, own_files) -> None:
    rows = _rows(own_files, "symptom_ratings.csv")
    stored = {
        r.pk: r
        for r in SymptomRating.objects.filter(report__patient=patient)
        | SymptomRating.objects.filter(checkin__patient=patient)
    }
    assert {int(r["id"]) for r in rows} == set(stored)
    assert {r["report_id"] == "" for r in rows} == {True, False}  # both parents present
    assert [int(r["id"]) for r in rows] == sorted(stored)  # oldest first, as recorded
    for row in rows:
        rating = stored[int(row["id"])]
        assert row["code"] == rating.code
        assert int(row["severity"]) == rating.severity
        assert _opt_int(row["report_id"]) == rating.report_id
        assert _opt_int(row["checkin_id"]) == rating.checkin_id
    assert "0" in {r["severity"] for r in rows}


def test_checkins_keep_empty_optionals_empty_and_zeros_zero(patient, own_files) -> None:
    [row] = _rows(own_files, "checkins.csv")
    checkin = CheckIn.objects.get(patient=patient)
    assert row["anxiety"] == "0" and checkin.anxiety == 0
    assert row["pain"] == "" and checkin.pain is None
    assert int(row["mood"]) == checkin.mood
    assert _time(row["recorded_at"]) == checkin.recorded_at


def test_formula_cells_are_escaped_and_can_be_restored(own_files) -> None:
    [row] = _rows(own_files, "checkins.csv")
    assert row["note"] == "'" + FORMULA_NOTE
    assert unescape_cell(row["note"]) == FORMULA_NOTE


def test_readings_round_trip_including_the_alarming_one(patient, own_files) -> None:
    rows = {int(r["id"]): r for r in _rows(own_files, "readings.csv")}
    readings = BloodPressureReading.objects.filter(patient=patient)
    assert set(rows) == {r.pk for r in readings}
    for reading in readings:
        row = rows[reading.pk]
        assert (int(row["systolic"]), int(row["diastolic"])) == (
            reading.systolic,
            reading.diastolic,
        )
        assert _opt_int(row["pulse"]) == reading.pulse
        assert row["context"] == reading.context
        assert _time(row["measured_at"]) == reading.measured_at
    assert any(r["systolic"] == "185" for r in rows.values())


def test_questionnaires_round_trip_item_by_item(patient, own_files) -> None:
    rows = {r["instrument"]: r for r in _rows(own_files, "questionnaires.csv")}
    for response in QuestionnaireResponse.objects.filter(patient=patient):
        row = rows[response.instrument]
        items = [row[f"item_{n}"] for n in range(1, 10)]
        answers = [int(c) for c in items if c != ""]
        assert answers == response.answers
        assert _opt_int(row["difficulty"]) == response.difficulty
        assert int(row["total"]) == response.total
        assert row["band"] == response.band
    assert rows["gad7"]["item_8"] == "" and rows["gad7"]["total"] == "0"


def test_flags_are_exported_with_their_record(patient, own_files) -> None:
    rows = _rows(own_files, "flags.csv")
    flags = Flag.objects.filter(patient=patient)
    assert flags.exists()
    assert {int(r["id"]) for r in rows} == {f.pk for f in flags}
    for row in rows:
        flag = flags.get(pk=int(row["id"]))
        assert row["kind"] == flag.kind
        assert json.loads(row["detail"]) == flag.detail


def test_times_carry_the_patients_offset(patient, own_files) -> None:
    [row] = _rows(own_files, "sessions.csv")
    started = _time(row["started_at"])
    zone_offset = started.astimezone(patient.zone).utcoffset()
    assert started.utcoffset() == zone_offset


def test_only_shared_categories_reach_a_providers_csv(patient) -> None:
    export_journal(patient)
    data = read_export_data(Scope(patient=patient, categories=frozenset({"blood_pressure"})))
    files = csv_files(data)
    assert set(files) == {"sessions.csv", "readings.csv", "flags.csv"}
    assert {r["category"] for r in _rows(files, "flags.csv")} == {"blood_pressure"}
    assert "note" not in _rows(files, "sessions.csv")[0]


def test_notes_reach_a_provider_only_when_marked_shareable(patient) -> None:
    export_journal(patient)
    data = read_export_data(Scope(patient=patient, categories=frozenset({"mood", "notes"})))
    files = csv_files(data)
    assert _rows(files, "reports.csv")[0]["note"] == EXPORT_NOTE
    checkin = _rows(files, "checkins.csv")[0]
    assert checkin["note"] == ""
    assert "note_shareable" not in checkin
    assert "symptom_ratings.csv" not in files
    assert "overall_bother" not in _rows(files, "reports.csv")[0]


def test_another_patients_rows_never_appear(patient, other_patient) -> None:
    export_journal(other_patient)
    files = csv_files(read_export_data(own_scope(patient)))
    assert all(_rows(files, name) == [] for name in files)


def test_the_zip_holds_every_file_and_a_readme(patient) -> None:
    export_journal(patient)
    data = read_export_data(own_scope(patient))
    with zipfile.ZipFile(io.BytesIO(csv_zip(data))) as archive:
        names = set(archive.namelist())
        assert names == set(csv_files(data)) | {"README.txt"}
        assert archive.read("reports.csv").decode("utf-8").startswith("id,session_id,")


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_starting_with_a_formula_character_is_escaped(text: str) -> None:
    assert escape_text(text) == "'" + text
    assert unescape_cell(escape_text(text)) == text


@pytest.mark.parametrize("text", ["fine", "a=b", "'quoted", ""])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert escape_text(text) == text
    assert unescape_cell(text) == text


def test_numbers_are_written_as_numbers_never_escaped() -> None:
    utc = dt.UTC
    assert format_cell(0, utc) == "0"
    assert format_cell(-3, utc) == "-3"
    assert format_cell(Decimal("0.50"), utc) == "0.50"
    assert format_cell(None, utc) == ""
    assert format_cell(False, utc) == "false"
