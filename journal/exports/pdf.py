"""One-page PDF summary a clinician can read in a minute (reportlab, standard fonts).

Sections appear only for the categories the export covers: a provider whose share lacks a
category gets no heading and no empty table for it. Text is real text (Helvetica), and the
charts are the pages' own matplotlib drawings (`journal.charts`, SVG) drawn at the page's text
width and converted to vector graphics with svglib, unscaled, so their type prints at the size
it was set (7.5 pt and up). Nothing is shrunk to fit: long lists show their latest rows and say
"latest N of M"; a period of up to 90 days fits one page, a longer one may take two, and then
the PDF says so. The layout is computed, not searched: the charts' heights are known and each
table's rows are measured once, so each table shows as many rows as the space left holds.
Times are the patient's, with the zone written. Every word is in the active language (the
reader's: a Spanish-speaking patient's own copy is Spanish, their provider's is in the
provider's language); free text stays as written.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from html import escape
from typing import Any

from django.utils import dateformat, formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from reportlab.graphics.shapes import Drawing, Group, Path
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from journal.catalogue import (
    QUESTIONNAIRES,
    SEVERITY_LABELS,
    answer_label,
    band_label,
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


GUTTER = 8  # between two columns
HALF_W = (FRAME_W - GUTTER) / 2


@dataclass(frozen=True)
class Rows:
    """How many rows a table may show: at most `cap`, at least `floor` (when it has them);
    when space is short the lower `rank` gains a row first."""

    cap: int
    floor: int
    rank: int = 0


# The most and the fewest rows of each table; the space left on the page decides in between.
FLAGS = Rows(cap=8, floor=2, rank=0)
READINGS = Rows(cap=12, floor=2, rank=1)
SESSIONS = Rows(cap=10, floor=2, rank=2)
FORMS = Rows(cap=8, floor=2, rank=3)
NOTES = Rows(cap=3, floor=1, rank=4)


@dataclass(frozen=True)
class ChartImage:
    """A chart drawn by `journal.charts` (SVG bytes) and the category it belongs to, with its
    drawing for the PDF when the caller converted it already (`svg_drawing`, e.g. from a cache;
    each PDF needs its own copy: the layout places it)."""

    title: str
    svg: bytes
    category: str
    drawing: Drawing | None = None


_styles = getSampleStyleSheet()
TITLE = ParagraphStyle(
    "t", parent=_styles["Title"], fontSize=14, leading=16, spaceBefore=0, spaceAfter=2
)
H2 = ParagraphStyle(
    "h2", parent=_styles["Heading2"], fontSize=10, leading=11, spaceBefore=3, spaceAfter=1
)
BODY = ParagraphStyle(
    "b", parent=_styles["BodyText"], fontSize=8, leading=10, spaceBefore=0, spaceAfter=1
)
SMALL = ParagraphStyle("s", parent=BODY, fontSize=7, leading=9, textColor=colors.HexColor("#444"))
CELL = ParagraphStyle("c", parent=BODY, fontSize=7.5, leading=9, spaceAfter=0)

TABLE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 7.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


class RowTable(Table):
    """A section's table of rows (newest first): the layout measures its rows' heights."""


def _table(
    header: list[str], rows: list[list[str]], widths: Sequence[float | None] | None = None
) -> Table:
    body = [[_p(c, CELL) for c in row] for row in rows]
    table = RowTable([header, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TABLE_STYLE)
    return table


def _more_text(kind: str) -> str:
    """The note under a table that shows only part of its rows, by what the rows are."""
    if kind == "sessions":
        return _("Latest %(shown)s of %(total)s sessions; the CSV export has them all.")
    if kind == "readings":
        return _("Latest %(shown)s of %(total)s readings; the CSV export has them all.")
    if kind == "questionnaires":
        return _("Latest %(shown)s of %(total)s questionnaires; the CSV export has them all.")
    if kind == "open flags":
        return _("Most urgent %(shown)s of %(total)s open flags; the CSV export has them all.")
    return _("Latest %(shown)s of %(total)s notes; the CSV export has them all.")


def _more(shown: int, total: int, kind: str) -> list[Paragraph]:
    if total <= shown:
        return []
    return [_p(_more_text(kind) % {"shown": shown, "total": total}, SMALL)]


def _day(day: dt.date) -> str:
    """ "03 Mar 2025", the month's short name in the active language."""
    return dateformat.format(day, "d M Y")


