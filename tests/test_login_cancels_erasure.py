"""Logging in during the erasure grace period cancels the deletion; nothing else does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal import services
from journal.models import AuditEvent, CheckIn, ClinicSettings
from journal.security.login import ERASURE_CANCELLED
from journal.services import data_rights
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not the right password at all"
GENERIC = "Wrong email or password, or the account is not active."


def log_in(client: Client, email: str, password: str, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def leaving(patient):
    """A patient with one check-in who asked for their account to be deleted."""
    services.log_checkin(patient=patient, recorded_at=timezone.now() - timedelta(hours=1), mood=4)
    data_rights.request_erasure(user=patient, password=PASSWORD)
    patient.refresh_from_db()
    assert not patient.is_active and patient.erasure_due_at is not None
    return patient


def test_logging_in_within_the_grace_period_cancels_the_erasure(leaving) -> None:
    client = Client()
    response = log_in(client, leaving.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    leaving.refresh_from_db()
    assert leaving.is_active and leaving.erasure_due_at is None
    assert AuditEvent.objects.filter(action="account.erasure_cancelled", subject=leaving).exists()
    home = client.get(response["Location"], follow=True)
    assert ERASURE_CANCELLED in home.content.decode()
    # Once cancelled, erase_due leaves the account and its journal alone.
    with freeze_time(timezone.now() + timedelta(days=365)):
        call_command("erase_due")
    assert CheckIn.objects.filter(patient=leaving).count() == 1


def test_a_wrong_password_cancels_nothing_and_gets_the_generic_message(leaving) -> None:
    client = Client()
    response = log_in(client, leaving.email, WRONG)
    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert not signed_in(client)
    leaving.refresh_from_db()
    assert not leaving.is_active and leaving.erasure_due_at is not None
    assert not AuditEvent.objects.filter(action="account.erasure_cancelled").exists()
    assert AuditEvent.objects.filter(action="login", outcome="failure", subject=leaving).exists()


def test_after_the_grace_period_the_login_is_refused_and_erase_due_erases(leaving) -> None:
    grace = ClinicSettings.load().erasure_grace_days
    with freeze_time(timezone.now() + timedelta(days=grace, hours=1)):
        client = Client()
        response = log_in(client, leaving.email, PASSWORD)
        assert response.status_code == 200
        assert GENERIC in response.content.decode()
        assert not signed_in(client)
        leaving.refresh_from_db()
        assert not leaving.is_active and leaving.erasure_due_at is not None
        call_command("erase_due")
    leaving.refresh_from_db()
    assert leaving.erasure_due_at is None and leaving.email.endswith("@erased.invalid")
    assert not CheckIn.objects.filter(patient=leaving).exists()
    assert not AuditEvent.objects.filter(action="account.erasure_cancelled").exists()


def test_a_locked_out_account_cannot_cancel_its_erasure_even_with_the_password(
    leaving, settings
) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(REMOTE_ADDR=f"10.0.1.{n + 1}"), leaving.email, WRONG)
    client = Client(REMOTE_ADDR="10.9.9.9")
    response = log_in(client, leaving.email, PASSWORD)
    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert not signed_in(client)
    leaving.refresh_from_db()
    assert not leaving.is_active and leaving.erasure_due_at is not None


def test_an_ordinary_login_shows_no_cancellation_message(patient) -> None:
    client = Client()
    response = log_in(client, patient.email, PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    home = client.get(response["Location"], follow=True)
    assert ERASURE_CANCELLED not in home.content.decode()
