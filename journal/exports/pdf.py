"""One-page PDF summary a clinician can read in a minute (reportlab, standard fonts).

Sections appear only for the categories the export covers: a provider whose share lacks a
category gets no heading and no empty table for it. Text is real text (Helvetica), and the
charts are the pages' own matplotlib drawings (`journal.charts`, SVG) drawn at the page's text
width and converted to vector graphics with svglib, unscaled, so their type prints at the size
it was set (7.5 pt and up). Nothing is shrunk to fit: long lists show their latest rows and say
"latest N of M"; a period of up to 90 days fits one page (fewer rows until it does), a longer
one may take two, and then the PDF says so. Times are the patient's, with the zone written.
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
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
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
from journal.exports.data import BLOOD_PRESSURE, MOOD, SIDE_EFFECTS, ExportData, SessionRow
from journal.flags import clinical_title
from journal.models import FlagSeverity
from journal.outcomes import OUTCOME_SOURCE, provider_line
from journal.thresholds import Thresholds
from journal.timefmt import local_stamp, zone_label

PAGE = LETTER
MARGIN = 0.5 * inch
FRAME_W = PAGE[0] - 2 * MARGIN
FRAME_H = PAGE[1] - 2 * MARGIN
DISCUSS_LINES = 3
ONE_PAGE_DAYS = 90  # a period up to this long fits one page; a longer one may take two


@dataclass(frozen=True)
class Caps:
    """How many rows each table shows at most."""

    sessions: int
    readings: int
    questionnaires: int
    flags: int
    notes: int


# Tried in order until the summary fits its pages: the first that fits is used.
CAPS = (
    Caps(sessions=10, readings=12, questionnaires=8, flags=8, notes=3),
    Caps(sessions=8, readings=8, questionnaires=6, flags=6, notes=3),
    Caps(sessions=6, readings=6, questionnaires=4, flags=5, notes=2),
    Caps(sessions=5, readings=5, questionnaires=4, flags=4, notes=2),
    Caps(sessions=4, readings=4, questionnaires=4, flags=3, notes=1),
    Caps(sessions=3, readings=3, questionnaires=2, flags=3, notes=1),
    Caps(sessions=2, readings=2, questionnaires=2, flags=2, notes=1),
)


@dataclass(frozen=True)
class ChartImage:
    """A chart drawn by `journal.charts` (SVG bytes) and the category it belongs to."""

    title: str
    svg: bytes
    category: str


_styles = getSampleStyleSheet()
TITLE = ParagraphStyle(
    "t", parent=_styles["Title"], fontSize=14, leading=16, spaceBefore=0, spaceAfter=2
)
H2 = ParagraphStyle(
    "h2", parent=_styles["Heading2"], fontSize=10, leading=12, spaceBefore=4, spaceAfter=2
)
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


def _more(shown: int, total: int, noun: str, order: str = "latest") -> list[Paragraph]:
    if total <= shown:
        return []
    return [
        _p(f"{order.capitalize()} {shown} of {total} {noun}; the CSV export has them all.", SMALL)
    ]


def _period_text(data: ExportData) -> str:
    start = data.start.strftime("%d %b %Y") if data.start else "first entry"
    end = data.end.strftime("%d %b %Y") if data.end else "today"
    return f"{start} – {end}"


def _when(data: ExportData, moment: dt.datetime) -> str:
    return local_stamp(moment, data.zone)


def _svg_drawing(chart: ChartImage) -> Drawing | None:
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(chart.svg))
    if drawing is None or not drawing.width or not drawing.height:
        return None
    # The print charts are drawn at the text width already (scale 1); others are fitted to it.
    scale = min(FRAME_W / drawing.width, FRAME_H / 2 / drawing.height)
    drawing.scale(scale, scale)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.hAlign = "LEFT"
    return drawing


def _charts(data: ExportData, charts: Sequence[ChartImage] | None) -> list:
    """The charts of the export's categories, each at the full text width, one below another."""
    flow: list = []
    for chart in charts or ():
        if data.has(chart.category):
            drawing = _svg_drawing(chart)
            if drawing is not None:
                flow += [drawing, Spacer(1, 2)]
    return flow


def _session_cell(data: ExportData, session: SessionRow) -> str:
    return f"{_when(data, session.started_at)}\n{session.route_label}"