def _period_text(data: ExportData) -> str:
    start = _day(data.start) if data.start else _("first entry")
    end = _day(data.end) if data.end else _("today")
    return f"{start} – {end}"


def _when(data: ExportData, moment: dt.datetime) -> str:
    return local_stamp(moment, data.zone)


def svg_drawing(svg: bytes) -> Drawing | None:
    """The SVG as a ReportLab drawing at the PDF's text width (None: nothing to draw)."""
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(svg))
    if drawing is None or not drawing.width or not drawing.height:
        return None
    # The print charts are drawn at the text width already (scale 1); others are fitted to it.
    scale = min(FRAME_W / drawing.width, FRAME_H / 2 / drawing.height)
    drawing.scale(scale, scale)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.hAlign = "LEFT"
    _inline_plain_groups(drawing)
    return drawing


_IDENTITY = (1, 0, 0, 1, 0, 0)


def _inline_plain_groups(group: Group) -> None:
    """Put the children of every group that changes nothing in its parent's place.

    svglib wraps each SVG element in groups (about 350 in the blood-pressure chart), most with
    an identity transform and no style, and ReportLab saves and restores the graphics state
    around every group it draws: that was most of the PDF's drawing time. A group that holds a
    clipping path keeps its own state (the save/restore is what ends the clip), and so does one
    with a transform."""
    contents = []
    for child in group.contents:
        if isinstance(child, Group):
            _inline_plain_groups(child)
            plain = tuple(child.transform) == _IDENTITY and set(vars(child)) <= {
                "transform",
                "contents",
                "svgid",
                "_attrMap",
            }
            if plain and not any(isinstance(c, Path) and c.isClipPath for c in child.contents):
                contents.extend(child.contents)
                continue
        contents.append(child)
    group.contents = contents


def _session_cell(data: ExportData, session: SessionRow) -> str:
    return f"{_when(data, session.started_at)}\n{session.route_label}"


def _side_effects(data: ExportData, shown: int) -> list:
    sessions = {s.id: s for s in data.sessions}
    everyone = [r for r in data.reports if r.session_id in sessions]
    reports = everyone[len(everyone) - shown :]
    flow: list = [_p(_("Side effects by session"), H2)]
    if not reports:
        return [*flow, _p(_("No post-session reports in this period."))]
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
            key=lambda item: (-item[1], str(symptom_label(item[0]))),
        )
        effects = ", ".join(f"{symptom_label(code)} {v}" for code, v in rated) or _("none rated 1+")
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
    header = [
        _("Session"),
        _("Bother"),
        _("Side effects rated 1 or more (0–4)"),
        _("Other answers"),
    ]
    flow.append(_table(header, rows, widths))
    flow += _more(len(reports), len(everyone), "sessions")
    between: dict[str, int] = {}
    for rating in data.ratings:
        if rating.checkin_id is not None and is_side_effect(rating.code):
            between[rating.code] = max(between.get(rating.code, 0), rating.severity)
    worst = "; ".join(f"{symptom_label(c)} {v}" for c, v in sorted(between.items()) if v)
    scale = _("Scale: 0 None, 1 Mild, 2 Moderate, 3 Severe, 4 Very severe; – not asked.")
    if worst:
        between_text = _("Between sessions, worst in period: %(worst)s.") % {"worst": worst}
        scale = f"{between_text} {scale}"
    flow.append(_p(scale, SMALL))
    return flow


# Context words short enough for a half-width column.
SHORT_CONTEXT = {"after40": gettext_lazy("40 min after dose")}


