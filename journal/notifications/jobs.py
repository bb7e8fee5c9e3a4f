"""Claim due notifications and send them: safe with any number of concurrent workers.

A claim marks rows `sending` with a lease and a random claim token in one short transaction
(`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never take the same row;
SQLite's immediate transactions allow one writer at a time). Only the holder of the claim
token can finish a row, so a worker that wakes up late cannot overwrite a retry's result; a
worker renews its lease before each send (and the rest of its batch every third of a lease),
so a slow batch is not taken over while it is alive. A row whose lease ran out (its worker
was killed mid-send) is retried once; if that retry is
interrupted too, it ends `failed` rather than risk more duplicates. Failed sends retry with
back-off and end `failed` after `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from journal.models import Notification, NotificationStatus
from journal.notifications import channels, checks
from journal.reads.notifications import refresh_unread

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_INTERRUPTED = 1
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


def lease() -> timedelta:
    """How long a claim holds its rows (longer than any send should take)."""
    return timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after `attempts` failed tries."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def claim_due(now: datetime | None = None, limit: int = 100) -> tuple[str, list[Notification]]:
    """Claim up to `limit` due rows for this worker; returns the claim token and the rows."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    ready = Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=NotificationStatus.SENDING, lease_until__lte=now
    )
    with transaction.atomic():
        queryset = Notification.objects.filter(ready).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        rows = list(queryset.values_list("pk", "status", "interrupted")[:limit])
        fresh = [pk for pk, status, _ in rows if status == NotificationStatus.PENDING]
        retry = [
            pk
            for pk, status, interrupted in rows
            if status == NotificationStatus.SENDING and interrupted < MAX_INTERRUPTED
        ]
        give_up = [
            pk
            for pk, status, interrupted in rows
            if status == NotificationStatus.SENDING and interrupted >= MAX_INTERRUPTED
        ]
        held = {"status": NotificationStatus.SENDING, "claim": token, "lease_until": now + lease()}
        Notification.objects.filter(pk__in=fresh).update(attempts=F("attempts") + 1, **held)
        Notification.objects.filter(pk__in=retry).update(
            attempts=F("attempts") + 1, interrupted=F("interrupted") + 1, **held
        )
        Notification.objects.filter(pk__in=give_up).update(
            status=NotificationStatus.FAILED,
            lease_until=None,
            error="The worker stopped twice while sending; not sent again.",
        )
    claimed = list(
        Notification.objects.filter(claim=token, status=NotificationStatus.SENDING)
        .select_related("recipient", "flag")
        .order_by("pk")
    )
    return token, claimed


def _finish(rows: list[Notification], token: str, **values) -> int:
    return Notification.objects.filter(
        pk__in=[r.pk for r in rows], claim=token, status=NotificationStatus.SENDING
    ).update(lease_until=None, **values)


def _hold(rows: list[Notification], token: str, now: datetime) -> bool:
    """Renew the lease on `rows` just before sending them; False when the claim was lost (it
    ran out and another worker took the rows over)."""
    until = max(now, timezone.now()) + lease()
    return Notification.objects.filter(
        pk__in=[r.pk for r in rows], claim=token, status=NotificationStatus.SENDING
    ).update(lease_until=until) == len(rows)


def _renew_claim(token: str, now: datetime) -> None:
    Notification.objects.filter(claim=token, status=NotificationStatus.SENDING).update(
        lease_until=max(now, timezone.now()) + lease()
    )


def _failed(rows: list[Notification], token: str, error: str, now: datetime) -> None:
    for row in rows:
        if row.attempts >= MAX_ATTEMPTS:
            _finish([row], token, status=NotificationStatus.FAILED, error=error[:300])
        else:
            _finish(
                [row],
                token,
                status=NotificationStatus.PENDING,
                next_attempt_at=now + backoff(row.attempts),
                error=error[:300],
            )


def send_claimed(token: str, rows: list[Notification], now: datetime | None = None) -> int:
    """Send the rows this worker claimed; alerts to one recipient go out as one message.
    Returns how many rows were sent."""
    now = now or timezone.now()
    wanted = []
    for row in rows:
        try:
            reason = checks.not_needed(row, now)
        except Exception as exc:  # a bad row must not stop the batch; it is retried, then failed
            logger.warning("notification check failed: %s", type(exc).__name__)
            _failed([row], token, f"{type(exc).__name__}: {exc}", now)
            continue
        if reason:
            _finish([row], token, status=NotificationStatus.CANCELLED, error=reason)
        else:
            wanted.append(row)
    groups: dict[tuple, list[Notification]] = defaultdict(list)
    for row in wanted:
        group = (row.recipient_id, row.address, row.channel, row.kind)
        groups[group if row.kind == "flag_alert" else (row.pk,)].append(row)
    sent = 0
    shown: set[int] = set()
    renewed = time.monotonic()
    for group_rows in groups.values():
        # A slow batch keeps its claim: the rest of it is renewed every third of a lease.
        if time.monotonic() - renewed > lease().total_seconds() / 3:
            _renew_claim(token, now)
            renewed = time.monotonic()
        if not _hold(group_rows, token, now):
            continue  # the lease ran out and another worker took these rows over
        try:
            channels.deliver(group_rows)
        except Exception as exc:  # any channel failure is retried; the reason is kept
            logger.warning("notification send failed: %s", type(exc).__name__)
            _failed(group_rows, token, f"{type(exc).__name__}: {exc}", now)
        else:
            done = {"status": NotificationStatus.SENT, "sent_at": now, "error": ""}
            sent += _finish(group_rows, token, **done)
            shown |= {r.recipient_id for r in group_rows if r.recipient_id is not None}
    refresh_unread(shown)
    return sent


def dispatch(now: datetime | None = None, limit: int = 100, rounds: int = 50) -> int:
    """Claim and send due notifications until none is left (or `rounds` batches); returns
    how many were sent."""
    sent = 0
    for _ in range(rounds):
        token, rows = claim_due(now, limit)
        if not rows:
            break
        sent += send_claimed(token, rows, now)
    return sent
