"""Clinician alerts: share scope, clinic hours, on-call, stop at revoke or acknowledgement."""

from __future__ import annotations

import re
import socket
import time as time_module
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from journal import services
from journal.models import (
    AuditEvent,
    Channel,
    ClinicSettings,
    Flag,
    Notification,
    NotificationPreference,
    NotificationStatus,
)
from journal.notifications import alerts, jobs, schedule
from tests.conftest import client_for

# 10:00 in New York (patient and providers), inside the default clinic hours 08:00–18:00.
NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
SELF_HARM = [0, 0, 0, 0, 0, 0, 0, 0, 2]  # PHQ-9 item 9 above "not at all": urgent


@pytest.fixture
def frozen():
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


def share(personas, *categories: str):
    return services.grant_share(
        patient=personas.patient, provider=personas.provider, categories=categories
    )


def raise_urgent(patient, capture, at=NOW):
    with capture(execute=True):
        services.submit_questionnaire(
            patient=patient, instrument="phq9", answers=SELF_HARM, completed_at=at
        )
    return Flag.objects.get(patient=patient, kind="self_harm")


def alerts_for(user):
    return Notification.objects.filter(recipient=user, kind="flag_alert")


def test_an_urgent_flag_alerts_the_provider_it_is_shared_with(
    frozen, personas, django_capture_on_commit_callbacks
):
    share(personas, "mood")
    flag = raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    (alert,) = alerts_for(personas.provider)
    assert alert.flag == flag and alert.due_at == NOW
    assert alert.link == reverse("journal:provider-patient", args=[personas.patient.pk])
    assert not alerts_for(personas.provider_without_share).exists()
    mail.outbox.clear()
    assert jobs.dispatch(NOW) == 1
    (message,) = mail.outbox
    assert message.to == [personas.provider.email]
    assert message.subject == "Aftercare: an urgent flag awaits review"
    visible = re.sub(r"https?://\S+", "", message.subject + message.body)
    for value in (personas.patient.display_name, "Pat", "PHQ", "harm", "item", "2"):
        assert value not in visible
    assert alert.link in message.body
    alert.refresh_from_db()
    assert alert.status == NotificationStatus.SENT and alert.sent_at == NOW


def test_no_alert_when_the_share_does_not_cover_the_flags_category(
    frozen, personas, django_capture_on_commit_callbacks
):
    share(personas, "blood_pressure", "side_effects")
    raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind="flag_alert").exists()


def test_no_alert_before_the_transaction_commits(frozen, personas):
    share(personas, "mood")
    services.submit_questionnaire(
        patient=personas.patient, instrument="phq9", answers=SELF_HARM, completed_at=NOW
    )
    # The test transaction never commits: nothing is planned.
    assert not Notification.objects.filter(kind="flag_alert").exists()


def test_high_flags_alert_only_when_the_clinic_asks(
    frozen, personas, django_capture_on_commit_callbacks
):
    share(personas, "mood")
    severe_total = [3, 3, 3, 2, 2, 2, 2, 3, 0]  # PHQ-9 20: high, no item 9

    def submit(at):
        with django_capture_on_commit_callbacks(execute=True):
            services.submit_questionnaire(
                patient=personas.patient, instrument="phq9", answers=severe_total, completed_at=at
            )

    submit(NOW - timedelta(hours=2))
    assert not alerts_for(personas.provider).exists()
    services.update_clinic_settings(actor=personas.clinic_admin, values={"alert_on_high": True})
    submit(NOW - timedelta(hours=1))
    assert alerts_for(personas.provider).count() == 1
    mail.outbox.clear()
    jobs.dispatch(NOW)
    assert mail.outbox[0].subject == "Aftercare: a flag awaits review"