def _blood_pressure(data: ExportData, shown: int) -> list:
    """The latest readings (half the text width); a flagged reading names its highest level,
    the flags themselves are listed under "Open flags" and in the CSV."""
    flow: list = [_p(_("Blood pressure"), H2)]
    readings = list(data.readings)
    if not readings:
        return [*flow, _p(_("No readings in this period."))]
    levels: dict[int, int] = {}
    for flag in data.flags:
        if flag.reading_id is not None:
            levels[flag.reading_id] = max(levels.get(flag.reading_id, 0), flag.severity)
    latest = readings[len(readings) - shown :]
    rows = [
        [
            _when(data, r.measured_at),
            str(SHORT_CONTEXT.get(r.context, r.context_label)),
            f"{r.systolic}/{r.diastolic}",
            "" if r.pulse is None else str(r.pulse),
            str(FlagSeverity(levels[r.id]).label)
            if r.id in levels
            else pgettext("flag level", "none"),
        ]
        for r in reversed(latest)
    ]
    widths = [1.25 * inch, 0.95 * inch, 0.5 * inch, 0.38 * inch]
    widths.append(HALF_W - sum(widths))
    header = [_("When"), _("Context"), "mmHg", _("Pulse"), _("Flag")]
    flow.append(_table(header, rows, widths))
    return flow + _more(len(latest), len(readings), "readings")


def _mood(data: ExportData, shown: int) -> list:
    flow: list = [_p(_("Mood and questionnaires"), H2)]
    moods = [r.mood for r in data.reports if r.mood is not None]
    moods += [c.mood for c in data.checkins if c.mood is not None]
    if moods:
        mean = sum(moods) / len(moods)
        flow.append(
            _p(
                _(
                    "Mood (0 worst – 10 best): mean %(mean)s over %(count)s entries, "
                    "lowest %(lowest)s, highest %(highest)s."
                )
                % {
                    "mean": formats.number_format(Decimal(f"{mean:.1f}"), 1),
                    "count": len(moods),
                    "lowest": min(moods),
                    "highest": max(moods),
                }
            )
        )
    questionnaires = list(data.questionnaires)
    if not questionnaires:
        return [*flow, _p(_("No questionnaires in this period."))]
    latest = questionnaires[len(questionnaires) - shown :]
    rows = [
        [
            _when(data, q.completed_at),
            str(QUESTIONNAIRES[q.instrument].title),
            f"{q.total} / {QUESTIONNAIRES[q.instrument].max_total}",
            band_label(q.band),
        ]
        for q in reversed(latest)
    ]
    widths = [1.25 * inch, 0.5 * inch, 0.5 * inch, 1.4 * inch]
    flow.append(_table([_("Completed"), _("Form"), _("Score"), _("Band")], rows, widths))
    return flow + _more(len(latest), len(questionnaires), "questionnaires")


def _open_flags(data: ExportData, shown: int) -> list:
    open_flags = sorted(
        (f for f in data.flags if f.acknowledged_at is None),
        key=lambda f: (-f.severity, -f.raised_at.timestamp()),
    )
    flow: list = [_p(_("Open flags"), H2)]
    if not open_flags:
        return [*flow, _p(_("No open flags in this period."))]
    first = open_flags[:shown]
    rows = [
        [
            _when(data, f.raised_at),
            str(FlagSeverity(f.severity).label),
            _("%(flag)s (withdrawn by the patient)") % {"flag": clinical_title(f.kind, f.detail)}
            if f.withdrawn_at is not None
            else str(clinical_title(f.kind, f.detail)),
        ]
        for f in first
    ]
    widths = [1.25 * inch, 0.5 * inch, HALF_W - 1.75 * inch]
    flow.append(_table([_("Raised"), _("Level"), _("Flag")], rows, widths))
    return flow + _more(len(first), len(open_flags), "open flags")


def _notes(data: ExportData, shown: int) -> list:
    notes = [(r.reported_at, r.note) for r in data.reports if r.note]
    notes += [(c.recorded_at, c.note) for c in data.checkins if c.note]
    if not notes:
        return []
    notes.sort(key=lambda n: n[0])
    label = _("Notes") if data.include_private_notes else _("Notes the patient shared")
    flow: list = [_p(label, H2)]
    latest = notes[len(notes) - shown :]
    for when, text in latest:
        short = text if len(text) <= 300 else text[:297] + "…"
        flow.append(_p(f"{_when(data, when)}: {short}"))
    return flow + _more(len(latest), len(notes), "notes")


def _discuss() -> list:
    line = "_" * 40
    return [_p(_("Top things to discuss"), H2)] + [
        _p(f"{n}. {line}") for n in range(1, DISCUSS_LINES + 1)
    ]


