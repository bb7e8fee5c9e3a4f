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

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from journal import permissions
from journal.cohort import CohortFigures, Course, cohort_figures
from journal.models import Instrument, Share, User
from journal.reads import outcomes as outcome_reads

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
    # Patient id -> their newest such share (a later row wins) and its window's start.
    shares: dict[int, int] = {}
    windows: dict[int, datetime | None] = {}
    for patient_id, share_id, starts_on, zone in mood_shares.order_by(
        "created_at", "id"
    ).values_list("patient_id", "id", "starts_on", "patient__time_zone"):
        shares[patient_id] = share_id
        windows[patient_id] = permissions.window_start(starts_on, ZoneInfo(zone))
    found = outcome_reads.courses(windows, INSTRUMENTS)
    sections = tuple(
        cohort_figures(
            instrument,
            [
                Course(
                    scores=tuple(found.scores[patient_id, instrument]),
                    session_starts=tuple(found.starts[patient_id]),
                    marked_baseline_id=found.marks.get((patient_id, instrument)),
                    partial=patient_id in found.partial,
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
