"""Notification writes: preferences, one-click unsubscribe, in-app notices read, push
subscriptions."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import (
    Channel,
    ClinicSettings,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    PushSubscription,
    User,
)
from journal.notifications import planning
from journal.reads.notifications import remember_unread
from journal.services.audit import record_audit

_B64URL = re.compile(r"[A-Za-z0-9_-]+=*")
# Which preference field carries the channel of each kind.
CHANNEL_FIELD = {
    NotificationKind.REPORT_EVENING: "report_channel",
    NotificationKind.REPORT_MORNING: "report_channel",
    NotificationKind.CHECKIN: "checkin_channel",
    NotificationKind.QUESTIONNAIRE: "questionnaire_channel",
    NotificationKind.FLAG_ALERT: "alert_channel",
}


def preferences_of(user: User) -> NotificationPreference:
    """The user's preference row (unsaved defaults when they never chose)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


@transaction.atomic
def unsubscribe(*, user_id: int, kind: str, now: datetime | None = None) -> User | None:
    """Stop emails of `kind` for the user (they still appear in the app); returns the user,
    or None when the account is gone. Safe to repeat."""
    now = now or timezone.now()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    field = CHANNEL_FIELD[NotificationKind(kind)]
    pref = preferences_of(user)
    if getattr(pref, field) != Channel.IN_APP:
        setattr(pref, field, Channel.IN_APP)
        pref.updated_at = now
        pref.save()
        record_audit(
            action="notifications.unsubscribe", actor=user, subject=user, detail={"kind": kind}
        )
    kinds = [k for k, f in CHANNEL_FIELD.items() if f == field]
    Notification.objects.filter(
        recipient=user, kind__in=kinds, status=NotificationStatus.PENDING
    ).update(channel=Channel.IN_APP)
    return user


@transaction.atomic
def stop_on_call_alerts(*, address: str) -> bool:
    """Stop alert emails to the clinic's on-call `address` (from its one-click link): clear it
    from the clinic settings when it is still the on-call address, and cancel what is waiting
    for it. Audited; returns whether the setting changed. Safe to repeat."""
    clinic = ClinicSettings.objects.select_for_update().get(pk=ClinicSettings.load().pk)
    changed = bool(clinic.on_call_email) and clinic.on_call_email.lower() == address.lower()
    if changed:
        clinic.on_call_email = ""
        clinic.save(update_fields=["on_call_email", "updated_at"])
        record_audit(action="notifications.on_call_unsubscribe", detail={"address": address})
    Notification.objects.filter(
        recipient__isnull=True, address__iexact=address, status=NotificationStatus.PENDING
    ).update(status=NotificationStatus.CANCELLED, error="The on-call address unsubscribed.")
    return changed


PREFERENCE_FIELDS = (
    "paused",
    "quiet_start",
    "quiet_end",
    "report_enabled",
    "report_time",
    "report_channel",
    "checkin_enabled",
    "checkin_time",
    "checkin_channel",
    "questionnaire_enabled",
    "questionnaire_time",
    "questionnaire_channel",
    "alert_channel",
)


def save_preferences(
    *, user: User, values: dict[str, object], now: datetime | None = None
) -> NotificationPreference:
    """Store the user's reminder/alert choices (validated, audited without values) and, for a
    patient, re-plan their unsent reminders under the new choices."""
    now = now or timezone.now()
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"Not preference fields: {sorted(unknown)}")
    with transaction.atomic():
        pref = preferences_of(user)
        changed = [name for name, value in values.items() if getattr(pref, name) != value]
        for name, value in values.items():
            setattr(pref, name, value)
        pref.updated_at = now
        pref.full_clean()
        pref.save()
        if changed:
            record_audit(
                action="notifications.preferences",
                actor=user,
                subject=user,
                detail={"changed": sorted(changed)},
            )
    if user.is_patient:
        planning.replan_patient(user, now)
    return pref


def mark_all_read(*, user: User, now: datetime | None = None) -> int:
    """Mark every notification shown to the user as read; returns how many were unread."""
    now = now or timezone.now()
    count = Notification.objects.filter(
        recipient=user, status=NotificationStatus.SENT, read_at__isnull=True
    ).update(read_at=now)
    remember_unread({user.pk: 0})
    return count


def save_push_subscription(
    *, user: User, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Keep this browser's push subscription for the user (an endpoint moves to whoever
    subscribed with it last: one browser, one person signed in)."""
    validator = URLValidator(schemes=["https"] if not settings.DEBUG else ["https", "http"])
    try:
        validator(endpoint)
    except ValidationError as exc:
        raise ValidationError({"endpoint": _("Not a push service address.")}) from exc
    for name, value, size in (("p256dh", p256dh, 200), ("auth", auth, 64)):
        if not value or len(value) > size or not _B64URL.fullmatch(value):
            raise ValidationError({name: _("Not a push subscription key.")})
    sub, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    record_audit(action="notifications.push_on", actor=user, subject=user)
    return sub


def remove_push_subscription(*, user: User, endpoint: str) -> bool:
    """Forget the user's subscription at `endpoint` (another person's is left alone)."""
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    if deleted:
        record_audit(action="notifications.push_off", actor=user, subject=user)
    return bool(deleted)
