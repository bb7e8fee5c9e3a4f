"""The response curve's sentence and data table (DESIGN.md §3b), in the style of
`journal.summaries`: pure functions of one `Outcome`, with the same points the chart draws."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journal.charts.outcomes import response_curve_data
from journal.charts.types import ResponsePoint
from journal.outcomes import (
    LOST_RESPONSE,
    REMISSION,
    REMISSION_BELOW,
    RESPONSE,
    STATUS_WORDS,
    Outcome,
    is_response,
    patient_sentence,
    provider_line,
)
from journal.summaries import Audience, Table, day_text

NONE = "–"
RESPONSE_COLUMNS = (
    gettext_lazy("Date"),
    gettext_lazy("Session"),
    gettext_lazy("Weeks since the first session"),
    gettext_lazy("Score"),
    gettext_lazy("Change from baseline"),
    gettext_lazy("Status"),
)


def response_summary(o: Outcome, *, audience: Audience = "patient") -> str:
    """Patient words for the patient, the clinical line for providers (same figures)."""
    return patient_sentence(o) if audience == "patient" else provider_line(o)


def percent_text(baseline: int, total: int) -> str:
    """The score's change from a positive baseline in whole percent: "−50 %", "+11 %", "±0 %"."""
    if baseline <= 0:
        return NONE
    change = round((total - baseline) / baseline * 100)
    sign = "−" if change < 0 else "+" if change > 0 else "±"
    return f"{sign}{abs(change)} %"


def _weeks(weeks: float | None) -> str:
    if weeks is None:
        return NONE
    # Rounded first: Django's number_format cuts a float's digits instead of rounding.
    return number_format(Decimal(f"{weeks:.1f}"), 1).replace("-", "−")


def _status(o: Outcome, point: ResponsePoint, index: int) -> str:
    if point.is_baseline:
        return _("Baseline (chosen by a provider)") if o.baseline_marked else _("Baseline")
    if o.baseline is None:
        return NONE
    if point.total < REMISSION_BELOW:
        return str(STATUS_WORDS[REMISSION])
    if is_response(o.baseline.total, point.total):
        return str(STATUS_WORDS[RESPONSE])
    if o.lost_at is not None and o.scores[index] == o.lost_at:
        return str(STATUS_WORDS[LOST_RESPONSE])
    return NONE


def response_table(o: Outcome) -> Table:
    """One row per score the response curve draws (from the baseline on), newest first."""
    points = response_curve_data(o).points
    # Index of each point among the outcome's scores, to find the score a response was lost at.
    offset = len(o.scores) - len(points)
    baseline = None if o.baseline is None else o.baseline.total
    rows = tuple(
        (
            day_text(p.completed_at.date()),
            str(p.session_number),
            _weeks(p.weeks),
            str(p.total),
            NONE if baseline is None or p.is_baseline else percent_text(baseline, p.total),
            _status(o, p, offset + i),
        )
        for i, p in reversed(list(enumerate(points)))
    )
    if baseline is None:
        caption = _("%(title)s scores, newest first; no baseline, so no change is shown") % {
            "title": o.title
        }
    else:
        caption = _("%(title)s scores from the baseline (%(baseline)s) on, newest first") % {
            "title": o.title,
            "baseline": baseline,
        }
    return Table(caption, tuple(str(c) for c in RESPONSE_COLUMNS), rows)