def _side_by_side(left: list, right: list) -> list:
    """Two columns of flowables, each `HALF_W` wide."""
    table = Table([[left, right]], colWidths=[HALF_W + GUTTER, HALF_W], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), GUTTER),
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
    flow: list = [_p(_("Outcome since treatment began"), H2)]
    flow += [_p(str(provider_line(o))) for o in data.outcomes]
    flow.append(_p(f"{OUTCOME_SOURCE}.", SMALL))
    return flow


def _first_day(data: ExportData) -> dt.date | None:
    """The period's first day; for an open start, the local day of its earliest row."""
    if data.start is not None:
        return data.start
    moments = [s.started_at for s in data.sessions] + [r.reported_at for r in data.reports]
    moments += [c.recorded_at for c in data.checkins] + [r.measured_at for r in data.readings]
    moments += [q.completed_at for q in data.questionnaires]
    return data.local(min(moments)).date() if moments else None


def _one_page(data: ExportData) -> bool:
    """True when the period (for an open start: from the first entry) is at most
    `ONE_PAGE_DAYS` long."""
    first = _first_day(data)
    if first is None:
        return True
    end = data.end or data.local(data.generated_at).date()
    return (end - first).days + 1 <= ONE_PAGE_DAYS


@dataclass(frozen=True)
class Part:
    """Flowables that show the latest `k` of `total` rows, `build(k)`; a fixed part has none."""

    build: Callable[[int], list]
    total: int = 0
    rows: Rows = Rows(cap=0, floor=0)

    @property
    def most(self) -> int:
        return min(self.rows.cap, self.total)

    @property
    def least(self) -> int:
        return min(self.rows.floor, self.total)


def _fixed(flow: list) -> Part:
    return Part(lambda _k: flow)


# A band of the page: one column (right empty) or two side by side.
Band = tuple[list[Part], list[Part]]


def _stacked(flow: list, width: float, lead: bool = True, tail: bool = True) -> float:
    """The height `flow` takes stacked in a column `width` wide, counting the space before its
    first flowable (`lead`) and after its last (`tail`): a table cell leaves those out."""
    height = 0.0
    for flowable in flow:
        _, h = flowable.wrap(width, FRAME_H * 4)
        height += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    if flow and not lead:
        height -= flow[0].getSpaceBefore()
    if flow and not tail:
        height -= flow[-1].getSpaceAfter()
    return height


def _heights(part: Part, width: float, lead: bool, tail: bool) -> dict[int, float]:
    """The part's height for each row count it may show, measured: a table's rows are wrapped
    once (at the most rows) and summed, never re-laid out per count."""
    least, most = part.least, part.most

    def height(k: int) -> float:
        return _stacked(part.build(k), width, lead, tail)

    full = part.build(most)
    heights = {most: _stacked(full, width, lead, tail)}  # wraps its table, if any
    if least == most:
        return heights
    heights[least] = height(least)
    tables = [f for f in full if isinstance(f, RowTable)]
    if not tables:  # no table: measure each count (notes, a few paragraphs)
        return heights | {k: height(k) for k in range(least + 1, most)}
    rows = tables[0]._rowHeights[1:]  # row 0 is the header
    for k in range(least + 1, most):
        heights[k] = heights[least] + sum(rows[least:k])
    return heights


Measured = dict[int, dict[int, float]]  # part id → rows shown → height


def _measure(bands: list[Band]) -> Measured:
    """Every part's heights, in the column it sits in (a cell leaves out its outer spaces)."""
    measured: Measured = {}
    for left, right in bands:
        width, cell = (HALF_W, True) if right else (FRAME_W, False)
        for side in (left, right):
            for i, part in enumerate(side):
                edge = (cell and i == 0, cell and i == len(side) - 1)
                measured[id(part)] = _heights(part, width, not edge[0], not edge[1])
    return measured


