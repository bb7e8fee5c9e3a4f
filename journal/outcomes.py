"""Outcomes (DESIGN.md §3b): baseline, change, response, remission and loss of response for
PHQ-9 and GAD-7, as pure functions of a patient's scores and session start times.

- **Baseline**: the latest score of the instrument taken in the 7 days up to the first
  treatment session (`BASELINE_WINDOW`), unless a provider marked another one.
- **Change**: (baseline − latest) / baseline. Undefined (None) when the baseline is 0.
- **Response**: a score at least 50 % below the baseline. **Remission**: a score below 5.
- **Loss of response**: after a response, two consecutive scores back above the 50 % level.

These are the definitions published ketamine-clinic outcome studies use (e.g. the Osmind
real-world evidence studies, "ORKA"; `OUTCOME_SOURCE`). Nothing here is a percentage computed
from nothing: without a baseline, or with a baseline of 0, `change` is None and `state` says why.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = str

OUTCOME_SOURCE = (
    "Response: ≥ 50 % reduction from baseline; remission: score < 5; loss of response: two "
    "consecutive scores above the 50 % level after a response — the definitions used in "
    "ketamine-clinic outcome studies (e.g. Osmind real-world evidence, ORKA)"
)
BASELINE_WINDOW = timedelta(days=7)
RESPONSE_REDUCTION = 0.5
REMISSION_BELOW = 5
LOSS_CONSECUTIVE = 2

# States of an outcome.
NO_SCORES = "no_scores"  # no questionnaire of this instrument
NO_SESSIONS = "no_sessions"  # no treatment session yet: nothing to compare against
NO_BASELINE = "no_baseline"  # sessions, but no score in the 7 days before the first
BASELINE_ONLY = "baseline_only"  # a baseline, nothing after it yet
MEASURED = "measured"  # a baseline and at least one later score

# Statuses of a measured outcome (from the latest score).
REMISSION = "remission"
RESPONSE = "response"
LOST_RESPONSE = "lost_response"
NO_RESPONSE = "no_response"

STATUS_WORDS: dict[str, StrOrPromise] = {
    REMISSION: gettext_lazy("In remission"),
    RESPONSE: gettext_lazy("Response"),
    LOST_RESPONSE: gettext_lazy("Response lost"),
    NO_RESPONSE: gettext_lazy("No response yet"),
}
TITLES = {"phq9": "PHQ-9", "gad7": "GAD-7"}


@dataclass(frozen=True)
class ScoreInput:
    """One questionnaire as plain values."""

    id: int
    completed_at: datetime
    total: int


@dataclass(frozen=True)
class Score:
    """A score placed in the course of treatment: how many sessions had started by then, and
    weeks since the first session (negative before it; None without sessions)."""

    id: int
    completed_at: datetime
    total: int
    session_number: int
    weeks: float | None


@dataclass(frozen=True)
class Outcome:
    instrument: str
    state: str
    scores: tuple[Score, ...] = ()
    baseline: Score | None = None
    baseline_marked: bool = False  # chosen by a provider rather than by the rule
    latest: Score | None = None
    change: float | None = None  # (baseline − latest) / baseline; None when undefined
    status: str | None = None  # REMISSION / RESPONSE / LOST_RESPONSE / NO_RESPONSE
    first_response: Score | None = None
    first_remission: Score | None = None
    lost_at: Score | None = None
    # The reader sees only part of the course (a share starting after the first session):
    # session numbers count from the start of what is seen, weeks are unknown, and there is no
    # automatic baseline (it would lie before what is seen).
    partial_course: bool = False
    # The first session the reader sees (None: none, or a partial course).
    first_session: datetime | None = None

    @property
    def title(self) -> str:
        return TITLES.get(self.instrument, self.instrument)

    @property
    def measured(self) -> bool:
        return self.state == MEASURED

    @property
    def ever_responded(self) -> bool:
        return self.first_response is not None

    @property
    def ever_remitted(self) -> bool:
        return self.first_remission is not None

    @property
    def percent_change(self) -> int | None:
        """Reduction in whole percent (positive = better), or None."""
        return None if self.change is None else round(self.change * 100)

    @property
    def signed_change(self) -> str:
        """The score's change as written for clinicians: a 50 % reduction is "−50 %"."""
        pct = self.percent_change
        if pct is None:
            return ""
        return f"{'−' if pct > 0 else '+' if pct < 0 else '±'}{abs(pct)} %"

    @property
    def status_words(self) -> str:
        return str(STATUS_WORDS.get(self.status or "", ""))


