"""Flags raised on patient records, for provider triage and acknowledgement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from journal.models.journal import (
    BloodPressureReading,
    CheckIn,
    PostSessionReport,
    QuestionnaireResponse,
)

if TYPE_CHECKING:
    # Lazy at runtime (read in the active language where shown, so an export rendered under
    # `translation.override("en")` reads English); typed as the str it turns into.
    def _(message: str) -> str:
        return message
else:
    from django.utils.translation import gettext_lazy as _


class FlagCategory(models.TextChoices):
    """The share category a flag belongs to (providers see it only with that category)."""

    MOOD = "mood", _("Mood & questionnaires")
    SIDE_EFFECTS = "side_effects", _("Side effects")
    BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")


class FlagSeverity(models.IntegerChoices):
    """How soon a flag needs a provider's eye; drives triage ordering."""

    URGENT = 3, _("Urgent")
    HIGH = 2, _("High")
    NOTABLE = 1, _("Notable")

    @property
    def badge(self) -> str:
        """The Bootstrap badge class that marks this severity."""
        return _BADGES[self]


_BADGES = {
    FlagSeverity.URGENT: "text-bg-danger",
    FlagSeverity.HIGH: "text-bg-warning",
    FlagSeverity.NOTABLE: "text-bg-secondary",
}


class FlagDisposition(models.TextChoices):
    """What the provider did about a flag when acknowledging it."""

    REVIEWED = "reviewed", _("Reviewed")
    CONTACTED = "contacted", _("Contacted the patient")
    ESCALATED = "escalated", _("Escalated")
    OTHER = "other", _("Other")


class Flag(models.Model):
    """A rule from `journal.flags` that fired on one record; kept for triage and acknowledgement.

    A flag is raised once and never deleted with its entry: the entry foreign keys are set to
    NULL when the entry is deleted, and `entry_type`/`entry_id` keep naming it (its edit history
    lives in `EntryRevision`). When an edit or a delete means the rule no longer fires, the flag
    is *withdrawn by the patient* (`withdrawn_at`, `withdrawal` with the values before and after)
    and stays open until a provider acknowledges it.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32)
    category = models.CharField(max_length=20, choices=FlagCategory.choices)
    severity = models.PositiveSmallIntegerField(
        choices=FlagSeverity.choices, default=FlagSeverity.HIGH
    )
    raised_at = models.DateTimeField(
        help_text=_("When the flagged measurement or answer was taken.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)
    report = models.ForeignKey(
        PostSessionReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    reading = models.ForeignKey(
        BloodPressureReading,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
    )
    questionnaire = models.ForeignKey(
        QuestionnaireResponse,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    disposition = models.CharField(max_length=16, choices=FlagDisposition.choices, blank=True)
    acknowledgement_note = models.TextField(blank=True, max_length=2000)
    entry_type = models.CharField(max_length=16, blank=True)
    entry_id = models.PositiveIntegerField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-severity", "-raised_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "acknowledged_at", "raised_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.raised_at:%Y-%m-%d}"

    @property
    def severity_level(self) -> FlagSeverity:
        """The stored severity as a `FlagSeverity` (label and badge class)."""
        return FlagSeverity(self.severity)
