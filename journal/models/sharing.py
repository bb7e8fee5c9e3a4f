"""Sharing and access: a patient's shares with providers, their history, and who read what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from journal.models.audit import AppendOnlyModel

if TYPE_CHECKING:
    # Lazy at runtime (read in the active language where shown, so an export rendered under
    # `translation.override("en")` reads English); typed as the str it turns into.
    def _(message: str) -> str:
        return message
else:
    from django.utils.translation import gettext_lazy as _


class ShareCategory(models.TextChoices):
    MOOD = "mood", _("Mood & questionnaires")
    SIDE_EFFECTS = "side_effects", _("Side effects")
    BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
    NOTES = "notes", _("Notes you marked shareable")

    @property
    def label(self) -> str:
        """The label in the current language, as a plain string (callers join these)."""
        return str(self._label_)


class Share(models.Model):
    """A patient's grant to one provider: which categories, from when, until when; revocable."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    share_mood = models.BooleanField("Mood & questionnaires", default=False)
    share_side_effects = models.BooleanField("Side effects", default=False)
    share_blood_pressure = models.BooleanField("Blood pressure", default=False)
    share_notes = models.BooleanField("Notes you marked shareable", default=False)
    starts_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set while the provider's account is deactivated; only the patient resumes it.
    paused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "revoked_at"]),
            # Per-flag "does an active share grant this category?" checks
            # (permissions.flags_visible_to) and the patient's own share list.
            models.Index(fields=["patient", "provider"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(expires_on__gte=models.F("starts_on")),
                name="share_expiry_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Share {self.patient} → {self.provider}"


class TriageStanding(models.Model):
    """The open flags one share shows its provider (`permissions.shared_flags`, unacknowledged),
    as the triage list ranks and shows them: the highest severity, how many, how many of each
    severity, the newest, and the top one. Kept by `services.standings.refresh` in the same
    transaction as every write that changes them (a flag raised, re-judged or acknowledged; a
    share granted or changed; the patient's time zone), so the triage list ranks every sharing
    patient with one query and reads one page. A share without open flags has no row."""

    share = models.OneToOneField(
        Share, primary_key=True, on_delete=models.CASCADE, related_name="standing"
    )
    max_severity = models.PositiveSmallIntegerField()
    open_count = models.PositiveIntegerField()
    urgent = models.PositiveIntegerField(default=0)
    high = models.PositiveIntegerField(default=0)
    notable = models.PositiveIntegerField(default=0)
    latest_flag_at = models.DateTimeField()
    # The one the list shows: the most severe, then the newest (`Flag.Meta.ordering`). Flags
    # are never deleted but with their patient, whose shares (and standings) go first.
    top_flag = models.ForeignKey(
        "journal.Flag", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Standing of share {self.share_id}: {self.open_count} open"


class ShareEvent(AppendOnlyModel):
    """Grant, change, revoke and expiry history of a share (kept forever)."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class AccessEvent(AppendOnlyModel):
    """A read of patient data by someone other than the patient (page, chart, export)."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # No index of its own: the (patient, at) index below serves every lookup by patient, and a
    # list read's 50 rows each paid for one more index (0.2 ms of the triage page on SQLite).
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    share = models.ForeignKey(
        Share, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(max_length=64)
    path = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Control characters escaped and truncated by journal.http.clean_user_agent.
    user_agent = models.CharField(max_length=256, blank=True, default="")
    # Keyed hash over this row and the previous row's hash (journal.services.audit_chain).
    chain_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"{self.actor} viewed {self.what} of {self.patient}"