def _layout(bands: list[Band], measured: Measured, budget: float) -> dict[int, int]:
    """Row counts for every part (by id) so the bands fit `budget` points: each table starts at
    its fewest rows, then gains one row at a time, in turn, while the bands still fit."""
    shown = {key: min(h) for key, h in measured.items()}

    def column(parts: list[Part]) -> float:
        return sum(measured[id(p)][shown[id(p)]] for p in parts)

    def total() -> float:
        return sum(max(column(left), column(right)) for left, right in bands)

    growing = [p for left, right in bands for p in left + right if p.most > p.least]
    growing.sort(key=lambda p: p.rows.rank)
    grew = True
    while grew:
        grew = False
        for part in growing:
            key = id(part)
            if shown[key] < part.most:
                shown[key] += 1
                if total() <= budget:
                    grew = True
                else:
                    shown[key] -= 1
    return shown


def _drawings(data: ExportData, charts: Sequence[ChartImage] | None) -> list:
    """The charts of the export's categories, each at the full text width (converted once,
    here or by the caller)."""
    flow: list = []
    for chart in charts or ():
        if data.has(chart.category):
            drawing = chart.drawing or svg_drawing(chart.svg)
            if drawing is not None:
                flow += [drawing, Spacer(1, 2)]
    return flow


def _summary_title(data: ExportData) -> str:
    return _("Aftercare summary: %(name)s") % {"name": data.patient_name}


def _bands(data: ExportData, clinic_name: str, drawings: list) -> list[Band]:
    zone = f"{data.time_zone}, {zone_label(data.generated_at, data.zone)}"
    period = _("Period: %(period)s · times are the patient's (%(zone)s) · Created %(created)s") % {
        "period": _period_text(data),
        "zone": zone,
        "created": _when(data, data.generated_at),
    }
    head: list = [
        _p(_summary_title(data), TITLE),
        _p(period + (f" · {clinic_name}" if clinic_name else "")),
        _p(
            _(
                "Patient-reported journal, not monitored in real time. "
                "Shows only what the patient chose to share."
            )
            if not data.include_private_notes
            else _("Patient-reported journal, not monitored in real time. Your own copy."),
            SMALL,
        ),
        Spacer(1, 2),
    ]
    bands: list[Band] = [([_fixed(head + _outcomes(data) + drawings)], [])]
    if data.has(SIDE_EFFECTS):
        sessions = {s.id for s in data.sessions}
        reports = len([r for r in data.reports if r.session_id in sessions])
        bands.append(([Part(lambda k: _side_effects(data, k), reports, SESSIONS)], []))
    # Half-width sections, two to a band: readings beside flags, mood beside notes.
    cells: list[list[Part]] = []
    if data.has(BLOOD_PRESSURE):
        readings = len(data.readings)
        cells.append([Part(lambda k: _blood_pressure(data, k), readings, READINGS)])
    if data.has(MOOD) or data.has(SIDE_EFFECTS) or data.has(BLOOD_PRESSURE):
        flags = len([f for f in data.flags if f.acknowledged_at is None])
        cells.append([Part(lambda k: _open_flags(data, k), flags, FLAGS)])
    if data.has(MOOD):
        forms = len(data.questionnaires)
        cells.append([Part(lambda k: _mood(data, k), forms, FORMS)])
    last = [_fixed(_discuss())]
    if data.notes_included:
        count = len([r for r in data.reports if r.note]) + len([c for c in data.checkins if c.note])
        last.insert(0, Part(lambda k: _notes(data, k), count, NOTES))
    cells.append(last)
    bands += [
        (cells[i], cells[i + 1] if i + 1 < len(cells) else []) for i in range(0, len(cells), 2)
    ]
    return bands


def _story(bands: list[Band], shown: dict[int, int]) -> list:
    story: list = []
    for left, right in bands:
        columns = [[f for p in parts for f in p.build(shown[id(p)])] for parts in (left, right)]
        story += _side_by_side(*columns) if right else columns[0]
    return story


