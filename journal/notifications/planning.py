"""The scheduling pass: read each patient's journal as plain facts, compute what is due with
`schedule`, and insert the rows (idempotent: the unique key ignores rows planned before)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from journal.models import (
    CheckIn,
    ClinicSettings,
    Invitation,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
    User,
)
from journal.notifications import schedule

# The pass plans this far ahead; rows due a little in the past are still planned (the pass
# or the broker was down), older ones are not worth sending.
HORIZON = timedelta(hours=24)
GRACE = timedelta(hours=2)
# Facts older than this cannot change what is due in the planning window.
LOOKBACK = timedelta(days=3)
REMINDER_KINDS = (
    NotificationKind.REPORT_EVENING,
    NotificationKind.REPORT_MORNING,
    NotificationKind.CHECKIN,
    NotificationKind.QUESTIONNAIRE,
)


def choices_for(
    user: User, clinic: ClinicSettings, pref: NotificationPreference | None
) -> schedule.Choices:
    """The patient's choices with the clinic's defaults filled in (the patient's choice wins)."""
    pref = pref or NotificationPreference(user=user)

    def kind(enabled: bool, at, default_at, channel: str) -> schedule.KindChoice:
        return schedule.KindChoice(enabled=enabled, at=at or default_at, channel=channel)

    return schedule.Choices(
        zone=user.zone,
        quiet=schedule.Quiet(
            start=pref.quiet_start or clinic.quiet_start, end=pref.quiet_end or clinic.quiet_end
        ),
        paused=pref.paused,
        report=kind(
            pref.report_enabled, pref.report_time, clinic.report_reminder_time, pref.report_channel
        ),
        checkin=kind(
            pref.checkin_enabled,
            pref.checkin_time,
            clinic.checkin_reminder_time,
            pref.checkin_channel,
        ),
        questionnaire=kind(
            pref.questionnaire_enabled,
            pref.questionnaire_time,
            clinic.questionnaire_reminder_time,
            pref.questionnaire_channel,
        ),
        interval_days=clinic.questionnaire_interval_days,
    )


def facts_for(
    patient_ids: list[int], zones: dict[int, str], now: datetime
) -> dict[int, schedule.Facts]:
    """Plain facts for many patients in a fixed number of queries."""
    since = now - LOOKBACK - timedelta(days=1)
    sessions: dict[int, list[schedule.SessionFact]] = defaultdict(list)
    reported = set(
        PostSessionReport.objects.filter(
            patient_id__in=patient_ids, session__started_at__gte=since
        ).values_list("session_id", flat=True)
    )
    for pk, patient_id, started in TreatmentSession.objects.filter(
        patient_id__in=patient_ids, started_at__gte=since
    ).values_list("pk", "patient_id", "started_at"):
        sessions[patient_id].append(schedule.SessionFact(pk, started, pk in reported))
    first_sessions = dict(
        TreatmentSession.objects.filter(patient_id__in=patient_ids)
        .order_by()
        .values("patient_id")
        .annotate(first=Min("started_at"))
        .values_list("patient_id", "first")
    )
    first_ids = {
        (p, s): pk
        for pk, p, s in TreatmentSession.objects.filter(
            patient_id__in=patient_ids, started_at__in=list(first_sessions.values())
        ).values_list("pk", "patient_id", "started_at")
    }
    checkin_days: dict[int, set[date]] = defaultdict(set)
    for patient_id, at in CheckIn.objects.filter(
        patient_id__in=patient_ids, recorded_at__gte=since
    ).values_list("patient_id", "recorded_at"):
        checkin_days[patient_id].add(_local_day(at, zones[patient_id]))
    questionnaires: dict[int, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    q_since = now - timedelta(days=30)
    for patient_id, instrument, at in QuestionnaireResponse.objects.filter(
        patient_id__in=patient_ids, completed_at__gte=q_since
    ).values_list("patient_id", "instrument", "completed_at"):
        questionnaires[patient_id][instrument].add(_local_day(at, zones[patient_id]))
    joined = dict(User.objects.filter(pk__in=patient_ids).values_list("pk", "date_joined"))
    # Enrollment is when the person used their link (the account may be made days before).
    joined |= dict(
        Invitation.objects.filter(user_id__in=patient_ids, used_at__isnull=False)
        .order_by()
        .values("user_id")
        .annotate(first=Min("used_at"))
        .values_list("user_id", "first")
    )
    out = {}
    for patient_id in patient_ids:
        own = list(sessions[patient_id])
        first = first_sessions.get(patient_id)
        if first is not None and not any(s.started_at == first for s in own):
            # Only the first session's day matters for the questionnaire clock.
            first_id = first_ids.get((patient_id, first), 0)
            own.append(schedule.SessionFact(first_id, first, True))
        out[patient_id] = schedule.Facts(
            enrolled_on=_local_day(joined[patient_id], zones[patient_id]),
            enrolled_at=joined[patient_id],
            sessions=tuple(own),
            checkin_days=frozenset(checkin_days[patient_id]),
            questionnaire_days={k: frozenset(v) for k, v in questionnaires[patient_id].items()},
        )
    return out


def _local_day(at: datetime, zone_name: str) -> date:
    return at.astimezone(ZoneInfo(zone_name)).date()


def _rows(user_id: int, due: list[schedule.Due]) -> list[Notification]:
    return [
        Notification(
            recipient_id=user_id,
            kind=d.kind,
            due_key=d.due_key,
            due_at=d.due_at,
            next_attempt_at=d.due_at,
            channel=d.channel,
            link=d.link,
        )
        for d in due
    ]


def plan_reminders(now: datetime | None = None, batch: int = 500) -> int:
    """Insert the reminders due in the planning window for every active patient; returns how
    many new rows were made. Safe to run twice or on two machines at once."""
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    start, end = now - GRACE, now + HORIZON
    patients = list(
        User.objects.patients()
        .filter(is_active=True, erasure_due_at__isnull=True)
        .order_by("pk")
        .only("pk", "time_zone", "date_joined")
    )
    made = 0
    for i in range(0, len(patients), batch):
        chunk = patients[i : i + batch]
        ids = [p.pk for p in chunk]
        prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)}
        facts = facts_for(ids, {p.pk: p.time_zone for p in chunk}, now)
        rows = []
        for patient in chunk:
            choices = choices_for(patient, clinic, prefs.get(patient.pk))
            rows += _rows(patient.pk, schedule.due_between(facts[patient.pk], choices, start, end))
        before = Notification.objects.filter(recipient_id__in=ids).count()
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        made += Notification.objects.filter(recipient_id__in=ids).count() - before
    return made


def replan_patient(user: User, now: datetime | None = None) -> None:
    """After the patient changed their choices or time zone (or just enrolled): drop their
    unsent reminders and plan again. Rows already sent or being sent stay; their unique key
    keeps the new plan from making a second one."""
    with transaction.atomic():
        Notification.objects.filter(
            recipient=user, kind__in=REMINDER_KINDS, status=NotificationStatus.PENDING
        ).delete()
    plan_for(user, now)


def replan_after_commit(user: User) -> None:
    """Re-plan a patient's reminders once the current transaction commits (their zone or
    enrollment changed); a failure is logged, never raised into the request."""
    if user.is_patient:
        transaction.on_commit(partial(replan_patient, user), robust=True)


def plan_for(user: User, now: datetime | None = None) -> None:
    """Plan one patient's reminders in the window (used after a preference change)."""
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    pref = NotificationPreference.objects.filter(user=user).first()
    facts = facts_for([user.pk], {user.pk: user.time_zone}, now)[user.pk]
    choices = choices_for(user, clinic, pref)
    due = schedule.due_between(facts, choices, now - GRACE, now + HORIZON)
    Notification.objects.bulk_create(_rows(user.pk, due), ignore_conflicts=True)
