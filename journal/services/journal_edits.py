"""Journal edits and deletions: optimistic locking, revisions, re-flagging, audited deletes.

Re-exported from `journal.services.journal` and `journal.services`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from journal.catalogue import check_in_symptoms, post_session_symptoms
from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
    User,
)
from journal.services import standings
from journal.services.audit import record_audit
from journal.services.entries import (
    ENTRY_TYPES,
    Entry,
    audit_entry,
    bump,
    check_difficulty,
    check_not_future,
    check_owner,
    check_report_time,
    check_session,
    check_version,
    clean_ratings,
    lock,
    reflag_entry,
    reflag_questionnaire,
    reflag_readings,
    save_ratings,
    save_revision,
    score,
    validate,
    withdraw_deleted,
)

# --- Edit ---------------------------------------------------------------------------------

# Audit action of every edit here.
EDIT = "journal.edit"


def _begin_edit(patient: User, obj: Entry, expected_version: int | None) -> Entry:
    check_owner(patient, obj)
    current = lock(obj)
    check_version(current, expected_version)
    save_revision(current)
    bump(current)
    return current


@transaction.atomic
def edit_session(
    *,
    patient: User,
    session: TreatmentSession,
    expected_version: int | None,
    started_at: datetime,
    route: str,
    dose_mg: Decimal | None = None,
    note: str = "",
) -> TreatmentSession:
    """Change a session; its report must still come after it."""
    session = _begin_edit(patient, session, expected_version)
    check_not_future(started_at, "started_at")
    report = PostSessionReport.objects.filter(session=session).first()
    if report is not None and report.reported_at < started_at:
        raise ValidationError(
            {"started_at": _("This session's report was written before this time.")}
        )
    session.started_at, session.route, session.dose_mg, session.note = (
        started_at,
        route,
        dose_mg,
        note,
    )
    validate(session)
    session.save()
    audit_entry(patient=patient, entry=session, action=EDIT)
    return session


@transaction.atomic
def edit_report(
    *,
    patient: User,
    report: PostSessionReport,
    expected_version: int | None,
    reported_at: datetime,
    mood: int,
    ratings: dict[str, int],
    overall_bother: int = 0,
    note: str = "",
    note_shareable: bool = False,
) -> PostSessionReport:
    """Change a post-session report (its readings are edited one by one)."""
    report = _begin_edit(patient, report, expected_version)
    check_not_future(reported_at, "reported_at")
    check_report_time(report.session, reported_at)
    cleaned = clean_ratings(ratings, post_session_symptoms(report.session.route))
    report.reported_at, report.mood, report.overall_bother = reported_at, mood, overall_bother
    report.note, report.note_shareable = note, note_shareable
    validate(report)
    report.save()
    save_ratings(report, cleaned)
    reflag_entry(report, ClinicSettings.load_thresholds(), ratings=cleaned)
    audit_entry(patient=patient, entry=report, action=EDIT)
    return report


@transaction.atomic
def edit_checkin(
    *,
    patient: User,
    checkin: CheckIn,
    expected_version: int | None,
    recorded_at: datetime,
    mood: int,
    anxiety: int | None = None,
    pain: int | None = None,
    ratings: dict[str, int] | None = None,
    note: str = "",
    note_shareable: bool = False,
) -> CheckIn:
    """Change a check-in."""
    checkin = _begin_edit(patient, checkin, expected_version)
    check_not_future(recorded_at, "recorded_at")
    cleaned = clean_ratings(ratings, check_in_symptoms())
    checkin.recorded_at, checkin.mood, checkin.anxiety, checkin.pain = (
        recorded_at,
        mood,
        anxiety,
        pain,
    )
    checkin.note, checkin.note_shareable = note, note_shareable
    validate(checkin)
    checkin.save()
    save_ratings(checkin, cleaned)
    reflag_entry(checkin, ClinicSettings.load_thresholds(), ratings=cleaned)
    audit_entry(patient=patient, entry=checkin, action=EDIT)
    return checkin


@transaction.atomic
def edit_reading(
    *,
    patient: User,
    reading: BloodPressureReading,
    expected_version: int | None,
    measured_at: datetime,
    systolic: int,
    diastolic: int,
    context: str,
    pulse: int | None = None,
    session: TreatmentSession | None = None,
) -> BloodPressureReading:
    """Change a reading; flags of its old and new session are recomputed."""
    check_session(patient, session)
    reading = _begin_edit(patient, reading, expected_version)
    check_not_future(measured_at, "measured_at")
    old_session = reading.session
    reading.measured_at, reading.systolic, reading.diastolic = measured_at, systolic, diastolic
    reading.context, reading.pulse, reading.session = context, pulse, session
    if reading.report is not None and reading.report.session_id != getattr(session, "pk", None):
        reading.report = None
    validate(reading)
    reading.save()
    t = ClinicSettings.load_thresholds()
    with standings.batched():  # the new session's readings and the old one's: one recount
        reflag_readings(t, session=session, reading=reading)
        if old_session is not None and old_session.pk != getattr(session, "pk", None):
            reflag_readings(t, session=old_session)
    audit_entry(patient=patient, entry=reading, action=EDIT)
    return reading


@transaction.atomic
def edit_questionnaire(
    *,
    patient: User,
    response: QuestionnaireResponse,
    expected_version: int | None,
    answers: list[int],
    difficulty: int | None = None,
    completed_at: datetime,
) -> QuestionnaireResponse:
    """Change a questionnaire's answers; total, band and flags follow."""
    response = _begin_edit(patient, response, expected_version)
    total, band = score(response.instrument, answers)
    check_difficulty(difficulty)
    check_not_future(completed_at, "completed_at")
    response.answers, response.difficulty, response.completed_at = (
        list(answers),
        difficulty,
        completed_at,
    )
    response.total, response.band = total, band
    validate(response)
    response.save()
    reflag_questionnaire(response, ClinicSettings.load_thresholds())
    audit_entry(patient=patient, entry=response, action=EDIT)
    return response


