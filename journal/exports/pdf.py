"""One-page PDF summary a clinician can read in a minute (reportlab, standard fonts).

Sections appear only for the categories the export covers: a provider whose share lacks a
category gets no heading and no empty table for it. Text is real text (Helvetica), charts are
vector drawings: SVG from `journal.charts` converted with svglib when the caller passes it,
reportlab's own line plots otherwise. Everything is fitted to one page (long lists show the
latest rows and say how many more the CSV export holds).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from journal.catalogue import (
    QUESTIONNAIRES,
    SEVERITY_LABELS,
    answer_label,
    is_side_effect,
    symptom_label,
)
from journal.exports import pdf_charts
from journal.exports.data import BLOOD_PRESSURE, MOOD, SIDE_EFFECTS, ExportData, SessionRow
from journal.flags import clinical_title
from journal.models import FlagSeverity
from journal.outcomes import OUTCOME_SOURCE, provider_line
from journal.thresholds import DEFAULT_THRESHOLDS, Thresholds

PAGE = LETTER
MARGIN = 0.5 * inch
FRAME_W = PAGE[0] - 2 * MARGIN
FRAME_H = PAGE[1] - 2 * MARGIN
MAX_SESSIONS = 6
MAX_READINGS = 8
MAX_QUESTIONNAIRES = 6
MAX_FLAGS = 6
MAX_NOTES = 3
DISCUSS_LINES = 3


@dataclass(frozen=True)
class ChartImage:
    """A chart drawn by `journal.charts` (SVG bytes) and the category it belongs to."""

    title: str
    svg: bytes
    category: str


_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("t", parent=_styles["Title"], fontSize=15, leading=18, spaceAfter=2)
H2 = ParagraphStyle("h2", parent=_styles["Heading2"], fontSize=10.5, leading=13, spaceBefore=6)
BODY = ParagraphStyle("b", parent=_styles["BodyText"], fontSize=8, leading=10)
SMALL = ParagraphStyle("s", parent=BODY, fontSize=7, leading=9, textColor=colors.HexColor("#444"))
CELL = ParagraphStyle("c", parent=BODY, fontSize=7.5, leading=9)

TABLE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 7.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(
    header: list[str], rows: list[list[str]], widths: Sequence[float | None] | None = None
) -> Table:
    body = [[_p(c, CELL) for c in row] for row in rows]
    table = Table([header, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TABLE_STYLE)
    return table


def _more(shown: int, total: int) -> list[Paragraph]:
    if total <= shown:
        return []
    return [_p(f"Showing the latest {shown} of {total}; the CSV export has them all.", SMALL)]


def _period_text(data: ExportData) -> str:
    start = data.start.strftime("%d %b %Y") if data.start else "first entry"
    end = data.end.strftime("%d %b %Y") if data.end else "today"
    return f"{start} – {end}"


def _when(data: ExportData, moment: dt.datetime) -> str:
    return data.local(moment).strftime("%d %b %Y %H:%M")


def _svg_drawing(chart: ChartImage, width: float, height: float) -> Drawing | None:
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(chart.svg))
    if drawing is None or not drawing.width or not drawing.height:
        return None
    scale = min(width / drawing.width, height / drawing.height)
    drawing.scale(scale, scale)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    return drawing


def _charts(data: ExportData, charts: Sequence[ChartImage] | None) -> list:
    wanted = [c for c in (MOOD, BLOOD_PRESSURE) if data.has(c)]
    if not wanted:
        return []
    width, height = (FRAME_W - 12) / len(wanted), 1.75 * inch
    by_category = {c.category: c for c in charts or ()}
    cells = []
    for category in wanted:
        drawing = None
        if category in by_category:
            drawing = _svg_drawing(by_category[category], width, height)
        if drawing is None:
            native = (
                pdf_charts.mood_drawing if category == MOOD else pdf_charts.blood_pressure_drawing
            )
            drawing = native(data, width, height)
        cells.append(drawing)
    table = Table([cells], colWidths=[width + 6] * len(cells), hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [table]


def _session_heading(data: ExportData, session: SessionRow) -> str:
    return f"{data.local(session.started_at):%d %b}\n{session.route_label}"


def _side_effects(data: ExportData) -> list:
    sessions = {s.id: s for s in data.sessions}
    reports = [r for r in data.reports if r.session_id in sessions][-MAX_SESSIONS:]
    flow: list = [_p("Side effects by session", H2)]
    if not reports:
        return [*flow, _p("No post-session reports in this period.")]
    by_report: dict[int, dict[str, int]] = {}
    answers: dict[int, list[str]] = {}
    for rating in data.ratings:
        if rating.report_id is None:
            continue
        if is_side_effect(rating.code):
            by_report.setdefault(rating.report_id, {})[rating.code] = rating.severity
        elif rating.severity:
            label = f"{symptom_label(rating.code)} {answer_label(rating.code, rating.severity)}"
            answers.setdefault(rating.report_id, []).append(label)
    codes = sorted({code for r in reports for code in by_report.get(r.id, {})}, key=symptom_label)
    header = ["Symptom"] + [_session_heading(data, sessions[r.session_id]) for r in reports]
    rows = [
        [symptom_label(code)]
        + [
            f"{v} {SEVERITY_LABELS[v]}"
            if (v := by_report.get(r.id, {}).get(code)) is not None
            else "–"
            for r in reports
        ]
        for code in codes
    ]
    rows.append(
        ["Overall bother"]
        + [
            f"{b} {SEVERITY_LABELS[b]}" if (b := r.overall_bother) is not None else "–"
            for r in reports
        ]
    )
    first = 1.9 * inch
    other = min(1.0 * inch, (FRAME_W - first) / len(reports))
    flow.append(_table(header, rows, [first] + [other] * len(reports)))
    between: dict[str, int] = {}
    yes_between: dict[str, int] = {}
    for rating in data.ratings:
        if rating.checkin_id is None:
            continue
        if is_side_effect(rating.code):
            between[rating.code] = max(between.get(rating.code, 0), rating.severity)
        elif rating.severity:
            yes_between[rating.code] = yes_between.get(rating.code, 0) + 1
    if between:
        worst = "; ".join(
            f"{symptom_label(c)}: {v} {SEVERITY_LABELS[v]}" for c, v in sorted(between.items())
        )
        flow.append(_p(f"Between sessions (worst in period): {worst}.", SMALL))
    for report in reports:
        if answers.get(report.id):
            heading = _session_heading(data, sessions[report.session_id])
            flow.append(_p(f"{heading}: {'; '.join(answers[report.id])}.", SMALL))
    if yes_between:
        said = "; ".join(
            f"{symptom_label(c)} ({n} check-in{'s' if n != 1 else ''})"
            for c, n in sorted(yes_between.items())
        )
        flow.append(_p(f"Between sessions, answered yes: {said}.", SMALL))
    flow.append(
        _p("Scale: 0 None, 1 Mild, 2 Moderate, 3 Severe, 4 Very severe; – not asked.", SMALL)
    )
    return flow


def _blood_pressure(data: ExportData, thresholds: Thresholds) -> list:
    flow: list = [_p("Blood pressure", H2)]
    readings = list(data.readings)
    if not readings:
        return [*flow, _p("No readings in this period.")]
    titles: dict[int, list[str]] = {}
    for flag in data.flags:
        if flag.reading_id is not None:
            titles.setdefault(flag.reading_id, []).append(clinical_title(flag.kind, flag.detail))
    latest = readings[-MAX_READINGS:]
    rows = [
        [
            _when(data, r.measured_at),
            r.context_label,
            f"{r.systolic}/{r.diastolic}",
            "" if r.pulse is None else str(r.pulse),
            "; ".join(titles.get(r.id, [])) or "none",
        ]
        for r in reversed(latest)
    ]
    widths = [1.1 * inch, 1.55 * inch, 0.6 * inch, 0.45 * inch, FRAME_W - 3.7 * inch]
    flow.append(_table(["When", "Context", "mmHg", "Pulse", "Flags"], rows, widths))
    return flow + _more(len(latest), len(readings))


def _mood(data: ExportData) -> list:
    flow: list = [_p("Mood and questionnaires", H2)]
    moods = [r.mood for r in data.reports if r.mood is not None]
    moods += [c.mood for c in data.checkins if c.mood is not None]
    if moods:
        mean = sum(moods) / len(moods)
        flow.append(
            _p(
                f"Mood (0 worst – 10 best): mean {mean:.1f} over {len(moods)} entries, "
                f"lowest {min(moods)}, highest {max(moods)}."
            )
        )
    questionnaires = list(data.questionnaires)
    if not questionnaires:
        return [*flow, _p("No questionnaires in this period.")]
    latest = questionnaires[-MAX_QUESTIONNAIRES:]
    rows = [
        [
            _when(data, q.completed_at),
            QUESTIONNAIRES[q.instrument].title,
            f"{q.total} / {QUESTIONNAIRES[q.instrument].max_total}",
            q.band,
        ]
        for q in reversed(latest)
    ]
    widths = [1.1 * inch, 0.8 * inch, 0.7 * inch, 1.6 * inch]
    flow.append(_table(["Completed", "Questionnaire", "Score", "Band"], rows, widths))
    return flow + _more(len(latest), len(questionnaires))


def _open_flags(data: ExportData, thresholds: Thresholds) -> list:
    open_flags = sorted(
        (f for f in data.flags if f.acknowledged_at is None),
        key=lambda f: (-f.severity, -f.raised_at.timestamp()),
    )
    flow: list = [_p("Open flags", H2)]
    if not open_flags:
        return [*flow, _p("No open flags in this period.")]
    shown = open_flags[:MAX_FLAGS]
    rows = [
        [
            _when(data, f.raised_at),
            FlagSeverity(f.severity).label,
            clinical_title(f.kind, f.detail)
            + (" (withdrawn by the patient)" if f.withdrawn_at is not None else ""),
        ]
        for f in shown
    ]
    flow.append(_table(["Raised", "Level", "Flag"], rows, [1.1 * inch, 0.6 * inch, None]))
    return flow + _more(len(shown), len(open_flags))


def _notes(data: ExportData) -> list:
    notes = [(r.reported_at, r.note) for r in data.reports if r.note]
    notes += [(c.recorded_at, c.note) for c in data.checkins if c.note]
    if not notes:
        return []
    notes.sort(key=lambda n: n[0])
    label = "Notes" if data.include_private_notes else "Notes the patient shared"
    flow: list = [_p(label, H2)]
    for when, text in notes[-MAX_NOTES:]:
        short = text if len(text) <= 300 else text[:297] + "…"
        flow.append(_p(f"{_when(data, when)}: {short}"))
    return flow + _more(min(MAX_NOTES, len(notes)), len(notes))


def _discuss() -> list:
    line = "_" * 95
    return [_p("Top things to discuss", H2)] + [
        _p(f"{n}. {line}") for n in range(1, DISCUSS_LINES + 1)
    ]


def _outcomes(data: ExportData) -> list:
    """The outcome lines (whole course, not just the period) and their source."""
    if not data.outcomes:
        return []
    flow: list = [_p("Outcome since treatment began", H2)]
    flow += [_p(provider_line(o)) for o in data.outcomes]
    flow.append(_p(f"{OUTCOME_SOURCE}.", SMALL))
    return flow


def summary_pdf(
    data: ExportData,
    *,
    clinic_name: str = "",
    thresholds: Thresholds | None = None,
    charts: Sequence[ChartImage] | None = None,
) -> bytes:
    """The one-page summary of `data` as PDF bytes."""
    thresholds = thresholds or DEFAULT_THRESHOLDS
    story: list = [
        _p(f"Aftercare summary: {data.patient_name}", TITLE),
        _p(
            f"Period: {_period_text(data)} ({data.time_zone}) · "
            f"Created {_when(data, data.generated_at)}"
            + (f" · {clinic_name}" if clinic_name else "")
        ),
        _p(
            "Patient-reported journal, not monitored in real time. "
            + (
                "Shows only what the patient chose to share."
                if not data.include_private_notes
                else "Your own copy."
            ),
            SMALL,
        ),
        Spacer(1, 4),
    ]
    story += _outcomes(data)
    story += _charts(data, charts)
    if data.has(SIDE_EFFECTS):
        story += _side_effects(data)
    if data.has(BLOOD_PRESSURE):
        story += _blood_pressure(data, thresholds)
    if data.has(MOOD):
        story += _mood(data)
    if data.has(MOOD) or data.has(SIDE_EFFECTS) or data.has(BLOOD_PRESSURE):
        story += _open_flags(data, thresholds)
    if data.notes_included:
        story += _notes(data)
    story += _discuss()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Aftercare summary: {data.patient_name}",
        author="Aftercare",
        subject=f"Journal summary {_period_text(data)}",
        invariant=1,
    )
    # Shrink-to-fit keeps the summary on one page whatever the data.
    doc.build([KeepInFrame(FRAME_W, FRAME_H - 6, story, mode="shrink")])
    return buffer.getvalue()