def place(
    scores: Sequence[ScoreInput], session_starts: Sequence[datetime], *, partial: bool = False
) -> tuple[Score, ...]:
    """Scores in time order with their session number and weeks since the first session
    (`partial`: the first session is not among `session_starts`, so weeks are unknown)."""
    starts = sorted(session_starts)
    first = starts[0] if starts and not partial else None
    placed = []
    for s in sorted(scores, key=lambda s: (s.completed_at, s.id)):
        weeks = None if first is None else (s.completed_at - first).total_seconds() / 604800
        placed.append(
            Score(
                id=s.id,
                completed_at=s.completed_at,
                total=s.total,
                session_number=bisect_right(starts, s.completed_at),
                weeks=weeks,
            )
        )
    return tuple(placed)


def automatic_baseline(scores: Sequence[Score], first_session: datetime | None) -> Score | None:
    """The latest score taken in the 7 days up to the first session (DESIGN.md §3b)."""
    if first_session is None:
        return None
    window = [
        s for s in scores if first_session - BASELINE_WINDOW <= s.completed_at <= first_session
    ]
    return window[-1] if window else None


def is_response(baseline: int, total: int) -> bool:
    """At least 50 % below a positive baseline."""
    return baseline > 0 and (baseline - total) >= RESPONSE_REDUCTION * baseline


def outcome(
    instrument: str,
    scores: Sequence[ScoreInput],
    session_starts: Sequence[datetime],
    *,
    marked_baseline_id: int | None = None,
    partial_course: bool = False,
) -> Outcome:
    """Everything DESIGN.md §3b defines, for one instrument of one patient.

    `marked_baseline_id`: a score a provider chose as the baseline (it wins over the rule when
    it is among `scores`). `partial_course`: sessions before `session_starts` exist but are
    not the reader's to see (numbers count from what is seen; only a marked baseline)."""
    placed = place(scores, session_starts, partial=partial_course)
    first = min(session_starts) if session_starts else None
    seen = None if partial_course else first  # the first session the reader sees
    if not placed:
        return Outcome(instrument, NO_SCORES, partial_course=partial_course, first_session=seen)
    marked = next((s for s in placed if s.id == marked_baseline_id), None)
    baseline = marked or (None if partial_course else automatic_baseline(placed, first))
    if baseline is None:
        state = NO_SESSIONS if first is None and not partial_course else NO_BASELINE
        return Outcome(
            instrument,
            state,
            placed,
            latest=placed[-1],
            partial_course=partial_course,
            first_session=seen,
        )
    after = [s for s in placed if (s.completed_at, s.id) > (baseline.completed_at, baseline.id)]
    if not after:
        return Outcome(
            instrument,
            BASELINE_ONLY,
            placed,
            baseline=baseline,
            baseline_marked=marked is not None,
            latest=baseline,
            partial_course=partial_course,
            first_session=seen,
        )
    latest = after[-1]
    change = None if baseline.total == 0 else (baseline.total - latest.total) / baseline.total
    first_response = first_remission = lost_at = None
    responding = False
    misses = 0
    for s in after:
        if s.total < REMISSION_BELOW and first_remission is None:
            first_remission = s
        if is_response(baseline.total, s.total):
            if first_response is None:
                first_response = s
            responding, misses = True, 0
        elif responding:
            misses += 1
            if misses >= LOSS_CONSECUTIVE:
                responding, lost_at = False, s
    # A responder stays one until two consecutive scores above the 50 % level (one miss is not
    # a loss); after a loss, a new response counts again.
    if latest.total < REMISSION_BELOW:
        status = REMISSION
    elif responding:
        status = RESPONSE
    elif lost_at is not None:
        status = LOST_RESPONSE
    else:
        status = NO_RESPONSE
    return Outcome(
        instrument,
        MEASURED,
        placed,
        baseline=baseline,
        baseline_marked=marked is not None,
        latest=latest,
        change=change,
        status=status,
        first_response=first_response,
        first_remission=first_remission,
        lost_at=lost_at if status == LOST_RESPONSE else None,
        partial_course=partial_course,
        first_session=seen,
    )


# --- Words --------------------------------------------------------------------------------


def _article(number: int) -> str:
    """ "an" before numbers said with a vowel sound (8, 11, 18, 80–89), else "a"."""
    return "an" if str(number).startswith("8") or number in (11, 18) else "a"


def _at_start(o: Outcome, before_treatment: str, starting_point: str) -> str:
    """The sentence for an automatic baseline (before treatment) or a marked one (which may
    come later: "at your starting point")."""
    assert o.baseline is not None
    return before_treatment if o.baseline.session_number == 0 else starting_point