# --- Delete -------------------------------------------------------------------------------


def _delete(patient: User, obj: Entry, expected_version: int | None, ip: str | None) -> Entry:
    check_owner(patient, obj)
    current = lock(obj)
    check_version(current, expected_version)
    save_revision(current, action="delete")
    withdraw_deleted([current])
    entry_type = ENTRY_TYPES[type(current)]
    record_audit(
        action="journal.delete",
        actor=patient,
        subject=patient,
        ip=ip,
        detail={"entry_type": entry_type, "entry_id": current.pk},
    )
    return current


@transaction.atomic
def delete_session(
    *,
    patient: User,
    session: TreatmentSession,
    expected_version: int | None = None,
    ip: str | None = None,
) -> None:
    """Delete a session with its report and readings (each kept as a revision)."""
    session = _delete(patient, session, expected_version, ip)
    report = PostSessionReport.objects.filter(session=session).first()
    readings = list(BloodPressureReading.objects.filter(session=session))
    entries = [report, *readings] if report is not None else readings
    for entry in entries:
        save_revision(entry, action="delete")
    withdraw_deleted(entries)
    session.delete()


@transaction.atomic
def delete_report(
    *,
    patient: User,
    report: PostSessionReport,
    expected_version: int | None = None,
    ip: str | None = None,
) -> None:
    """Delete a report; its readings stay with the session."""
    _delete(patient, report, expected_version, ip).delete()


@transaction.atomic
def delete_checkin(
    *,
    patient: User,
    checkin: CheckIn,
    expected_version: int | None = None,
    ip: str | None = None,
) -> None:
    """Delete a check-in."""
    _delete(patient, checkin, expected_version, ip).delete()


@transaction.atomic
def delete_reading(
    *,
    patient: User,
    reading: BloodPressureReading,
    expected_version: int | None = None,
    ip: str | None = None,
) -> None:
    """Delete a reading; the rest of its session is re-flagged (e.g. without its baseline)."""
    reading = _delete(patient, reading, expected_version, ip)
    session = reading.session
    reading.delete()
    if session is not None:
        reflag_readings(ClinicSettings.load_thresholds(), session=session)


@transaction.atomic
def delete_questionnaire(
    *,
    patient: User,
    response: QuestionnaireResponse,
    expected_version: int | None = None,
    ip: str | None = None,
) -> None:
    """Delete a questionnaire response."""
    _delete(patient, response, expected_version, ip).delete()
