"""Planning and dispatching reminders: once per key, skip when done, retries, leases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from freezegun import freeze_time

from journal import services
from journal.models import Notification, NotificationStatus
from journal.notifications import channels, jobs, planning
from tests.conftest import PASSWORD

# 10:00 in New York (the personas' zone) on the Saturday before DST starts.
NOW = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


@pytest.fixture
def planned(frozen, personas):
    planning.plan_reminders(NOW)
    return personas.patient


def keys(user) -> set[tuple[str, str]]:
    return set(Notification.objects.filter(recipient=user).values_list("kind", "due_key"))


def test_planning_makes_each_reminder_once(planned):
    assert keys(planned) == {
        ("checkin", "day:2026-03-07"),
        # PHQ-9 and GAD-7 due the same day: one notification per ask, not two.
        ("questionnaire", "phq9+gad7:2026-03-07:1"),
        ("questionnaire", "phq9+gad7:2026-03-07:2"),
    }
    before = Notification.objects.count()
    assert planning.plan_reminders(NOW) == 0
    assert planning.plan_reminders(NOW + timedelta(minutes=15)) == 0
    assert Notification.objects.count() == before


def test_deactivated_patients_and_staff_get_no_reminders(planned, personas):
    assert keys(personas.deactivated) == set()
    assert keys(personas.provider) == set()
    assert keys(personas.clinic_admin) == set()


def test_reminder_links_are_the_pages_they_name(planned):
    session = services.log_session(patient=planned, started_at=NOW, route="iv")
    planning.plan_reminders(NOW)
    links = set(Notification.objects.filter(recipient=planned).values_list("link", flat=True))
    assert links == {
        reverse("journal:checkin-create"),
        reverse("journal:questionnaire-list"),
        reverse("journal:report-create", args=[session.pk]),
    }


def subjects(user) -> list[str]:
    return sorted(m.subject for m in mail.outbox if m.to == [user.email])


def test_dispatch_sends_what_is_due_exactly_once(planned, personas):
    mail.outbox.clear()
    # Both patients' first questionnaire asks (PHQ-9 and GAD-7 in one) are due at 10:00.
    assert jobs.dispatch(NOW) == 2
    assert subjects(planned) == ["Aftercare: two short questionnaires are due"]
    assert jobs.dispatch(NOW) == 0
    evening = NOW + timedelta(hours=9)
    assert jobs.dispatch(evening) == 2
    assert subjects(planned) == [
        "Aftercare: time for this evening's check-in",
        "Aftercare: two short questionnaires are due",
    ]
    assert jobs.dispatch(evening) == 0
    assert len(mail.outbox) == 4
    sent = Notification.objects.filter(recipient=planned, status=NotificationStatus.SENT)
    assert sent.count() == 2
    assert all(n.sent_at is not None and n.attempts == 1 for n in sent)


def test_a_reminder_is_not_sent_when_the_patient_already_did_it(planned):
    services.log_checkin(patient=planned, recorded_at=NOW, mood=6)
    services.submit_questionnaire(
        patient=planned, instrument="phq9", answers=[0] * 9, completed_at=NOW, difficulty=0
    )
    mail.outbox.clear()
    jobs.dispatch(NOW + timedelta(hours=9))
    # The GAD-7 is still open: the combined ask goes out, the check-in does not.
    assert subjects(planned) == ["Aftercare: two short questionnaires are due"]
    services.submit_questionnaire(
        patient=planned, instrument="gad7", answers=[0] * 7, completed_at=NOW, difficulty=0
    )
    Notification.objects.create(
        recipient=planned,
        kind="questionnaire",
        due_key="phq9+gad7:2026-03-07:3",
        due_at=NOW,
        next_attempt_at=NOW,
    )
    mail.outbox.clear()
    jobs.dispatch(NOW + timedelta(hours=9))
    assert mail.outbox == []
    assert Notification.objects.get(due_key="phq9+gad7:2026-03-07:3").error == "Already completed."
    checkin = Notification.objects.get(recipient=planned, kind="checkin")
    assert checkin.status == NotificationStatus.CANCELLED
    assert checkin.error == "Already checked in that day."


def test_a_failing_channel_retries_with_back_off_then_ends_failed(planned, monkeypatch):
    def broken(rows):
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(channels, "deliver", broken)
    row = Notification.objects.get(recipient=planned, due_key="phq9+gad7:2026-03-07:1")
    at = NOW
    for attempt in range(1, jobs.MAX_ATTEMPTS):
        jobs.dispatch(at)
        row.refresh_from_db()
        assert row.status == NotificationStatus.PENDING
        assert row.attempts == attempt
        assert row.next_attempt_at == at + jobs.backoff(attempt)
        assert "SMTP server unreachable" in row.error
        assert jobs.dispatch(row.next_attempt_at - timedelta(seconds=1)) == 0
        at = row.next_attempt_at
    jobs.dispatch(at)
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == jobs.MAX_ATTEMPTS


def test_a_worker_killed_mid_send_causes_one_retry_and_never_a_second(planned):
    token, rows = jobs.claim_due(NOW)  # this worker is then killed: it never finishes
    assert rows
    mail.outbox.clear()
    # While the lease holds, nobody else takes the rows.
    assert jobs.dispatch(NOW + jobs.lease() - timedelta(seconds=1)) == 0
    # After it, one retry sends each once.
    assert jobs.dispatch(NOW + jobs.lease()) == len(rows)
    assert len(mail.outbox) == len(rows)
    # The killed worker waking up cannot change the rows any more.
    assert jobs.send_claimed(token, rows, NOW + jobs.lease()) == 0
    assert all(
        n.status == NotificationStatus.SENT and n.interrupted == 1
        for n in Notification.objects.filter(pk__in=[r.pk for r in rows])
    )


def test_a_send_interrupted_twice_ends_failed_instead_of_a_third_try(planned):
    _, rows = jobs.claim_due(NOW)
    _, again = jobs.claim_due(NOW + jobs.lease())  # the retry's worker is killed too
    assert {r.pk for r in again} == {r.pk for r in rows}
    mail.outbox.clear()
    assert jobs.dispatch(NOW + 2 * jobs.lease()) == 0
    assert mail.outbox == []
    for row in Notification.objects.filter(pk__in=[r.pk for r in rows]):
        assert row.status == NotificationStatus.FAILED
        assert "stopped twice" in row.error


def test_run_jobs_once_plans_and_sends(frozen, personas, capsys):
    mail.outbox.clear()
    call_command("run_jobs", "--once")
    out = capsys.readouterr().out
    # Two patients: a check-in and two combined questionnaire asks (today, tomorrow) each.
    assert "planned 6" in out and "sent 2" in out
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_share_a_row(personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's")
    from django.db import connections

    Notification.objects.bulk_create(
        Notification(
            recipient=personas.patient,
            kind="checkin",
            due_key=f"day:k{i}",
            due_at=NOW,
            next_attempt_at=NOW,
        )
        for i in range(200)
    )
    barrier = threading.Barrier(2)
    claimed: list[set[int]] = []

    def worker():
        try:
            barrier.wait()
            seen: set[int] = set()
            while True:
                _, rows = jobs.claim_due(NOW + timedelta(seconds=1), limit=7)
                if not rows:
                    break
                seen |= {r.pk for r in rows}
            claimed.append(seen)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a, b = claimed
    assert not a & b
    assert len(a | b) == 200


def test_the_celery_app_runs_the_same_jobs_on_a_schedule(settings):
    from config.celery import app
    from journal.notifications import tasks

    app.loader.import_default_modules()
    assert {"aftercare.dispatch", "aftercare.plan_reminders"} <= set(app.tasks)
    beat = settings.CELERY_BEAT_SCHEDULE.values()
    schedule = {entry["task"]: entry["schedule"] for entry in beat}
    assert schedule["aftercare.dispatch"] == 60.0
    assert "aftercare.plan_reminders" in schedule
    assert tasks.dispatch.name == "aftercare.dispatch"


def test_the_broker_is_redis_url():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    code = "import config.settings as s; print(s.CELERY_BROKER_URL or '-')"

    def broker(**extra: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return run.stdout.strip()

    assert broker(REDIS_URL="redis://127.0.0.1:6379/3") == "redis://127.0.0.1:6379/3"
    assert broker() == "-"


def test_a_row_that_cannot_be_checked_is_retried_and_does_not_stop_the_batch(planned):
    Notification.objects.create(
        recipient=planned, kind="checkin", due_key="day:not-a-date", due_at=NOW, next_attempt_at=NOW
    )
    mail.outbox.clear()
    assert jobs.dispatch(NOW) == 2  # both patients' questionnaire reminders still go out
    bad = Notification.objects.get(due_key="day:not-a-date")
    assert bad.status == NotificationStatus.PENDING and "ValueError" in bad.error


@pytest.mark.parametrize("size", [40, 160])
def test_dispatch_costs_the_same_few_queries_per_notification_at_any_size(
    personas, django_assert_max_num_queries, size
):
    # In-app reminders (no email): what is measured is the database work per notification.
    patients = [personas.patient, personas.other_patient]
    Notification.objects.bulk_create(
        Notification(
            recipient=patients[i % 2],
            kind="checkin",
            due_key=f"day:{(NOW + timedelta(days=i)).date().isoformat()}",
            due_at=NOW,
            next_attempt_at=NOW,
            channel="in_app",
        )
        for i in range(size)
    )
    # Per notification: preferences, the skip-when-done check, the claim re-check and the
    # finish (4); per batch of 100: the claim (select, three updates, read back) and the
    # unread recount.
    batches = -(-size // 100) + 1
    with django_assert_max_num_queries(4 * size + 8 * batches):
        assert jobs.dispatch(NOW) == size


def test_enrolling_asks_for_a_baseline_at_once_even_with_a_session_that_day(
    personas, django_capture_on_commit_callbacks
):
    # Made by the clinic on Monday, enrolled on Wednesday at 13:00 New York time (after the
    # clinic's 10:00 questionnaire time), first session the same afternoon.
    made = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    enrolled = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
    with freeze_time(made):
        _, link = services.create_account(
            actor=personas.clinic_admin,
            email="new@example.org",
            display_name="New Patient",
            role="patient",
            time_zone="America/New_York",
        )
    with freeze_time(enrolled), django_capture_on_commit_callbacks(execute=True):
        patient = services.accept_invitation(
            token=link.rstrip("/").rsplit("/", 1)[-1],
            password=PASSWORD,
            time_zone="America/New_York",
        )
    ask = Notification.objects.get(recipient=patient, due_key="phq9+gad7:2026-03-04:1")
    assert ask.due_at == enrolled
    with freeze_time(enrolled + timedelta(hours=1)):
        services.log_session(patient=patient, started_at=enrolled + timedelta(hours=1), route="iv")
        planning.plan_reminders(enrolled + timedelta(hours=1))
    keys = set(
        Notification.objects.filter(recipient=patient, kind="questionnaire").values_list(
            "due_key", flat=True
        )
    )
    assert keys == {"phq9+gad7:2026-03-04:1", "phq9+gad7:2026-03-04:2"}
