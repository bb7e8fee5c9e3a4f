"""Reminder preferences on the account pages, and the in-app notification list."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from journal import services
from journal.models import Notification, NotificationPreference
from journal.notifications import jobs, planning
from journal.notifications.schedule import local_instant
from journal.services.security import update_account_settings
from tests.conftest import client_for

NOW = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # 10:00 in New York
SETTINGS = reverse("journal:notification-settings")
LIST = reverse("journal:notification-list")


@pytest.fixture
def frozen():
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "report_enabled": "on",
        "report_time": "",
        "report_channel": "email",
        "checkin_enabled": "on",
        "checkin_time": "",
        "checkin_channel": "email",
        "questionnaire_enabled": "on",
        "questionnaire_time": "",
        "questionnaire_channel": "email",
        "quiet_start": "",
        "quiet_end": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def checkin_due(patient) -> datetime:
    return Notification.objects.get(recipient=patient, kind="checkin").due_at


def test_the_page_names_the_clinic_defaults(frozen, personas):
    page = client_for(personas.patient).get(SETTINGS)
    assert page.status_code == 200
    html = page.content.decode()
    assert "clinic&#x27;s default (18:00)" in html  # daily check-in
    assert "clinic&#x27;s default (19:00)" in html  # post-session report
    assert "21:30–08:00" in html
    assert "Every 14 days from your first session" in html
    assert "on the next two days, three asks in all" in html
    assert (
        SETTINGS
        in client_for(personas.patient).get(reverse("journal:account-settings")).content.decode()
    )


def test_the_patients_time_wins_over_the_clinic_default(frozen, personas):
    patient = personas.patient
    planning.plan_reminders(NOW)
    assert checkin_due(patient) == local_instant(NOW.date(), time(18, 0), patient.zone)
    response = client_for(patient).post(SETTINGS, form_data(checkin_time="20:15"))
    assert response.status_code == 302
    # The unsent reminder was planned again at the patient's time.
    assert checkin_due(patient) == local_instant(NOW.date(), time(20, 15), patient.zone)
    services.update_clinic_settings(
        actor=personas.clinic_admin, values={"checkin_reminder_time": time(17, 0)}
    )
    planning.plan_reminders(NOW + timedelta(minutes=15))
    assert checkin_due(patient) == local_instant(NOW.date(), time(20, 15), patient.zone)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"checkin_time": "25:99"}, "checkin_time", "Enter a valid time."),
        (
            {"checkin_time": "22:00"},
            "checkin_time",
            "22:00 is inside your quiet hours (21:30–08:00).",
        ),
        (
            {"report_time": "12:30", "quiet_start": "12:00", "quiet_end": "13:00"},
            "report_time",
            "12:30 is inside your quiet hours (12:00–13:00).",
        ),
        (
            {"quiet_start": "07:00", "quiet_end": "07:00"},
            "quiet_end",
            "Quiet hours must end at a different time than they start.",
        ),
    ],
)
def test_bad_times_get_a_clear_error(frozen, personas, changes, field, message):
    response = client_for(personas.patient).post(SETTINGS, form_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert not NotificationPreference.objects.filter(user=personas.patient).exists()


def test_pausing_everything_drops_unsent_reminders_and_sends_none(frozen, personas):
    patient = personas.patient
    planning.plan_reminders(NOW)
    assert Notification.objects.filter(recipient=patient).exists()
    client_for(patient).post(SETTINGS, form_data(paused="on"))
    assert not Notification.objects.filter(recipient=patient).exists()
    planning.plan_reminders(NOW + timedelta(minutes=15))
    mail.outbox.clear()
    jobs.dispatch(NOW + timedelta(hours=12))
    assert not [m for m in mail.outbox if m.to == [patient.email]]


def test_a_kind_turned_off_is_not_planned(frozen, personas):
    patient = personas.patient
    client_for(patient).post(SETTINGS, form_data(checkin_enabled=None))
    planning.plan_reminders(NOW)
    kinds = set(Notification.objects.filter(recipient=patient).values_list("kind", flat=True))
    assert kinds == {"questionnaire"}


def test_providers_choose_the_alert_channel_and_admins_have_nothing_to_set(personas):
    provider = client_for(personas.provider)
    assert b"Flag alerts" in provider.get(SETTINGS).content
    assert provider.post(SETTINGS, {"alert_channel": "in_app"}).status_code == 302
    assert NotificationPreference.objects.get(user=personas.provider).alert_channel == "in_app"
    admin = client_for(personas.clinic_admin)
    assert b"get no reminders" in admin.get(SETTINGS).content
    assert admin.post(SETTINGS, {"alert_channel": "email"}).status_code == 403


def test_the_list_shows_sent_notifications_with_the_unread_count(frozen, personas):
    patient = personas.patient
    planning.plan_reminders(NOW)
    jobs.dispatch(NOW)  # the questionnaire reminder (PHQ-9 and GAD-7 in one)
    jobs.dispatch(NOW + timedelta(hours=9))  # and the evening check-in
    client = client_for(patient)
    # The dispatcher remembered the count: the navigation shows it on any page.
    home = client.get(reverse("journal:patient-home")).content.decode()
    assert '2<span class="visually-hidden"> unread</span>' in home
    page = client.get(LIST)
    html = page.content.decode()
    assert "2 unread" in html
    assert html.count("PHQ-9 and GAD-7") == 1
    assert reverse("journal:questionnaire-list") in html
    assert {n.recipient_id for n in page.context["notifications"]} == {patient.pk}
    # Another patient sees only their own.
    other = client_for(personas.other_patient).get(LIST).context["notifications"]
    assert other and {n.recipient_id for n in other} == {personas.other_patient.pk}
    assert client.post(reverse("journal:notifications-read")).status_code == 302
    assert "Nothing unread" in client.get(LIST).content.decode()
    home = client.get(reverse("journal:patient-home")).content.decode()
    assert "unread</span>" not in home


def test_a_zone_change_plans_the_unsent_reminders_again_in_the_new_zone(
    frozen, personas, django_capture_on_commit_callbacks
):
    patient = personas.patient
    planning.plan_reminders(NOW)
    ny = patient.zone
    assert checkin_due(patient) == local_instant(NOW.date(), time(18, 0), ny)
    jobs.dispatch(NOW)  # the first questionnaire ask goes out at 10:00 New York time
    sent = Notification.objects.get(recipient=patient, due_key="phq9+gad7:2026-03-07:1")
    assert sent.status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        update_account_settings(
            user=patient, display_name=patient.display_name, time_zone="Europe/Berlin"
        )
    patient.refresh_from_db()
    berlin = patient.zone
    assert checkin_due(patient) == local_instant(NOW.date(), time(18, 0), berlin)
    second = Notification.objects.get(recipient=patient, due_key="phq9+gad7:2026-03-07:2")
    assert second.due_at == local_instant(date(2026, 3, 8), time(10, 0), berlin)
    # What was sent stays, once: no second row for the same key.
    assert Notification.objects.filter(recipient=patient, due_key=sent.due_key).count() == 1
    sent.refresh_from_db()
    assert sent.status == "sent"
    mail.outbox.clear()
    assert jobs.dispatch(NOW + timedelta(minutes=5)) == 0
    # Planning again changes nothing.
    assert planning.plan_reminders(NOW + timedelta(minutes=15)) == 0
