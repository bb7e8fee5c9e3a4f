"""Signed-in sessions as a person sees them: one row per browser that is logged in."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone


class UserSessionQuerySet(models.QuerySet["UserSession"]):
    def live(self, now: datetime | None = None) -> UserSessionQuerySet:
        """Rows whose stored session still exists, unexpired and within the absolute lifetime
        (a row outlives its session when `clearsessions` or an expiry removes the session)."""
        now = now or timezone.now()
        stored = Session.objects.filter(expire_date__gt=now).values("session_key")
        return self.filter(
            session_key__in=stored,
            created_at__gt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
        )


class UserSession(models.Model):
    """One signed-in session of a user: which browser, from roughly where, since and until when.

    `session_key` ties the row to Django's stored session, which it names. The key is a
    credential: it is never shown, put in a URL or written to the audit log; pages and audit
    rows name a session by this row's id. Only the network is kept, never the full address.
    The row is deleted when its session ends (log-out, ended from another device or the
    console, deactivation, password or two-step changes).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # Control characters escaped and truncated by journal.http.clean_user_agent.
    user_agent = models.CharField(max_length=256, blank=True, default="")
    # IPv4 /24 or IPv6 /48 (journal.http.network_prefix), "" when unknown.
    ip_prefix = models.CharField(max_length=64, blank=True, default="")

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        return f"Session #{self.pk} of user #{self.user_id}"
