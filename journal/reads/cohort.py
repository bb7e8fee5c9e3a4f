"""Read side of the provider's clinic outcomes: the cohort of patients sharing mood &
questionnaires with the provider, loaded in bulk and reduced to figures (`journal.cohort`).

Scope comes from `journal.permissions`: only patients with an active share that includes mood &
questionnaires, only questionnaires inside such a share's window, and a marked baseline only
when its questionnaire is one of those. Session start times of all the patient's sessions are
read as the clock (first session, session count) and never leave this module.

Four queries whatever the number of patients: the sharing patients' time zones, the active
mood shares, their patients' session starts, and the questionnaires they share (each with
whether it is the marked baseline).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from journal import permissions
from journal.cohort import CohortFigures, Course, cohort_figures
from journal.models import Instrument, MarkedBaseline, Share, TreatmentSession, User
from journal.outcomes import ScoreInput

INSTRUMENTS = (Instrument.PHQ9.value, Instrument.GAD7.value)


@dataclass(frozen=True)
class CohortReport:
    """The clinic outcome figures one provider may read, per instrument, and the shares they
    were read through (for the access log; never shown)."""

    sharing: int  # patients with an active share that includes mood & questionnaires
    sections: tuple[CohortFigures, ...]
    share_ids: tuple[tuple[int, int], ...]  # (share id, patient id)

    @property
    def shares(self) -> list[Share]:
        """The shares read through, as unsaved rows carrying their ids (for the access log)."""
        return [
            Share(pk=share_id, patient_id=patient_id) for share_id, patient_id in self.share_ids
        ]

    def section(self, instrument: str) -> CohortFigures:
        """The figures of one instrument."""
        return next(s for s in self.sections if s.instrument == instrument)


def _mood_shares(provider: User, zones: list[str]) -> QuerySet[Share]:
    """The provider's active shares that include mood & questionnaires."""
    return permissions.active_shares_for(provider, zones=zones).filter(share_mood=True)


def clinic_outcomes(provider: User, now: datetime | None = None) -> CohortReport:
    """The cohort figures of PHQ-9 and GAD-7 for `provider` at `now`."""
    now = now or timezone.now()
    zones = permissions.sharing_zones(provider)
    mood_shares = _mood_shares(provider, zones)
    # Patient id -> their newest such share (a later row wins).
    shares = dict(mood_shares.order_by("created_at", "id").values_list("patient_id", "id"))
    starts: dict[int, list[datetime]] = defaultdict(list)
    scores: dict[tuple[int, str], list[ScoreInput]] = defaultdict(list)
    marked: dict[tuple[int, str], int] = {}
    if shares:
        # A subquery rather than a list of ids: no limit on the number of patients.
        sharing = mood_shares.values("patient_id")
        for patient_id, started_at in TreatmentSession.objects.filter(
            patient_id__in=sharing
        ).values_list("patient_id", "started_at"):
            starts[patient_id].append(started_at)
        is_marked = MarkedBaseline.objects.filter(
            questionnaire=OuterRef("pk"),
            patient=OuterRef("patient"),
            instrument=OuterRef("instrument"),
        )
        rows = (
            permissions.questionnaires_visible_to(provider, zones)
            .filter(instrument__in=INSTRUMENTS)
            .annotate(marked=Exists(is_marked))
            .values_list("patient_id", "instrument", "id", "completed_at", "total", "marked")
        )
        for patient_id, instrument, pk, completed_at, total, is_mark in rows:
            scores[patient_id, instrument].append(ScoreInput(pk, completed_at, total))
            if is_mark:
                marked[patient_id, instrument] = pk
    sections = tuple(
        cohort_figures(
            instrument,
            [
                Course(
                    scores=tuple(scores.get((patient_id, instrument), ())),
                    session_starts=tuple(starts.get(patient_id, ())),
                    marked_baseline_id=marked.get((patient_id, instrument)),
                )
                for patient_id in shares
            ],
            now,
        )
        for instrument in INSTRUMENTS
    )
    return CohortReport(
        sharing=len(shares),
        sections=sections,
        share_ids=tuple((share_id, patient_id) for patient_id, share_id in shares.items()),
    )