def _side_effects(data: ExportData, caps: Caps) -> list:
    sessions = {s.id: s for s in data.sessions}
    everyone = [r for r in data.reports if r.session_id in sessions]
    reports = everyone[-caps.sessions :]
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
    rows = []
    for report in reversed(reports):
        rated = sorted(
            ((code, v) for code, v in by_report.get(report.id, {}).items() if v),
            key=lambda item: (-item[1], symptom_label(item[0])),
        )
        effects = ", ".join(f"{symptom_label(code)} {v}" for code, v in rated) or "none rated 1+"
        bother = report.overall_bother
        rows.append(
            [
                _session_cell(data, sessions[report.session_id]),
                "–" if bother is None else f"{bother} {SEVERITY_LABELS[bother]}",
                effects,
                "; ".join(answers.get(report.id, [])),
            ]
        )
    widths = [1.3 * inch, 0.75 * inch, 3.25 * inch, FRAME_W - 5.3 * inch]
    header = ["Session", "Bother", "Side effects rated 1 or more (0–4)", "Other answers"]
    flow.append(_table(header, rows, widths))
    flow += _more(len(reports), len(everyone), "sessions")
    between: dict[str, int] = {}
    for rating in data.ratings:
        if rating.checkin_id is not None and is_side_effect(rating.code):
            between[rating.code] = max(between.get(rating.code, 0), rating.severity)
    worst = "; ".join(f"{symptom_label(c)} {v}" for c, v in sorted(between.items()) if v)
    scale = "Scale: 0 None, 1 Mild, 2 Moderate, 3 Severe, 4 Very severe; – not asked."
    flow.append(
        _p((f"Between sessions, worst in period: {worst}. " if worst else "") + scale, SMALL)
    )
    return flow


def _blood_pressure(data: ExportData, caps: Caps) -> list:
    flow: list = [_p("Blood pressure", H2)]
    readings = list(data.readings)
    if not readings:
        return [*flow, _p("No readings in this period.")]
    titles: dict[int, list[str]] = {}
    for flag in data.flags:
        if flag.reading_id is not None:
            titles.setdefault(flag.reading_id, []).append(clinical_title(flag.kind, flag.detail))
    latest = readings[-caps.readings :]
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
    widths = [1.3 * inch, 1.6 * inch, 0.55 * inch, 0.45 * inch, FRAME_W - 3.9 * inch]
    flow.append(_table(["When", "Context", "mmHg", "Pulse", "Flags"], rows, widths))
    return flow + _more(len(latest), len(readings), "readings")


def _mood(data: ExportData, caps: Caps) -> list:
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
    latest = questionnaires[-caps.questionnaires :]
    rows = [
        [
            _when(data, q.completed_at),
            QUESTIONNAIRES[q.instrument].title,
            f"{q.total} / {QUESTIONNAIRES[q.instrument].max_total}",
            q.band,
        ]
        for q in reversed(latest)
    ]
    widths = [1.25 * inch, 0.5 * inch, 0.5 * inch, 1.4 * inch]
    flow.append(_table(["Completed", "Form", "Score", "Band"], rows, widths))
    return flow + _more(len(latest), len(questionnaires), "questionnaires")


def _open_flags(data: ExportData, caps: Caps) -> list:
    open_flags = sorted(
        (f for f in data.flags if f.acknowledged_at is None),
        key=lambda f: (-f.severity, -f.raised_at.timestamp()),
    )
    flow: list = [_p("Open flags", H2)]
    if not open_flags:
        return [*flow, _p("No open flags in this period.")]
    shown = open_flags[: caps.flags]
    rows = [
        [
            _when(data, f.raised_at),
            FlagSeverity(f.severity).label,
            clinical_title(f.kind, f.detail)
            + (" (withdrawn by the patient)" if f.withdrawn_at is not None else ""),
        ]
        for f in shown
    ]
    widths = [1.25 * inch, 0.5 * inch, FRAME_W / 2 - 1.85 * inch]
    flow.append(_table(["Raised", "Level", "Flag"], rows, widths))
    return flow + _more(len(shown), len(open_flags), "open flags", order="most urgent")