def test_outside_clinic_hours_the_alert_waits_for_the_morning_and_is_one_digest(
    personas, django_capture_on_commit_callbacks
):
    share(personas, "mood", "blood_pressure")
    night = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # 23:00 in New York on the 8th
    with freeze_time(night):
        raise_urgent(personas.patient, django_capture_on_commit_callbacks, at=night)
        with django_capture_on_commit_callbacks(execute=True):
            services.add_reading(
                patient=personas.patient,
                systolic=190,
                diastolic=100,
                measured_at=night,
                context="home",
            )
    rows = alerts_for(personas.provider)
    assert rows.count() == 2
    opening = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # 08:00 EDT (DST began on the 8th)
    assert {r.due_at for r in rows} == {opening}
    mail.outbox.clear()
    assert jobs.dispatch(opening - timedelta(minutes=1)) == 0
    assert jobs.dispatch(opening) == 2
    (digest,) = mail.outbox
    assert digest.subject == "Aftercare: 2 flags await review"


def test_the_on_call_address_gets_urgent_alerts_at_once(
    personas, django_capture_on_commit_callbacks
):
    services.update_clinic_settings(
        actor=personas.clinic_admin, values={"on_call_email": "oncall@clinic.test"}
    )
    share(personas, "mood")
    night = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
    with freeze_time(night):
        raise_urgent(personas.patient, django_capture_on_commit_callbacks, at=night)
        mail.outbox.clear()
        assert jobs.dispatch(night) == 1
    (message,) = mail.outbox
    assert message.to == ["oncall@clinic.test"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.subject == "Aftercare: an urgent flag awaits review"


def test_no_on_call_alert_for_a_flag_nobody_was_shared(
    frozen, personas, django_capture_on_commit_callbacks
):
    services.update_clinic_settings(
        actor=personas.clinic_admin, values={"on_call_email": "oncall@clinic.test"}
    )
    raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind="flag_alert").exists()


def test_a_revoked_share_stops_the_alert(frozen, personas, django_capture_on_commit_callbacks):
    granted = share(personas, "mood")
    raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    services.revoke_share(patient=personas.patient, share=granted)
    mail.outbox.clear()
    assert jobs.dispatch(NOW) == 0
    assert mail.outbox == []
    (alert,) = alerts_for(personas.provider)
    assert alert.status == NotificationStatus.CANCELLED
    assert alert.error == "The share ended or no longer covers this flag."


def test_an_acknowledged_flag_stops_the_alert(frozen, personas, django_capture_on_commit_callbacks):
    share(personas, "mood")
    flag = raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    services.acknowledge_flag(provider=personas.provider, flag=flag, disposition="contacted")
    mail.outbox.clear()
    assert jobs.dispatch(NOW) == 0
    (alert,) = alerts_for(personas.provider)
    assert alert.status == NotificationStatus.CANCELLED
    assert alert.error == "The flag was acknowledged."


def test_a_provider_who_chose_in_app_alerts_gets_no_email(
    frozen, personas, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=personas.provider, alert_channel=Channel.IN_APP)
    share(personas, "mood")
    raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    assert jobs.dispatch(NOW) == 1
    assert mail.outbox == []


def test_planning_alerts_twice_makes_no_second_row(
    frozen, personas, django_capture_on_commit_callbacks
):
    share(personas, "mood")
    flag = raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    alerts.plan_flag_alerts([flag.pk])
    assert alerts_for(personas.provider).count() == 1


