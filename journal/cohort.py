"""Clinic outcome figures over a cohort of patients: pure functions of plain data.

A patient is in the cohort of an instrument when their outcome (`journal.outcomes.outcome`) has
a baseline and their first treatment session began at least `MIN_WEEKS` weeks ago. Figures are
counts and percentages of the cohort, the median number of sessions to a first response, and a
Kaplan–Meier estimate of the time to a first response (event: the first response; censored at
the patient's latest score). Fewer than `MIN_CELL` patients: no figure but the count.

Nothing here keeps a patient's identity: the result holds counts, percentages and curve steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median as _median

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journal import outcomes as oc
from journal.summaries import Table

MIN_CELL = 5  # fewer patients than this: no percentages, medians or curve
MIN_WEEKS = 4  # the first session began at least this many weeks ago


# --- Kaplan–Meier -----------------------------------------------------------------------


@dataclass(frozen=True)
class KMStep:
    """One time of the estimate: patients still followed just before it, first responses and
    censorings at it, and the estimated share not yet responded just after it."""

    time: float
    at_risk: int
    events: int
    censored: int
    survival: float

    @property
    def responded(self) -> float:
        """Estimated share who had responded by `time` (1 − survival)."""
        return 1.0 - self.survival


def kaplan_meier(observations: Sequence[tuple[float, bool]]) -> tuple[KMStep, ...]:
    """The Kaplan–Meier product-limit estimate of `(time, event)` observations (event False:
    censored at that time). One step per distinct time; at a tie, events count before
    censorings (a patient censored at t was still at risk at t)."""
    times = sorted({t for t, _ in observations})
    steps = []
    survival = 1.0
    at_risk = len(observations)
    for t in times:
        events = sum(1 for time, event in observations if time == t and event)
        censored = sum(1 for time, event in observations if time == t and not event)
        if events:
            survival *= 1 - events / at_risk
        steps.append(KMStep(t, at_risk, events, censored, survival))
        at_risk -= events + censored
    return tuple(steps)


def km_median(steps: Sequence[KMStep]) -> float | None:
    """The median time to the event: the first time the estimate reaches 50 % or below (None
    when it never does: fewer than half had the event by the last time followed)."""
    return next((s.time for s in steps if s.survival <= 0.5), None)


def median(values: Sequence[float]) -> float | None:
    """The median of `values` (None for none)."""
    return _median(values) if values else None


# --- Cohort figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Course:
    """One patient's course as plain values: their scores of one instrument (only those the
    reader may see), the start times of all their sessions (used only as the clock) and a
    marked baseline's id (honoured only when it is among `scores`)."""

    scores: tuple[oc.ScoreInput, ...]
    session_starts: tuple[datetime, ...]
    marked_baseline_id: int | None = None
    # Sessions before the share's start exist (`journal.outcomes.outcome`'s partial course):
    # when treatment began is unknown, so the patient is left out (counted with no baseline).
    partial: bool = False


@dataclass(frozen=True)
class Shown:
    """The figures of a cohort large enough to show (n ≥ `MIN_CELL`)."""

    n: int
    responded: int
    remission_now: int
    ever_remitted: int
    lost_response: int
    sessions_to_response: float | None  # median, among the responders
    curve: tuple[KMStep, ...]
    median_weeks: float | None

    def percent(self, count: int) -> int:
        """`count` as a whole percentage of the cohort."""
        return round(100 * count / self.n)

    @property
    def responded_percent(self) -> int:
        return self.percent(self.responded)

    @property
    def remission_now_percent(self) -> int:
        return self.percent(self.remission_now)

    @property
    def ever_remitted_percent(self) -> int:
        return self.percent(self.ever_remitted)


@dataclass(frozen=True)
class CohortFigures:
    """One instrument's cohort: who counts, who was left out and why, and (when the cohort
    is large enough) its figures."""

    instrument: str
    sharing: int  # patients sharing mood & questionnaires
    n: int  # in the cohort
    no_baseline: int  # left out: no baseline
    too_early: int  # left out: first session under `MIN_WEEKS` weeks ago (or none yet)
    shown: Shown | None  # None: fewer than `MIN_CELL` patients

    @property
    def title(self) -> str:
        return oc.TITLES.get(self.instrument, self.instrument)

    @property
    def suppressed(self) -> bool:
        return self.shown is None


