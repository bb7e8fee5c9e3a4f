"""Reminder email through a real local SMTP server: headers, one-click unsubscribe, no PHI."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core import signing
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from journal import services
from journal.models import (
    AuditEvent,
    Channel,
    ClinicSettings,
    Notification,
    NotificationPreference,
    NotificationStatus,
)
from journal.notifications import channels, jobs, planning

NOW = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # 10:00 in New York


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self, to: str) -> list:
        return [
            message_from_bytes(e.content, policy=policy.default)
            for e in self.envelopes
            if to in e.rcpt_tos
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def fill_journal(patient) -> list[str]:
    """A journal full of values that must never reach an email; returns them."""
    session = services.log_session(
        patient=patient,
        started_at=NOW - timedelta(days=2),
        route="intranasal",
        dose_mg=Decimal("56"),
        note="Quetzal infusion diary",
    )
    services.submit_report(
        patient=patient,
        session=session,
        reported_at=NOW - timedelta(days=2) + timedelta(hours=4),
        mood=3,
        ratings={"nausea": 3, "dissociation": 4, "headache": 2},
        overall_bother=3,
        note="Marmalade skies feeling",
    )
    services.log_checkin(
        patient=patient,
        recorded_at=NOW - timedelta(days=1),
        mood=2,
        anxiety=9,
        pain=7,
        ratings={"urinary": 3, "cravings": 2},
        note="Velvet lantern thoughts",
    )
    services.submit_questionnaire(
        patient=patient,
        instrument="gad7",
        answers=[3, 3, 2, 3, 2, 2, 3],
        completed_at=NOW - timedelta(days=1),
    )
    return [
        patient.display_name,
        patient.display_name.split()[0],
        "Quetzal",
        "Marmalade",
        "Velvet lantern",
        "intranasal",
        "Intranasal",
        "56",
        "nausea",
        "Nausea",
        "dissociat",
        "Dissociat",
        "headache",
        "urinary",
        "Urinary",
        "craving",
        "ketamine",
        "esketamine",
        "mood",
        "Mood",
        "anxiety",
        "18",  # the GAD-7 total
        "severe",
        "GAD-7",
    ]


@pytest.fixture
def frozen():
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


def test_a_reminder_email_has_unsubscribe_headers_and_no_phi(frozen, smtp, personas):
    patient = personas.patient
    phi = fill_journal(patient)
    planning.plan_reminders(NOW)
    jobs.dispatch(NOW + timedelta(hours=9))  # 19:00 in New York: the check-in reminder
    messages = smtp.messages(patient.email)
    subjects = sorted(m["Subject"] for m in messages)
    assert "Aftercare: time for this evening's check-in" in subjects
    for message in messages:
        assert message["To"] == patient.email
        assert message["From"] == "Aftercare <no-reply@localhost>"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = re.fullmatch(r"<(http://[^>]+)>", message["List-Unsubscribe"].strip())
        assert unsubscribe is not None
        body = message.get_content()
        assert unsubscribe.group(1) in body
        # Everything a reader sees, without the links (their signed tokens are opaque).
        visible = re.sub(r"https?://\S+", "", f"{message['Subject']}\n{body}")
        for value in phi:
            assert value not in visible, value
        assert "not monitored in real time" in body


def test_one_click_unsubscribe_stops_that_kind_of_email(frozen, smtp, personas):
    patient = personas.patient
    planning.plan_reminders(NOW)
    jobs.dispatch(NOW)  # the questionnaire reminders, by email
    first_emails = smtp.messages(patient.email)
    assert len(first_emails) == 1  # PHQ-9 and GAD-7, due together: one email
    message = first_emails[0]
    url = message["List-Unsubscribe"].strip().strip("<>").removeprefix("http://127.0.0.1:8000")
    client = Client(enforce_csrf_checks=True)  # a mail client's POST carries no form token
    page = client.get(url)
    assert page.status_code == 200 and b"Stop these emails?" in page.content
    assert not NotificationPreference.objects.filter(user=patient).exists()
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"Emails stopped" in done.content
    pref = NotificationPreference.objects.get(user=patient)
    assert pref.questionnaire_channel == Channel.IN_APP
    assert pref.checkin_channel == Channel.EMAIL  # single purpose: only that kind
    assert client.post(url).status_code == 200  # repeating it is harmless
    # The next questionnaire ask is kept in the app, not emailed.
    assert jobs.dispatch(NOW + timedelta(hours=23, minutes=30)) >= 1
    asks = Notification.objects.filter(recipient=patient, due_key__endswith=":2")
    assert {n.channel for n in asks} == {Channel.IN_APP}
    assert {n.status for n in asks} == {NotificationStatus.SENT}
    later = smtp.messages(patient.email)[1:]
    assert [m["Subject"] for m in later] == ["Aftercare: time for this evening's check-in"]


def test_an_altered_or_foreign_token_is_not_found(personas):
    patient = personas.patient
    good = channels.unsubscribe_token(patient.pk, "checkin")
    other_purpose = signing.dumps({"u": patient.pk, "k": "checkin"})  # default salt
    for token in (good[:-2] + "xx", other_purpose, "nonsense"):
        url = reverse("journal:notifications-unsubscribe", args=[token])
        assert Client().get(url).status_code == 404
        assert Client().post(url).status_code == 404
    assert not NotificationPreference.objects.filter(user=patient).exists()


def test_an_unreachable_smtp_server_is_retried_later(frozen, settings, personas):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    planning.plan_reminders(NOW)
    assert jobs.dispatch(NOW) == 0
    rows = Notification.objects.filter(recipient=personas.patient, due_at__lte=NOW)
    assert rows and all(
        n.status == NotificationStatus.PENDING
        and n.attempts == 1
        and n.next_attempt_at == NOW + jobs.backoff(1)
        and "ConnectionRefusedError" in n.error
        for n in rows
    )


def test_the_on_call_email_carries_a_one_click_unsubscribe_that_stops_on_call_alerts(
    frozen, smtp, personas, django_capture_on_commit_callbacks
):
    address = "OnCall@clinic.test"
    services.update_clinic_settings(actor=personas.clinic_admin, values={"on_call_email": address})
    services.grant_share(patient=personas.patient, provider=personas.provider, categories=["mood"])
    phi = fill_journal(personas.patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_questionnaire(
            patient=personas.patient,
            instrument="phq9",
            answers=[0, 0, 0, 0, 0, 0, 0, 0, 2],
            completed_at=NOW,
        )
    jobs.dispatch(NOW)
    (message,) = smtp.messages(address)
    assert message["Subject"] == "Aftercare: an urgent flag awaits review"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(http://[^>]+)>", message["List-Unsubscribe"].strip())
    assert link is not None and link.group(1) in message.get_content()
    visible = re.sub(r"https?://\S+", "", f"{message['Subject']}\n{message.get_content()}")
    for value in phi:
        assert value not in visible, value
    url = link.group(1).removeprefix("http://127.0.0.1:8000")
    client = Client(enforce_csrf_checks=True)
    assert b"Stop these emails?" in client.get(url).content
    assert ClinicSettings.load().on_call_email == address  # a GET changes nothing
    # An alert still waiting for the address (planned before the click) is cancelled too.
    waiting = Notification.objects.create(
        address=address.lower(),
        kind="flag_alert",
        due_key="flag:999999",
        due_at=NOW + timedelta(hours=1),
        next_attempt_at=NOW + timedelta(hours=1),
    )
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"Emails stopped" in done.content
    assert ClinicSettings.load().on_call_email == ""
    waiting.refresh_from_db()
    assert waiting.status == NotificationStatus.CANCELLED
    (audit,) = AuditEvent.objects.filter(action="notifications.on_call_unsubscribe")
    assert audit.actor is None and audit.detail == {"address": address.lower()}
    assert client.post(url).status_code == 200  # repeating it is harmless and not re-audited
    assert AuditEvent.objects.filter(action="notifications.on_call_unsubscribe").count() == 1
    # A new on-call address set by the clinic is not touched by the old address's link.
    services.update_clinic_settings(
        actor=personas.clinic_admin, values={"on_call_email": "night@clinic.test"}
    )
    client.post(url)
    assert ClinicSettings.load().on_call_email == "night@clinic.test"


def test_on_call_and_personal_unsubscribe_tokens_do_not_stand_in_for_each_other(personas):
    services.update_clinic_settings(
        actor=personas.clinic_admin, values={"on_call_email": "oncall@clinic.test"}
    )
    on_call = channels.on_call_unsubscribe_token("oncall@clinic.test")
    personal = channels.unsubscribe_token(personas.patient.pk, "checkin")
    for name, token in (
        ("journal:notifications-unsubscribe", on_call),
        ("journal:notifications-unsubscribe-on-call", personal),
        ("journal:notifications-unsubscribe-on-call", on_call[:-2] + "xx"),
        ("journal:notifications-unsubscribe-on-call", signing.dumps({"a": "oncall@clinic.test"})),
    ):
        url = reverse(name, args=[token])
        assert Client().get(url).status_code == 404
        assert Client().post(url).status_code == 404
    assert ClinicSettings.load().on_call_email == "oncall@clinic.test"
    assert not NotificationPreference.objects.filter(user=personas.patient).exists()