def test_the_clinic_console_lists_alert_metadata_only(
    frozen, personas, django_capture_on_commit_callbacks
):
    share(personas, "mood")
    flag = raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    jobs.dispatch(NOW)
    page = client_for(personas.clinic_admin).get(reverse("admin:journal_alertrecord_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert personas.provider.display_name in html
    assert f">{flag.pk}<" in html
    for secret in (personas.patient.display_name, "phq9", "self", "harm", "PHQ"):
        assert secret not in html


def test_erasing_a_patient_removes_their_notifications_and_unlinks_alerts_about_them(
    personas, django_capture_on_commit_callbacks
):
    from journal.services import data_rights
    from tests.conftest import PASSWORD

    patient = personas.patient
    with freeze_time(NOW):
        share(personas, "mood")
        raise_urgent(patient, django_capture_on_commit_callbacks)
        planning_rows = planning_for(patient)
        NotificationPreference.objects.create(user=patient, paused=False)
        data_rights.request_erasure(user=patient, password=PASSWORD)
    assert planning_rows
    with freeze_time(NOW + timedelta(days=60)):
        assert data_rights.erase_due_accounts() == [patient.pk]
    assert not Notification.objects.filter(recipient=patient).exists()
    assert not NotificationPreference.objects.filter(user=patient).exists()
    (alert,) = alerts_for(personas.provider)
    assert alert.flag is None and alert.link == ""
    assert alert.status == NotificationStatus.CANCELLED


def planning_for(patient) -> int:
    from journal.notifications import planning

    planning.plan_reminders(NOW)
    return Notification.objects.filter(recipient=patient).count()


# --- Clinic open days ------------------------------------------------------------------------

MONDAY_OPENING = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # 08:00 EDT (DST began Sunday the 8th)


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        # Friday 6 March, 19:00 EST: after closing, the weekend is closed → Monday's opening.
        (datetime(2026, 3, 7, 0, 0, tzinfo=UTC), MONDAY_OPENING),
        # Saturday 7 March, 10:00 EST: inside the hours, but a closed day → Monday.
        (datetime(2026, 3, 7, 15, 0, tzinfo=UTC), MONDAY_OPENING),
        # Monday 9 March, 11:00 EDT: an open day inside the hours → at once.
        (datetime(2026, 3, 9, 15, 0, tzinfo=UTC), datetime(2026, 3, 9, 15, 0, tzinfo=UTC)),
        # Monday 9 March, 07:00 EDT: before opening on an open day → that morning.
        (datetime(2026, 3, 9, 11, 0, tzinfo=UTC), MONDAY_OPENING),
    ],
    ids=["friday-evening", "saturday", "weekday-in-hours", "weekday-before-opening"],
)
def test_alerts_outside_open_days_wait_for_the_next_open_days_opening(
    personas, django_capture_on_commit_callbacks, raised, due
):
    share(personas, "mood")
    with freeze_time(raised):
        raise_urgent(personas.patient, django_capture_on_commit_callbacks, at=raised)
    (alert,) = alerts_for(personas.provider)
    assert alert.due_at == due


def test_a_clinic_open_on_saturdays_alerts_at_once_on_saturday(
    personas, django_capture_on_commit_callbacks
):
    services.update_clinic_settings(
        actor=personas.clinic_admin, values={"clinic_open_days": "012345"}
    )
    share(personas, "mood")
    saturday = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    with freeze_time(saturday):
        raise_urgent(personas.patient, django_capture_on_commit_callbacks, at=saturday)
    (alert,) = alerts_for(personas.provider)
    assert alert.due_at == saturday


def test_the_next_opening_is_in_the_zones_local_time_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    friday_night = datetime(2026, 3, 27, 19, 0, tzinfo=UTC)  # 20:00 CET; CEST from Sunday
    monday = schedule.next_opening(
        friday_night, berlin, time(8, 0), time(18, 0), frozenset(range(5))
    )
    assert monday == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 08:00 CEST
    # Open only on Wednesdays: from Thursday, six days on.
    wednesday = schedule.next_opening(
        datetime(2026, 3, 26, 9, 0, tzinfo=UTC), berlin, time(8, 0), time(18, 0), frozenset({2})
    )
    assert wednesday == datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