def patient_sentence(o: Outcome) -> str:
    """ "Your PHQ-9 is 9, down from 18 before treatment: a 50 % drop." or a clear state."""
    values: dict[str, object] = {
        "title": o.title,
        "latest": o.latest.total if o.latest else "?",
    }
    if o.state == NO_SCORES:
        return _("You have not filled in a %(title)s yet.") % values
    if o.state == NO_SESSIONS:
        return (
            _(
                "Your latest %(title)s is %(latest)s. Once treatment has started, the "
                "%(title)s from the week before your first session is your starting point, and "
                "later ones are compared with it."
            )
            % values
        )
    if o.state == NO_BASELINE:
        return (
            _(
                "Your latest %(title)s is %(latest)s. There is no %(title)s from the week before "
                "your first session to compare it with, so no change is shown."
            )
            % values
        )
    assert o.baseline is not None and o.latest is not None
    base, now = o.baseline.total, o.latest.total
    values.update(base=base, now=now)
    if o.state == BASELINE_ONLY:
        return (
            _at_start(
                o,
                _(
                    "Your %(title)s before treatment was %(base)s. Fill it in again after some "
                    "sessions to see how it changes."
                ),
                _(
                    "Your %(title)s at your starting point was %(base)s. Fill it in again after "
                    "some sessions to see how it changes."
                ),
            )
            % values
        )
    if o.change is None:
        return (
            _at_start(
                o,
                _("Your %(title)s is %(now)s; it was %(base)s before treatment."),
                _("Your %(title)s is %(now)s; it was %(base)s at your starting point."),
            )
            % values
        )
    pct = abs(o.percent_change or 0)
    values["pct"] = pct
    if now < base and _article(pct) == "an":
        text = _at_start(
            o,
            _(
                "Your %(title)s is %(now)s, down from %(base)s before treatment: an %(pct)s %% "
                "drop."
            ),
            _(
                "Your %(title)s is %(now)s, down from %(base)s at your starting point: an "
                "%(pct)s %% drop."
            ),
        )
    elif now < base:
        text = _at_start(
            o,
            _("Your %(title)s is %(now)s, down from %(base)s before treatment: a %(pct)s %% drop."),
            _(
                "Your %(title)s is %(now)s, down from %(base)s at your starting point: a "
                "%(pct)s %% drop."
            ),
        )
    elif now > base:
        text = _at_start(
            o,
            _("Your %(title)s is %(now)s, up from %(base)s before treatment (%(pct)s %% higher)."),
            _(
                "Your %(title)s is %(now)s, up from %(base)s at your starting point (%(pct)s %% "
                "higher)."
            ),
        )
    else:
        text = _at_start(
            o,
            _("Your %(title)s is %(now)s, the same as before treatment."),
            _("Your %(title)s is %(now)s, the same as at your starting point."),
        )
    text %= values
    if o.status == REMISSION:
        text += " " + _("That is below 5, the range called remission.")
    elif o.status == RESPONSE:
        text += " " + _("A drop of half or more is called a response.")
    return text


def provider_line(o: Outcome) -> str:
    """ "PHQ-9 18 → 9 (−50 %), response at session 6; not in remission." or a clear state.
    A clinical line of clauses (each one message), not a sentence."""
    values: dict[str, object] = {
        "title": o.title,
        "latest": o.latest.total if o.latest else "?",
    }
    if o.state == NO_SCORES:
        return _("%(title)s: none recorded.") % values
    if o.state == NO_SESSIONS:
        return _("%(title)s: latest %(latest)s; no sessions yet.") % values
    if o.state == NO_BASELINE and o.partial_course:
        return (
            _(
                "%(title)s: latest %(latest)s; no baseline (treatment began before the shared "
                "period; you can mark a shared questionnaire as baseline)."
            )
            % values
        )
    if o.state == NO_BASELINE:
        return (
            _(
                "%(title)s: latest %(latest)s; no baseline (none in the 7 days before the first "
                "session)."
            )
            % values
        )
    assert o.baseline is not None and o.latest is not None
    values.update(base=o.baseline.total, now=o.latest.total, change=o.signed_change)
    if o.state == BASELINE_ONLY:
        if o.baseline_marked:
            return (
                _("%(title)s: baseline %(base)s (baseline marked by a provider); no score since.")
                % values
            )
        return _("%(title)s: baseline %(base)s; no score since.") % values
    line = f"{o.title} {o.baseline.total} → {o.latest.total}"
    if o.signed_change:
        line += f" ({o.signed_change})"
    if o.baseline_marked:
        line += " " + _("(baseline marked by a provider)")
    # Session numbers of a partial course count from the shared period's start.
    if o.first_response is not None:
        number = {"number": o.first_response.session_number}
        if o.partial_course:
            line += ", " + _("response at session %(number)s of the shared period") % number
        else:
            line += ", " + _("response at session %(number)s") % number
    else:
        line += ", " + _("no response")
    if o.status == LOST_RESPONSE and o.lost_at is not None:
        number = {"number": o.lost_at.session_number}
        if o.partial_course:
            line += ", " + _("lost at session %(number)s of the shared period") % number
        else:
            line += ", " + _("lost at session %(number)s") % number
    line += "; " + (_("in remission") if o.status == REMISSION else _("not in remission"))
    return line + "."
