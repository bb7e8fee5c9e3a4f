"""Clinician alerts: when an urgent (or, by clinic setting, high) flag is raised in a category
a patient shares with a provider, plan an alert for that provider, and for the clinic's
on-call address when urgent.

Planned after the flag's transaction commits and sent by a worker, asked at once to send
what is due (`send_soon`): a slow or unreachable mail server never touches the request that
raised the flag, and an alert in clinic hours does not wait for the beat's next minute. In
clinic hours (the clinic's zone, on its open days) an alert is due at once;
outside them it waits for the next open day's opening, where the dispatcher sends one message
per provider for everything waiting (the morning digest). Whether it is still wanted (flag
unacknowledged, share still covering it) is checked at send time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from journal.models import (
    Channel,
    ClinicSettings,
    Flag,
    FlagSeverity,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from journal.notifications import schedule
from journal.permissions import alert_recipients

logger = logging.getLogger(__name__)


def min_severity(clinic: ClinicSettings) -> int:
    """The lowest flag severity that alerts providers under the clinic's setting."""
    return FlagSeverity.HIGH if clinic.alert_on_high else FlagSeverity.URGENT


def alert_due(now: datetime, clinic: ClinicSettings) -> datetime:
    """Now, inside the clinic's hours on an open day (in the clinic's zone: the hours are the
    clinic's, wherever a provider's own zone is set); otherwise the next open day's opening."""
    return schedule.next_opening(
        now, clinic.zone, clinic.clinic_opens, clinic.clinic_closes, clinic.open_weekdays
    )


def after_flags_raised(flags: Iterable[Flag]) -> None:
    """Called by the write that raised `flags`: plan alerts once its transaction commits.
    Only flags severe enough for any clinic setting are passed on (no work for the rest)."""
    ids = [f.pk for f in flags if f.pk is not None and f.severity >= FlagSeverity.HIGH]
    if ids:
        transaction.on_commit(partial(plan_flag_alerts, ids), robust=True)


def plan_flag_alerts(flag_ids: list[int], now: datetime | None = None) -> int:
    """Insert the alert rows for these flags (idempotent by recipient, kind and flag);
    returns how many rows were planned."""
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    rows: list[Notification] = []
    flags = Flag.objects.select_related("patient").filter(
        pk__in=flag_ids, acknowledged_at__isnull=True, severity__gte=min_severity(clinic)
    )
    recipients = {flag: list(alert_recipients(flag)) for flag in flags}
    # Every recipient's channel in one query, whatever the number of flags.
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(
            user__in={provider.pk for providers in recipients.values() for provider in providers}
        )
    }
    due = alert_due(now, clinic)
    for flag, providers in recipients.items():
        link = reverse("journal:provider-patient", args=[flag.patient_id])
        for provider in providers:
            pref = prefs.get(provider.pk)
            rows.append(
                Notification(
                    recipient=provider,
                    kind=NotificationKind.FLAG_ALERT,
                    due_key=f"flag:{flag.pk}",
                    due_at=due,
                    next_attempt_at=due,
                    channel=pref.alert_channel if pref else Channel.EMAIL,
                    link=link,
                    flag=flag,
                )
            )
        if providers and clinic.on_call_email and flag.severity == FlagSeverity.URGENT:
            rows.append(
                Notification(
                    address=clinic.on_call_email,
                    kind=NotificationKind.FLAG_ALERT,
                    due_key=f"flag:{flag.pk}",
                    due_at=now,
                    next_attempt_at=now,
                    channel=Channel.EMAIL,
                    link=reverse("journal:provider-home"),
                    flag=flag,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    logger.info("planned %d flag alerts", len(rows))
    if any(row.due_at <= now for row in rows):
        send_soon()
    return len(rows)


def send_soon() -> None:
    """Ask a worker to send what is due now rather than wait for the beat's next minute.

    Only with a broker (or Celery's eager mode): without one there is no worker to ask, and
    `manage.py run_jobs` sends the alert on its next pass (every 20 s by default). A broker
    that is down costs a log line, never the request that raised the flag: the row is
    already planned and the next dispatch sends it. Dispatch claims rows, so an extra run
    next to the beat's never sends anything twice."""
    from config.celery import app  # the configured app, also in web processes
    from journal.notifications import tasks

    if not (settings.CELERY_BROKER_URL or app.conf.task_always_eager):
        return
    try:
        if app.conf.task_always_eager:
            tasks.dispatch.apply_async()
            return
        with app.connection_for_write() as conn:
            # One quick try: the request waits for this, and the beat is the fallback.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            queue = app.conf.task_default_queue  # the configured queue, read at send time
            tasks.dispatch.apply_async(retry=False, connection=conn, queue=queue)
    except Exception as exc:  # a down broker or a failing eager run must not reach the request
        logger.warning("could not queue the alert dispatch: %s", type(exc).__name__)
