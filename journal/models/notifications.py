"""Reminders and clinician alerts: one row per notification, and each person's preferences.

A `Notification` is keyed by (recipient, kind, due_key): the scheduling pass and the flag
alerts insert with `ignore_conflicts`, so planning twice, on two machines or after a crash
never makes a second row, and the dispatcher's claim (`journal.notifications.jobs`) makes
sure a row is delivered by one worker at a time. Rows carry no journal content: the text is
written from `kind` when the notification is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    # Lazy at runtime (read in the active language where shown, so an export rendered under
    # `translation.override("en")` reads English); typed as the str it turns into.
    def _(message: str) -> str:
        return message
else:
    from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    REPORT_EVENING = "report_evening", _("Post-session report (evening)")
    REPORT_MORNING = "report_morning", _("Post-session report (next morning)")
    CHECKIN = "checkin", _("Daily check-in")
    QUESTIONNAIRE = "questionnaire", _("PHQ-9 and GAD-7")
    FLAG_ALERT = "flag_alert", _("Flag awaiting review")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PUSH = "push", _("Push notification (installed app)")
    IN_APP = "in_app", _("In the app only")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not needed any more")


class Notification(models.Model):
    """One reminder or alert for one recipient (a user, or the clinic's on-call address)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Only for the clinic's on-call address (no account); empty for a user.
    address = models.EmailField(blank=True)
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    # What the notification is about, stable across re-planning: a local date, a session id,
    # a flag id (never a value from the journal).
    due_key = models.CharField(max_length=64)
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    link = models.CharField(max_length=200, blank=True)
    flag = models.ForeignKey(
        "journal.Flag", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Claimed sends that never finished (the worker stopped): one such is retried, not two.
    interrupted = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A claim is good until `lease_until`; `claim` fences a late worker's write.
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "status", "read_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "due_key"],
                condition=Q(recipient__isnull=False),
                name="notification_once_per_user_key",
            ),
            models.UniqueConstraint(
                fields=["address", "kind", "due_key"],
                condition=Q(recipient__isnull=True),
                name="notification_once_per_address_key",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(address=""),
                name="notification_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_key} ({self.status})"


class NotificationPreference(models.Model):
    """A person's reminder choices; an empty time or quiet-hours bound means the clinic's
    default (`ClinicSettings`), so a clinic change reaches everyone who did not choose."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    paused = models.BooleanField(_("Pause all reminders"), default=False)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    report_enabled = models.BooleanField(default=True)
    report_time = models.TimeField(null=True, blank=True)
    report_channel = models.CharField(max_length=10, choices=Channel.choices, default="email")
    checkin_enabled = models.BooleanField(default=True)
    checkin_time = models.TimeField(null=True, blank=True)
    checkin_channel = models.CharField(max_length=10, choices=Channel.choices, default="email")
    questionnaire_enabled = models.BooleanField(default=True)
    questionnaire_time = models.TimeField(null=True, blank=True)
    questionnaire_channel = models.CharField(
        max_length=10, choices=Channel.choices, default="email"
    )
    alert_channel = models.CharField(max_length=10, choices=Channel.choices, default="email")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user_id}"


class AlertRecord(Notification):
    """Clinician alerts as the clinic console lists them: metadata only (who, when, channel,
    which flag id), never the flag's kind, values or patient."""

    class Meta:
        proxy = True
        verbose_name = _("clinician alert")
        ordering = ["-due_at", "-id"]


class PushSubscription(models.Model):
    """One browser's Web Push subscription (endpoint and its keys), removed when the push
    service answers 404/410 or the person turns push off on that device."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Push subscription {self.pk} of {self.user_id}"
