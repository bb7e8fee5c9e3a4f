"""Changing the password needs the current one, even in a fresh session, and mails a notice
without health information to the account's own address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal import services
from journal.models import AuditEvent
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

URL = "journal:password-change"
NEW_PASSWORD = "amber kettle over the quiet hill"
NOTE = "private note about my session"


def _change(client, **fields):
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, **fields}
    return client.post(reverse(URL), data)


def test_the_form_asks_for_the_current_password_first(patient) -> None:
    page = client_for(patient).get(reverse(URL)).content.decode()
    assert 'name="old_password"' in page and 'autocomplete="current-password"' in page
    assert page.index('name="old_password"') < page.index('name="new_password1"')


def test_a_fresh_session_cannot_change_the_password_without_the_current_one(
    patient, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)  # just logged in: re-authentication is recent
    with django_capture_on_commit_callbacks(execute=True):
        missing = _change(client)
        wrong = _change(client, old_password="not my password at all")
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
    assert not mail.outbox
    failed = AuditEvent.objects.get(action="password.change")
    assert (failed.outcome, failed.actor, failed.subject) == ("failure", patient, patient)


def test_the_right_current_password_changes_it_and_mails_a_notice_without_phi(
    patient, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SITE_URL = "https://aftercare.example.test"
    with (
        freeze_time(datetime(2026, 3, 4, 17, 5, tzinfo=UTC), tick=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.log_checkin(
            patient=patient, recorded_at=timezone.now() - timedelta(hours=1), mood=2, note=NOTE
        )
        client = client_for(patient)
        response = _change(client, old_password=PASSWORD)
    assert response.status_code == 302, response.get("Location")
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)
    [notice] = mail.outbox
    assert notice.to == [patient.email]
    assert notice.subject == "Your Aftercare password was changed"
    # When, in the person's own zone (New York is UTC-5 in early March) ...
    assert "4 March 2026 at 12:05 (America/New_York time)" in notice.body
    # ... and what to do if it was not them.
    assert "If it was not you" in notice.body
    assert "https://aftercare.example.test/password-reset/" in notice.body
    for phi in (patient.display_name, NOTE, "mood", "ketamine", "session"):
        assert phi not in notice.body and phi not in notice.subject
    assert AuditEvent.objects.filter(action="password.change", outcome="success").count() == 1


def test_guessing_the_current_password_counts_toward_the_login_lock(patient, settings) -> None:
    client = client_for(patient)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _change(client, old_password="a wrong guess here")
    # Now locked: even the right password is refused and nothing changes.
    _change(client, old_password=PASSWORD)
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
