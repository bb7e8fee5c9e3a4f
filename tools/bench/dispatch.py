"""Dispatching due reminders at scale (issue 18's benchmark), in-process.

For each size, that many check-in reminders fall due at once for the data set's patients (each
for a day far ahead, so none is skipped as already done), and `jobs.dispatch` sends them all by
email through Django's in-memory mail backend (the message is built and handed over; no SMTP
server is timed). Measured: wall time and data statements per notification. The rows and the
mails are removed afterwards, so the HTTP half of the run sees the data set as generated.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core import mail
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from journal.models import Channel, Notification, NotificationKind, Role, User
from journal.notifications import jobs

SIZES = (1_000, 10_000)
# Due keys of the benchmark's reminders: a day no generated check-in reaches.
FAR_AHEAD = date(2100, 1, 1)


def _due(patients: Sequence[int], size: int, now: Any) -> list[Notification]:
    rows = []
    for i in range(size):
        day = FAR_AHEAD + timedelta(days=i // len(patients))
        rows.append(
            Notification(
                recipient_id=patients[i % len(patients)],
                kind=NotificationKind.CHECKIN,
                due_key=f"day:{day.isoformat()}",
                due_at=now,
                next_attempt_at=now,
                channel=Channel.EMAIL,
                link="/check-ins/new/",
            )
        )
    return rows


class _StatementCounter:
    """Counts the data statements run through the connection (not transaction control), with
    no log kept: 10,000 notifications run tens of thousands of them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        from tools.bench.plan import is_data_statement

        if is_data_statement(sql):
            self.count += 1
        return execute(sql, params, many, context)


def measure_dispatch(sizes: Sequence[int] = SIZES) -> dict[str, dict[str, Any]]:
    """{size: sent, seconds, ms and data statements per notification} for each size."""

    patients = list(
        User.objects.filter(role=Role.PATIENT, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    results: dict[str, dict[str, Any]] = {}
    if not patients:
        return results
    for size in sizes:
        now = timezone.now()
        Notification.objects.bulk_create(_due(patients, size, now), batch_size=2_000)
        sent = 0
        counter = _StatementCounter()
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            connection.execute_wrapper(counter),
        ):
            mail.outbox = []
            start = time.perf_counter()
            while batch := jobs.dispatch(now, limit=100, rounds=50):
                sent += batch
            seconds = time.perf_counter() - start
            mails = len(mail.outbox)
            mail.outbox = []
        statements = counter.count
        Notification.objects.filter(
            kind=NotificationKind.CHECKIN, due_key__gte=f"day:{FAR_AHEAD.isoformat()}"
        ).delete()
        results[str(size)] = {
            "sent": sent,
            "mails": mails,
            "seconds": round(seconds, 2),
            "ms_per_notification": round(seconds * 1000 / max(sent, 1), 3),
            "queries_per_notification": round(statements / max(sent, 1), 2),
        }
    return results