def _notes(data: ExportData, caps: Caps) -> list:
    notes = [(r.reported_at, r.note) for r in data.reports if r.note]
    notes += [(c.recorded_at, c.note) for c in data.checkins if c.note]
    if not notes:
        return []
    notes.sort(key=lambda n: n[0])
    label = "Notes" if data.include_private_notes else "Notes the patient shared"
    flow: list = [_p(label, H2)]
    shown = notes[-caps.notes :]
    for when, text in shown:
        short = text if len(text) <= 300 else text[:297] + "…"
        flow.append(_p(f"{_when(data, when)}: {short}"))
    return flow + _more(len(shown), len(notes), "notes")


def _discuss() -> list:
    line = "_" * 40
    return [_p("Top things to discuss", H2)] + [
        _p(f"{n}. {line}") for n in range(1, DISCUSS_LINES + 1)
    ]


def _side_by_side(left: list, right: list) -> list:
    """Two columns of flowables (one of them alone when the other is empty)."""
    if not left or not right:
        return left or right
    half = FRAME_W / 2
    table = Table([[left, right]], colWidths=[half, half], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 8),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table]


def _outcomes(data: ExportData) -> list:
    """The outcome lines (whole course, not just the period) and their source."""
    if not data.outcomes:
        return []
    flow: list = [_p("Outcome since treatment began", H2)]
    flow += [_p(provider_line(o)) for o in data.outcomes]
    flow.append(_p(f"{OUTCOME_SOURCE}.", SMALL))
    return flow


def _one_page(data: ExportData) -> bool:
    """True when the period is at most `ONE_PAGE_DAYS` long (an open start is longer)."""
    if data.start is None:
        return False
    end = data.end or data.local(data.generated_at).date()
    return (end - data.start).days + 1 <= ONE_PAGE_DAYS


def _story(
    data: ExportData, clinic_name: str, charts: Sequence[ChartImage] | None, caps: Caps, pages: int
) -> list:
    zone = f"{data.time_zone}, {zone_label(data.generated_at, data.zone)}"
    story: list = [
        _p(f"Aftercare summary: {data.patient_name}", TITLE),
        _p(
            f"Period: {_period_text(data)} · times are the patient's ({zone}) · "
            f"Created {_when(data, data.generated_at)}"
            + (f" · {clinic_name}" if clinic_name else "")
        ),
        _p(
            "Patient-reported journal, not monitored in real time. "
            + (
                "Shows only what the patient chose to share."
                if not data.include_private_notes
                else "Your own copy."
            )
            + (f" This summary has {pages} pages." if pages > 1 else ""),
            SMALL,
        ),
        Spacer(1, 2),
    ]
    story += _outcomes(data)
    story += _charts(data, charts)
    if data.has(SIDE_EFFECTS):
        story += _side_effects(data, caps)
    if data.has(BLOOD_PRESSURE):
        story += _blood_pressure(data, caps)
    flagged = data.has(MOOD) or data.has(SIDE_EFFECTS) or data.has(BLOOD_PRESSURE)
    right = (_mood(data, caps) if data.has(MOOD) else []) + _discuss()
    story += _side_by_side(_open_flags(data, caps) if flagged else [], right)
    if data.notes_included:
        story += _notes(data, caps)
    return story


def _build(story: list, data: ExportData, pages: int) -> tuple[bytes, int]:
    """The PDF bytes of `story` and its number of pages."""

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        if pages > 1:
            canvas.setFont("Helvetica", 7)
            canvas.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, f"Page {doc.page} of {pages}")

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
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), doc.page


def summary_pdf(
    data: ExportData,
    *,
    clinic_name: str = "",
    thresholds: Thresholds | None = None,
    charts: Sequence[ChartImage] | None = None,
) -> bytes:
    """The summary of `data` as PDF bytes: one page for up to 90 days, at most two beyond."""
    del thresholds  # flags arrive already judged; kept for callers that pass the clinic's
    allowed = 1 if _one_page(data) else 2
    pdf = b""
    for caps in CAPS:
        pdf, pages = _build(_story(data, clinic_name, charts, caps, 1), data, 1)
        if pages > 1:  # say so on the page, and number the pages
            pdf, pages = _build(_story(data, clinic_name, charts, caps, pages), data, pages)
        if pages <= allowed:
            return pdf
    return pdf  # the fewest rows; a page more rather than type too small to read