class _Doc(BaseDocTemplate):
    """One frame a page, no padding; remembers where the last flowable ended."""

    def __init__(self, buffer: io.BytesIO, data: ExportData) -> None:
        super().__init__(
            buffer,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=_summary_title(data),
            author="Aftercare",
            subject=_("Journal summary %(period)s") % {"period": _period_text(data)},
            invariant=1,
        )
        # Spaces add up (no overlapping), as `_stacked` counts them.
        frame = Frame(
            MARGIN, MARGIN, FRAME_W, FRAME_H, 0, 0, 0, 0, id="text", overlapAttachedSpace=0
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self.used_on_last_page = 0.0

    def afterFlowable(self, flowable: object) -> None:
        self.used_on_last_page = MARGIN + FRAME_H - self.frame._y


class _NumberedCanvas(Canvas):
    """Writes "Page n of N" (`why`: with the reason it takes more than one) once the page
    count is known (nothing on one page)."""

    def __init__(self, *args: Any, why: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._states: list[dict[str, Any]] = []
        self._why = why

    def showPage(self) -> None:
        self._states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._states)
        for state in self._states:
            self.__dict__.update(state)
            if count > 1:
                self.setFont("Helvetica", 7)
                page = {"page": self._pageNumber, "pages": count, "days": ONE_PAGE_DAYS}
                text = (
                    _(
                        "Page %(page)s of %(pages)s: a period longer than %(days)s days may take "
                        "two pages"
                    )
                    if self._why
                    else _("Page %(page)s of %(pages)s")
                )
                self.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, text % page)
            super().showPage()
        super().save()


def _build(story: list, data: ExportData, why: bool) -> tuple[bytes, int, float]:
    """The PDF bytes of `story`, its number of pages and the height used on its last page."""
    buffer = io.BytesIO()
    doc = _Doc(buffer, data)
    doc.build(story, canvasmaker=partial(_NumberedCanvas, why=why))
    return buffer.getvalue(), doc.page, doc.used_on_last_page


@dataclass(frozen=True)
class Remembered:
    """The layout a summary ended with: the rows each table got, and the pages that made."""

    rows: tuple[int, ...]
    pages: int


@dataclass(frozen=True)
class LayoutMemo:
    """Where a caller keeps the layout of a summary whose data it knows to be unchanged (the
    views: the cache, under the patient's data version): measuring every table's rows costs
    about as much as building the PDF. This module stays free of the cache."""

    get: Callable[[], Remembered | None]
    set: Callable[[Remembered], None]


def summary_pdf(
    data: ExportData,
    *,
    clinic_name: str = "",
    thresholds: Thresholds | None = None,
    charts: Sequence[ChartImage] | None = None,
    layout: LayoutMemo | None = None,
) -> bytes:
    """The summary of `data` as PDF bytes: one page for up to 90 days, at most two beyond.

    The layout is computed, not searched: the charts' and tables' heights are measured once and
    each table gets the rows the space left allows. A second build happens only when the
    measured estimate was off (fewer rows by the overflow). `layout` remembers the rows each
    table got for the same data and the pages they made, so a repeat builds once and measures
    nothing, also when that layout took a page more than allowed (the fewest rows did); a
    remembered count is kept within what each table has, and a remembered layout that takes
    more pages than it did is measured and corrected like an estimate."""
    del thresholds  # flags arrive already judged; kept for callers that pass the clinic's
    allowed = 1 if _one_page(data) else 2
    why = allowed > 1  # the page numbers say why a long period may take two pages
    bands = _bands(data, clinic_name, _drawings(data, charts))  # each chart converted once
    parts = [part for left, right in bands for part in left + right]
    budget = allowed * FRAME_H
    remembered = layout.get() if layout is not None else None
    measured: Measured | None = None
    accepted = allowed
    if remembered is not None and len(remembered.rows) == len(parts):
        shown = {
            id(part): max(part.least, min(rows, part.most))
            for part, rows in zip(parts, remembered.rows, strict=True)
        }
        # The pages this layout made last time: more than allowed when even the fewest rows
        # took a page more. Correcting it again would only repeat that (every time).
        accepted = max(allowed, remembered.pages)
    else:
        measured = _measure(bands)
        shown = _layout(bands, measured, budget)
    pdf, pages, used = _build(_story(bands, shown), data, why)
    if pages > accepted:  # the estimate was off (a band moved whole to the next page)
        measured = measured or _measure(bands)
        shown = _layout(bands, measured, budget - (pages - allowed - 1) * FRAME_H - used - 6)
        pdf, pages, used = _build(_story(bands, shown), data, why)
    final = Remembered(tuple(shown[id(part)] for part in parts), pages)
    if layout is not None and final != remembered:
        layout.set(final)
    return pdf  # at the fewest rows a page more, rather than type too small to read
