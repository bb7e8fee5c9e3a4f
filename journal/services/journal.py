"""Journal services: sessions, post-session reports, check-ins, readings, questionnaires.

Every function is keyword-only and atomic, validates every row before saving it
(`entries.validate`: `full_clean()` without per-row queries) and stores the flags
`journal.flags` raises in the same transaction. Services trust their caller
for `patient` (views pass `request.user`) but refuse a session that belongs to someone else.
Edits name the version they started from; a stale version raises `StaleEdit` and writes
nothing. Edits and deletions (in `journal_edits`, re-exported here) keep the previous values
as an `EntryRevision`. Creates, edits and deletions each append one audit row naming the
entry's type, id and version, never its values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.catalogue import check_in_symptoms, post_session_symptoms
from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    PostSessionReport,
    QuestionnaireResponse,
    ReadingContext,
    TreatmentSession,
    User,
)
from journal.services import standings
from journal.services.entries import (
    StaleEdit,
    audit_entry,
    check_difficulty,
    check_not_future,
    check_report_time,
    check_session,
    clean_ratings,
    new_reading,
    reflag_entry,
    reflag_questionnaire,
    reflag_readings,
    save_ratings,
    score,
    validate,
)
from journal.services.journal_edits import (
    delete_checkin,
    delete_questionnaire,
    delete_reading,
    delete_report,
    delete_session,
    edit_checkin,
    edit_questionnaire,
    edit_reading,
    edit_report,
    edit_session,
)

__all__ = [
    "ReadingInput",
    "StaleEdit",
    "add_reading",
    "default_reading_time",
    "delete_checkin",
    "delete_questionnaire",
    "delete_reading",
    "delete_report",
    "delete_session",
    "edit_checkin",
    "edit_questionnaire",
    "edit_reading",
    "edit_report",
    "edit_session",
    "log_checkin",
    "log_session",
    "log_session_with_report",
    "submit_questionnaire",
    "submit_report",
]


@dataclass(frozen=True)
class ReadingInput:
    """One blood-pressure reading entered together with a post-session report; without
    `measured_at` it was taken at the usual time for its context (`default_reading_time`)."""

    measured_at: datetime | None
    systolic: int
    diastolic: int
    context: str
    pulse: int | None = None


# When a reading of each context is usually taken, counted from the session's start (DESIGN.md
# §2); a home reading has no usual time and defaults to now.
READING_OFFSETS: dict[str, timedelta] = {
    ReadingContext.BEFORE_DOSE: timedelta(0),
    ReadingContext.AFTER_DOSE: timedelta(minutes=40),
    ReadingContext.DISCHARGE: timedelta(hours=2),
}


def default_reading_time(
    *, context: str, session_start: datetime, now: datetime | None = None
) -> datetime:
    """When a reading of `context` was most likely taken: the session start before the dose,
    40 minutes later after it, 2 hours later at discharge; never later than now."""
    now = now or timezone.now()
    offset = READING_OFFSETS.get(context)
    if offset is None:
        return now
    return min(session_start + offset, now)


# --- Create -------------------------------------------------------------------------------

# Audit action of every entry created here (edits: `journal.edit`, deletions: `journal.delete`).
CREATE = "journal.create"


@transaction.atomic
def log_session(
    *,
    patient: User,
    started_at: datetime,
    route: str,
    dose_mg: Decimal | None = None,
    note: str = "",
) -> TreatmentSession:
    """Record a supervised treatment session."""
    check_not_future(started_at, "started_at")
    session = TreatmentSession(
        patient=patient, started_at=started_at, route=route, dose_mg=dose_mg, note=note
    )
    validate(session)
    session.save()
    audit_entry(patient=patient, entry=session, action=CREATE)
    return session


@transaction.atomic
def submit_report(
    *,
    patient: User,
    session: TreatmentSession,
    reported_at: datetime,
    mood: int,
    ratings: dict[str, int],
    overall_bother: int = 0,
    readings: Sequence[ReadingInput] = (),
    note: str = "",
    note_shareable: bool = False,
) -> PostSessionReport:
    """Record how a session went: mood, acute side effects, readings and a note."""
    check_session(patient, session)
    check_not_future(reported_at, "reported_at")
    check_report_time(session, reported_at)
    if len(readings) > 3:
        raise ValidationError({"readings": _("Enter at most three readings with a report.")})
    cleaned = clean_ratings(ratings, post_session_symptoms(session.route))
    report = PostSessionReport(
        patient=patient,
        session=session,
        reported_at=reported_at,
        mood=mood,
        overall_bother=overall_bother,
        note=note,
        note_shareable=note_shareable,
    )
    validate(report)
    report.save()
    save_ratings(report, cleaned, replace=False)
    now = timezone.now()
    added = [
        new_reading(
            patient,
            session,
            report,
            r.measured_at
            or default_reading_time(context=r.context, session_start=session.started_at, now=now),
            r.systolic,
            r.diastolic,
            r.context,
            r.pulse,
        )
        for r in readings
    ]
    t = ClinicSettings.load_thresholds()
    with standings.batched():  # the report's flags and its readings': one recount
        reflag_entry(report, t, ratings=cleaned)
        if readings:
            reflag_readings(t, session=session)
    related = {"reading_ids": [r.pk for r in added]} if added else None
    audit_entry(patient=patient, entry=report, action=CREATE, related=related)
    return report


@transaction.atomic
def log_session_with_report(
    *,
    patient: User,
    started_at: datetime,
    route: str,
    dose_mg: Decimal | None = None,
    session_note: str = "",
    reported_at: datetime,
    mood: int,
    ratings: dict[str, int],
    overall_bother: int = 0,
    readings: Sequence[ReadingInput] = (),
    note: str = "",
    note_shareable: bool = False,
) -> PostSessionReport:
    """Record a session and its report together: both are saved, or neither."""
    session = log_session(
        patient=patient, started_at=started_at, route=route, dose_mg=dose_mg, note=session_note
    )
    return submit_report(
        patient=patient,
        session=session,
        reported_at=reported_at,
        mood=mood,
        ratings=ratings,
        overall_bother=overall_bother,
        readings=readings,
        note=note,
        note_shareable=note_shareable,
    )


@transaction.atomic
def log_checkin(
    *,
    patient: User,
    recorded_at: datetime,
    mood: int,
    anxiety: int | None = None,
    pain: int | None = None,
    ratings: dict[str, int] | None = None,
    note: str = "",
    note_shareable: bool = False,
) -> CheckIn:
    """Record a between-session check-in (several a day are fine)."""
    check_not_future(recorded_at, "recorded_at")
    cleaned = clean_ratings(ratings, check_in_symptoms())
    checkin = CheckIn(
        patient=patient,
        recorded_at=recorded_at,
        mood=mood,
        anxiety=anxiety,
        pain=pain,
        note=note,
        note_shareable=note_shareable,
    )
    validate(checkin)
    checkin.save()
    save_ratings(checkin, cleaned, replace=False)
    reflag_entry(checkin, ClinicSettings.load_thresholds(), ratings=cleaned)
    audit_entry(patient=patient, entry=checkin, action=CREATE)
    return checkin


@transaction.atomic
def add_reading(
    *,
    patient: User,
    measured_at: datetime,
    systolic: int,
    diastolic: int,
    context: str,
    pulse: int | None = None,
    session: TreatmentSession | None = None,
) -> BloodPressureReading:
    """Record one blood-pressure reading; alarming values are stored as given and flagged."""
    check_session(patient, session)
    reading = new_reading(patient, session, None, measured_at, systolic, diastolic, context, pulse)
    # A before-dose reading entered late must still raise the session's post-dose rise flags.
    reflag_readings(ClinicSettings.load_thresholds(), session=session, reading=reading)
    audit_entry(patient=patient, entry=reading, action=CREATE)
    return reading


@transaction.atomic
def submit_questionnaire(
    *,
    patient: User,
    instrument: str,
    answers: list[int],
    difficulty: int | None = None,
    completed_at: datetime,
) -> QuestionnaireResponse:
    """Score and store a PHQ-9 or GAD-7 (flags: PHQ-9 item 9, severe total)."""
    total, band = score(instrument, answers)
    check_difficulty(difficulty)
    check_not_future(completed_at, "completed_at")
    response = QuestionnaireResponse(
        patient=patient,
        instrument=instrument,
        completed_at=completed_at,
        answers=list(answers),
        difficulty=difficulty,
        total=total,
        band=band,
    )
    validate(response)
    response.save()
    reflag_questionnaire(response, ClinicSettings.load_thresholds())
    audit_entry(patient=patient, entry=response, action=CREATE)
    return response
