"""Two real Celery worker processes, real Redis, real PostgreSQL: each notification once.

Skipped on SQLite (one writer; `manage.py run_jobs` is its runner) and when no Redis answers
on REDIS_URL (default 127.0.0.1:6379), unless CI_REQUIRE_REDIS=1 (`.ci/run` sets it) turns
that skip into a failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from journal.models import Notification, NotificationStatus
from tests.test_notification_email import Inbox, free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
ROWS = 120

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="concurrent workers need PostgreSQL (SQLite runs `manage.py run_jobs`)",
)


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def database_url() -> str:
    s = connection.settings_dict
    user = s["USER"] or "postgres"
    auth = f"{user}:{s['PASSWORD']}" if s["PASSWORD"] else user
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(
    name: str, queue: str, smtp_port: int, concurrency: int = 2, **extra: str
) -> subprocess.Popen:
    env = {
        **extra,
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS,
        "CELERY_BROKER_URL": REDIS,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--pool=prefork", f"--concurrency={concurrency}", "--without-gossip"),
            "--without-mingle",
            *("--without-heartbeat", "-Q", queue, "-n", f"{name}@%h", "--loglevel=WARNING"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def need_redis() -> None:
    if not redis_answers():
        if os.environ.get("CI_REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis at {REDIS}")
        pytest.skip(f"no Redis at {REDIS}")


def due_reminders(personas) -> None:
    # Enrolling the personas (committed, in these transactional tests) planned their own
    # reminders; only the burst below is counted.
    Notification.objects.all().delete()
    now = timezone.now() - timedelta(seconds=1)
    patients = [personas.patient, personas.other_patient]
    first_day = date(2026, 1, 1)
    Notification.objects.bulk_create(
        Notification(
            recipient=patients[i % 2],
            kind="checkin",
            due_key=f"day:{first_day + timedelta(days=i)}",
            due_at=now,
            next_attempt_at=now,
            link="/check-ins/new/",
        )
        for i in range(ROWS)
    )


def stop(workers: list[subprocess.Popen], sig: int = signal.SIGTERM) -> None:
    for w in workers:
        if w.poll() is None:
            os.killpg(w.pid, sig)
    for w in workers:
        try:
            w.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
            w.wait()


def open_rows() -> bool:
    return Notification.objects.filter(
        status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING]
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_two_celery_workers_send_each_notification_exactly_once(personas):
    need_redis()
    from aiosmtpd.controller import Controller
    from celery import Celery

    due_reminders(personas)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    queue = f"aftercare-test-{uuid.uuid4().hex[:8]}"
    workers = [start_worker(f"w{i}-{queue}", queue, smtp.port) for i in range(2)]
    client = Celery(broker=REDIS)
    try:
        for _ in range(12):  # a burst of ticks: four processes race for the same rows
            client.send_task("aftercare.dispatch", queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not open_rows():
                break
            assert all(w.poll() is None for w in workers), [w.stderr.read() for w in workers]
            time.sleep(0.5)
        else:
            pytest.fail("the workers did not finish in 90 s")
        time.sleep(1)  # the last SMTP conversation may still be closing
    finally:
        stop(workers)
        smtp.stop()
        with client.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    statuses = dict(Notification.objects.order_by().values_list("status").annotate(n=Count("pk")))
    assert statuses == {NotificationStatus.SENT: ROWS}
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
    assert len(inbox.envelopes) == ROWS
    sent_to = [tuple(e.rcpt_tos) for e in inbox.envelopes]
    assert sent_to.count((personas.patient.email,)) == ROWS // 2
    assert sent_to.count((personas.other_patient.email,)) == ROWS // 2


class SlowInbox(Inbox):
    """An SMTP server that takes a moment per message, so a burst lasts a few seconds."""

    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio

        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_a_burst_loses_nothing_and_repeats_at_most_its_send(personas):
    need_redis()
    from aiosmtpd.controller import Controller
    from celery import Celery

    due_reminders(personas)
    inbox = SlowInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    queue = f"aftercare-test-{uuid.uuid4().hex[:8]}"
    client = Celery(broker=REDIS)
    short_lease = {"NOTIFICATION_LEASE_SECONDS": "5"}
    doomed = start_worker(f"a-{queue}", queue, smtp.port, concurrency=1, **short_lease)
    workers = [doomed]
    try:
        client.send_task("aftercare.dispatch", queue=queue)
        deadline = time.monotonic() + 60
        while len(inbox.envelopes) < 15:
            assert time.monotonic() < deadline, "the first worker never started sending"
            time.sleep(0.05)
        os.killpg(doomed.pid, signal.SIGKILL)  # mid-burst, holding a claim of up to 100 rows
        doomed.wait()
        assert open_rows()
        workers.append(start_worker(f"b-{queue}", queue, smtp.port, **short_lease))
        deadline = time.monotonic() + 90
        while open_rows():
            assert time.monotonic() < deadline, "the second worker did not finish in 90 s"
            client.send_task("aftercare.dispatch", queue=queue)  # beat's ticks
            time.sleep(1)
        time.sleep(1)
    finally:
        stop(workers)
        smtp.stop()
        with client.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    retried = Notification.objects.filter(interrupted=1).count()
    assert retried > 0  # the killed worker's claim was taken over after its lease
    # Nothing lost; the one message the killed process may have handed to the SMTP server
    # before marking it sent is the only possible repeat.
    assert ROWS <= len(inbox.envelopes) <= ROWS + 1


@pytest.mark.django_db(transaction=True)
def test_an_alert_in_clinic_hours_reaches_a_real_worker_without_waiting_for_the_beat(
    personas, settings, monkeypatch
):
    need_redis()
    from aiosmtpd.controller import Controller

    from config.celery import app
    from journal import services

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    queue = f"aftercare-test-{uuid.uuid4().hex[:8]}"
    # The web process publishes to this test's own queue; no beat runs at all.
    settings.CELERY_BROKER_URL = REDIS
    monkeypatch.setitem(app.conf, "broker_url", REDIS)
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    worker = start_worker(f"alert-{queue}", queue, smtp.port, concurrency=1)
    try:
        services.update_clinic_settings(
            actor=personas.clinic_admin,
            values={
                "clinic_opens": dt_time(0, 0),
                "clinic_closes": dt_time(23, 59),
                "clinic_open_days": "0123456",
            },
        )
        services.grant_share(
            patient=personas.patient, provider=personas.provider, categories=["mood"]
        )
        services.submit_questionnaire(
            patient=personas.patient,
            instrument="phq9",
            answers=[0, 0, 0, 0, 0, 0, 0, 0, 2],
            completed_at=timezone.now(),
        )
        deadline = time.monotonic() + 45
        while not inbox.messages(personas.provider.email):
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the alert was not sent by the worker"
            time.sleep(0.2)
    finally:
        stop([worker])
        smtp.stop()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    alert = Notification.objects.get(recipient=personas.provider, kind="flag_alert")
    assert alert.status == NotificationStatus.SENT
