"""Append-only audit trails and the security and account event log."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class AppendOnlyModel(models.Model):
    """Rows are written once and never changed (audit trails)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit records are append-only.")


class AuditEvent(AppendOnlyModel):
    """Security and account events: who did what to which account, from where, with what result."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=48, db_index=True)
    outcome = models.CharField(max_length=16, default="success")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A keyed hash of an attempted login name that matched no account (never the name itself).
    attempted_hash = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Control characters escaped and truncated by journal.http.clean_user_agent.
    user_agent = models.CharField(max_length=256, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.outcome}"
