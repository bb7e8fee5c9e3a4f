"""Append-only audit trails and the security and account event log."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _


class AppendOnlyModel(models.Model):
    """Rows are written once and never changed (audit trails)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Audit records are append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit records are append-only."))


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
    # Keyed hash over this row and the previous row's hash (journal.services.audit_chain).
    chain_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.outcome}"


class ErasedAuditRow(AppendOnlyModel):
    """What remains of an audit-chain row removed by erasure: its table, id and chain hash.

    Erasure deletes the access events about a person; their hashes stay here so the chain can
    still be verified from end to end, and nothing of what was read or by whom.
    """

    table = models.CharField(max_length=64)
    row_id = models.BigIntegerField()
    chain_hash = models.CharField(max_length=64)
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table", "row_id"], name="erased_audit_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.table} #{self.row_id} (erased)"