def weeks_observed(score: oc.Score | None) -> int:
    """A score's time as started weeks since the first session (0 at or before it): whole
    weeks, so no step of the curve pins one patient's exact day."""
    if score is None or score.weeks is None or score.weeks <= 0:
        return 0
    return math.ceil(score.weeks)


def cohort_figures(
    instrument: str, courses: Sequence[Course], now: datetime, min_cell: int = MIN_CELL
) -> CohortFigures:
    """Who of `courses` is in the cohort of `instrument` at `now`, and its figures."""
    members: list[oc.Outcome] = []
    no_baseline = too_early = 0
    for course in courses:
        result = oc.outcome(
            instrument,
            course.scores,
            course.session_starts,
            marked_baseline_id=course.marked_baseline_id,
            partial_course=course.partial,
        )
        if result.baseline is None or result.partial_course:
            no_baseline += 1
        elif not course.session_starts or now - min(course.session_starts) < timedelta(
            weeks=MIN_WEEKS
        ):
            too_early += 1
        else:
            members.append(result)
    n = len(members)
    shown = _shown(members) if n >= min_cell else None
    return CohortFigures(instrument, len(courses), n, no_baseline, too_early, shown)


def _shown(members: Sequence[oc.Outcome]) -> Shown:
    responders = [o for o in members if o.first_response is not None]
    observations = [
        (weeks_observed(o.first_response), True)
        if o.first_response is not None
        else (weeks_observed(o.latest), False)
        for o in members
    ]
    curve = kaplan_meier(observations)
    return Shown(
        n=len(members),
        responded=len(responders),
        remission_now=sum(1 for o in members if o.status == oc.REMISSION),
        ever_remitted=sum(1 for o in members if o.first_remission is not None),
        lost_response=sum(1 for o in members if o.status == oc.LOST_RESPONSE),
        sessions_to_response=median(
            [o.first_response.session_number for o in responders if o.first_response]
        ),
        curve=curve,
        median_weeks=km_median(curve),
    )


# --- Words and the data table -----------------------------------------------------------


def _weeks(value: float) -> str:
    # ngettext needs a whole number: 1 week, 1.5 weeks, 2 weeks.
    count = int(value) if value == int(value) else 2
    return ngettext("%(weeks)s week", "%(weeks)s weeks", count) % {"weeks": f"{value:g}"}


def curve_summary(figures: CohortFigures) -> str:
    """The chart's text summary for providers (the same facts as the picture)."""
    shown = figures.shown
    if shown is None:
        return _(
            "Fewer than %(count)s patients meet the criteria; figures are not shown to protect "
            "privacy."
        ) % {"count": MIN_CELL}
    last = shown.curve[-1]  # a cohort of MIN_CELL or more has at least one step
    values = {
        "n": shown.n,
        "percent": round(100 * last.responded),
        "week": f"{last.time:g}",
    }
    if shown.median_weeks is None:
        return (
            _(
                "Of %(n)s patients, an estimated %(percent)s %% had responded by week %(week)s of "
                "follow-up; fewer than half had responded, so the median time is not reached."
            )
            % values
        )
    return _(
        "Of %(n)s patients, an estimated %(percent)s %% had responded by week %(week)s of "
        "follow-up; half had responded by %(median)s (median, Kaplan–Meier)."
    ) % {**values, "median": _weeks(shown.median_weeks)}


def curve_table(figures: CohortFigures) -> Table:
    """The curve's steps as a table: one row per started week with a response or a censoring."""
    rows: tuple[tuple[str, ...], ...] = ()
    if figures.shown is not None:
        rows = tuple(
            (
                f"{s.time:g}",
                str(s.at_risk),
                str(s.events),
                str(s.censored),
                f"{round(100 * s.responded)} %",
            )
            for s in figures.shown.curve
        )
    return Table(
        caption=(
            _("%(title)s: time to first response, by started weeks since the first session")
            % {"title": figures.title}
        ),
        columns=(
            _("Week"),
            _("Patients still followed"),
            _("First responses"),
            _("Follow-up ended (censored)"),
            _("Had responded (estimate)"),
        ),
        rows=rows,
    )
