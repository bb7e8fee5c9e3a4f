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

STATUS_WORDS = {
    REMISSION: "In remission",
    RESPONSE: "Response",
    LOST_RESPONSE: "Response lost",
    NO_RESPONSE: "No response yet",
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
        return STATUS_WORDS.get(self.status or "", "")


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


def patient_sentence(o: Outcome) -> str:
    """ "Your PHQ-9 is 9, down from 18 before treatment: a 50 % drop." or a clear state."""
    if o.state == NO_SCORES:
        return f"You have not filled in a {o.title} yet."
    if o.state == NO_SESSIONS:
        return (
            f"Your latest {o.title} is {o.latest.total if o.latest else '?'}. Once treatment "
            f"has started, the {o.title} from the week before your first session is your "
            "starting point, and later ones are compared with it."
        )
    if o.state == NO_BASELINE:
        return (
            f"Your latest {o.title} is {o.latest.total if o.latest else '?'}. There is no "
            f"{o.title} from the week before your first session to compare it with, so no "
            "change is shown."
        )
    assert o.baseline is not None and o.latest is not None
    # The automatic baseline comes before treatment; a marked one may come later.
    at = "before treatment" if o.baseline.session_number == 0 else "at your starting point"
    if o.state == BASELINE_ONLY:
        return (
            f"Your {o.title} {at} was {o.baseline.total}. Fill it in again after some "
            "sessions to see how it changes."
        )
    base, now = o.baseline.total, o.latest.total
    if o.change is None:
        return f"Your {o.title} is {now}; it was {base} {at}."
    pct = abs(o.percent_change or 0)
    if now < base:
        text = f"Your {o.title} is {now}, down from {base} {at}: {_article(pct)} {pct} % drop."
    elif now > base:
        text = f"Your {o.title} is {now}, up from {base} {at} ({pct} % higher)."
    else:
        text = f"Your {o.title} is {now}, the same as {at}."
    if o.status == REMISSION:
        text += " That is below 5, the range called remission."
    elif o.status == RESPONSE:
        text += " A drop of half or more is called a response."
    return text


def provider_line(o: Outcome) -> str:
    """ "PHQ-9 18 → 9 (−50 %), response at session 6; not in remission." or a clear state."""
    if o.state == NO_SCORES:
        return f"{o.title}: none recorded."
    if o.state == NO_SESSIONS:
        return f"{o.title}: latest {o.latest.total if o.latest else '?'}; no sessions yet."
    if o.state == NO_BASELINE and o.partial_course:
        return (
            f"{o.title}: latest {o.latest.total if o.latest else '?'}; no baseline (treatment "
            "began before the shared period; you can mark a shared questionnaire as baseline)."
        )
    if o.state == NO_BASELINE:
        return (
            f"{o.title}: latest {o.latest.total if o.latest else '?'}; no baseline (none in "
            "the 7 days before the first session)."
        )
    assert o.baseline is not None and o.latest is not None
    marked = " (baseline marked by a provider)" if o.baseline_marked else ""
    if o.state == BASELINE_ONLY:
        return f"{o.title}: baseline {o.baseline.total}{marked}; no score since."
    pct = f" ({o.signed_change})" if o.signed_change else ""
    line = f"{o.title} {o.baseline.total} → {o.latest.total}{pct}{marked}"
    # Session numbers of a partial course count from the shared period's start.
    of = " of the shared period" if o.partial_course else ""
    if o.first_response is not None:
        line += f", response at session {o.first_response.session_number}{of}"
    else:
        line += ", no response"
    if o.status == LOST_RESPONSE and o.lost_at is not None:
        line += f", lost at session {o.lost_at.session_number}{of}"
    line += "; in remission" if o.status == REMISSION else "; not in remission"
    return line + "."
