"""At send time: is this notification still wanted? (The plan was made hours before.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from journal.models import (
    CheckIn,
    Flag,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
)
from journal.notifications.schedule import QUESTIONNAIRE_EARLY_DAYS
from journal.permissions import alert_recipients, provider_may_see_flag

_ENABLED: dict[str, str] = {
    NotificationKind.REPORT_EVENING: "report_enabled",
    NotificationKind.REPORT_MORNING: "report_enabled",
    NotificationKind.CHECKIN: "checkin_enabled",
    NotificationKind.QUESTIONNAIRE: "questionnaire_enabled",
}


def not_needed(row: Notification, now: datetime) -> str:
    """Why `row` should not be sent any more ('' when it should)."""
    if row.kind == NotificationKind.FLAG_ALERT:
        return _alert_not_needed(row)
    user = row.recipient
    if user is None or not user.is_active:
        return "The account is not active."
    pref = NotificationPreference.objects.filter(user=user).first()
    if pref is not None and (pref.paused or not getattr(pref, _ENABLED[row.kind])):
        return "Reminders are paused or turned off."
    key = row.due_key
    if row.kind == NotificationKind.CHECKIN:
        day = date.fromisoformat(key.removeprefix("day:"))
        start = datetime.combine(day, datetime.min.time(), tzinfo=user.zone)
        recorded = CheckIn.objects.filter(
            patient=user, recorded_at__gte=start, recorded_at__lt=start + timedelta(days=1)
        )
        return "Already checked in that day." if recorded.exists() else ""
    if row.kind in (NotificationKind.REPORT_EVENING, NotificationKind.REPORT_MORNING):
        session_id = int(key.removeprefix("session:"))
        if not TreatmentSession.objects.filter(pk=session_id, patient=user).exists():
            return "The session was deleted."
        if PostSessionReport.objects.filter(session_id=session_id).exists():
            return "The report is done."
        return ""
    code, due, ask = key.split(":")
    instruments = code.split("+")
    since = date.fromisoformat(due) - timedelta(days=QUESTIONNAIRE_EARLY_DAYS)
    start = datetime.combine(since, datetime.min.time(), tzinfo=user.zone)
    done = set(
        QuestionnaireResponse.objects.filter(
            patient=user, instrument__in=instruments, completed_at__gte=start
        ).values_list("instrument", flat=True)
    )
    if done >= set(instruments):
        return "Already completed."
    if len(instruments) > 1:
        # Rows planned one per instrument (before they were combined) already ask for this.
        separate = [f"{i}:{due}:{ask}" for i in instruments]
        asked = Notification.objects.filter(
            recipient=user, kind=row.kind, due_key__in=separate
        ).exclude(status=NotificationStatus.CANCELLED)
        if asked.exists():
            return "Already asked for each questionnaire."
    return ""


def _alert_not_needed(row: Notification) -> str:
    flag = (
        Flag.objects.select_related("patient").filter(pk=row.flag_id).first()
        if row.flag_id is not None
        else None
    )
    if flag is None:
        return "The flag no longer exists."
    if flag.acknowledged_at is not None:
        return "The flag was acknowledged."
    if row.recipient is None:
        if not alert_recipients(flag).exists():
            return "No share covers this flag any more."
    elif not provider_may_see_flag(row.recipient, flag):
        return "The share ended or no longer covers this flag."
    return ""