def test_the_console_sets_the_clinic_open_days(personas):
    client = client_for(personas.clinic_admin)
    url = reverse("admin:journal_clinicsettings_change", args=[ClinicSettings.load().pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Clinic open days" in page.content
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    assert data["clinic_open_days"] == ["0", "1", "2", "3", "4"]
    data["clinic_open_days"] = ["5", "0", "2"]
    assert client.post(url, data).status_code == 302
    assert ClinicSettings.load().clinic_open_days == "025"
    audit = AuditEvent.objects.filter(action="clinic.settings_change").latest("pk")
    assert audit.detail == {"clinic_open_days": ["01234", "025"]}
    # No day at all: a clear message on the form, nothing saved.
    data["clinic_open_days"] = []
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert b"Choose at least one day the clinic is open." in refused.content
    assert ClinicSettings.load().clinic_open_days == "025"


# --- Sent at once, not at the beat's next minute ---------------------------------------------


@pytest.fixture
def celery_app():
    from config.celery import app

    return app


def test_an_alert_in_clinic_hours_is_sent_without_waiting_for_the_beat(
    frozen, personas, django_capture_on_commit_callbacks, celery_app, monkeypatch
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    share(personas, "mood")
    mail.outbox.clear()
    raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    # No dispatch was called: committing the flag queued one, which (eager) ran at once.
    (alert,) = alerts_for(personas.provider)
    assert alert.status == NotificationStatus.SENT
    assert [m.to for m in mail.outbox] == [[personas.provider.email]]


def test_an_alert_outside_clinic_hours_queues_nothing(
    personas, django_capture_on_commit_callbacks, celery_app, monkeypatch
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    queued = []
    monkeypatch.setattr(alerts, "send_soon", lambda: queued.append(1))
    share(personas, "mood")
    night = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
    with freeze_time(night):
        raise_urgent(personas.patient, django_capture_on_commit_callbacks, at=night)
    assert queued == []
    (alert,) = alerts_for(personas.provider)
    assert alert.status == NotificationStatus.PENDING


def test_a_broker_that_is_down_does_not_fail_the_flag_and_the_beat_still_sends_it(
    frozen, personas, settings, celery_app, monkeypatch, caplog
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    down = f"redis://127.0.0.1:{port}/0"
    settings.CELERY_BROKER_URL = down
    monkeypatch.setitem(celery_app.conf, "broker_url", down)
    share(personas, "mood")
    # The flag's own transaction (not captured): only the planning below runs.
    services.submit_questionnaire(
        patient=personas.patient, instrument="phq9", answers=SELF_HARM, completed_at=NOW
    )
    flag = Flag.objects.get(patient=personas.patient, kind="self_harm")
    started = time_module.monotonic()
    assert alerts.plan_flag_alerts([flag.pk]) == 1
    assert time_module.monotonic() - started < 10
    assert "could not queue the alert dispatch" in caplog.text
    (alert,) = alerts_for(personas.provider)
    assert alert.status == NotificationStatus.PENDING
    mail.outbox.clear()
    assert jobs.dispatch(NOW) == 1
    assert [m.to for m in mail.outbox] == [[personas.provider.email]]


def test_clinic_hours_are_the_clinics_whatever_the_providers_zone(
    personas, django_capture_on_commit_callbacks
):
    share(personas, "mood")
    personas.provider.time_zone = "Asia/Kolkata"  # 20:30 there: the provider's evening
    personas.provider.save(update_fields=["time_zone"])
    with freeze_time(NOW):  # Monday 11:00 in New York, the clinic's zone by default
        raise_urgent(personas.patient, django_capture_on_commit_callbacks)
    (alert,) = alerts_for(personas.provider)
    assert alert.due_at == NOW
    # A clinic in Berlin is closed at that moment (16:00 there is open; 19:00 is not).
    services.update_clinic_settings(
        actor=personas.clinic_admin, values={"clinic_time_zone": "Europe/Berlin"}
    )
    Notification.objects.all().delete()
    later = NOW + timedelta(hours=3)  # 19:00 in Berlin, Monday
    with freeze_time(later):
        flag = Flag.objects.get(patient=personas.patient, kind="self_harm")
        alerts.plan_flag_alerts([flag.pk])
    (alert,) = alerts_for(personas.provider)
    assert alert.due_at == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # Tuesday 08:00 CET


def test_the_console_refuses_an_unknown_clinic_zone_with_a_message(personas):
    client = client_for(personas.clinic_admin)
    url = reverse("admin:journal_clinicsettings_change", args=[ClinicSettings.load().pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["clinic_time_zone"] = "Mars/Olympus_Mons"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["clinic_time_zone"]
    assert ClinicSettings.load().clinic_time_zone == "America/New_York"
