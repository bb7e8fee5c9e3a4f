"""One-time form submission tokens (a replayed POST does not write twice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SubmissionToken(models.Model):
    """One rendered form's one-time token: the first POST that claims it does the write,
    a replay of it is sent to that write's result instead of writing again."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    result_url = models.CharField(max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        state = "completed" if self.completed_at else "claimed"
        return f"Submission {self.token[:8]}… {state}"
