"""Notification writes: preferences, one-click unsubscribe, marking in-app notices read."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from journal.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    User,
)
from journal.services.audit import record_audit

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
