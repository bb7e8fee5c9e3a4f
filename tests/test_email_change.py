"""Changing the login email: a single-use, short-lived link to the new address, applied only by
its own account while logged in; the old address is told."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal.models import AuditEvent
from journal.services import security
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

NEW = "pat.new@clinic.test"


def ask(client, email: str = "Pat.New@Clinic.test"):
    return client.post(reverse("journal:email-change"), {"email": email})


def link_path() -> str:
    """The path of the confirmation link in the latest mail to the new address."""
    message = [m for m in mail.outbox if NEW in m.to][-1]
    url = re.search(r"https?://\S+", message.body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def confirm(client, path: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(path)


def test_asking_changes_nothing_and_mails_a_link_to_the_new_address_only(patient) -> None:
    client = client_for(patient)
    response = ask(client)
    assert response.status_code == 302 and response["Location"] == reverse("journal:account")
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"
    assert [m.to for m in mail.outbox] == [[NEW]]
    assert link_path().startswith("/account/email/confirm/")
    assert "confirmation link" in client.get(reverse("journal:account")).content.decode()
    assert AuditEvent.objects.filter(action="account.email_change_requested").count() == 1


def test_following_the_link_shows_a_confirmation_then_applies_and_tells_the_old_address(
    patient, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    ask(client)
    path = link_path()
    page = client.get(path)
    assert page.status_code == 200 and NEW in page.content.decode()
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"  # a GET (a mail scanner) changes nothing
    response = confirm(client, path, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.email == NEW
    notice = [m for m in mail.outbox if "pat@clinic.test" in m.to]
    assert len(notice) == 1 and "was just changed" in notice[0].body
    assert AuditEvent.objects.filter(action="account.email_change", subject=patient).exists()


def test_the_link_works_only_once(patient, django_capture_on_commit_callbacks) -> None:
    client = client_for(patient)
    ask(client)
    path = link_path()
    assert confirm(client, path, django_capture_on_commit_callbacks).status_code == 302
    again = client.post(path)
    assert again.status_code == 404 and "cannot be used" in again.content.decode()


def test_an_expired_link_changes_nothing(patient) -> None:
    client = client_for(patient)
    ask(client)
    path = link_path()
    with freeze_time(timezone.now() + security.EMAIL_CHANGE_MAX_AGE + timedelta(minutes=1)):
        response = client_for(patient).post(path)
    assert response.status_code == 404 and "expired" in response.content.decode()
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"


def test_another_account_cannot_use_the_link(patient, other_patient) -> None:
    ask(client_for(patient))
    path = link_path()
    response = client_for(other_patient).post(path)
    assert response.status_code == 404
    other_patient.refresh_from_db()
    patient.refresh_from_db()
    assert (patient.email, other_patient.email) == ("pat@clinic.test", "olive@clinic.test")


def test_the_link_needs_a_logged_in_session(patient) -> None:
    from django.test import Client

    ask(client_for(patient))
    response = Client().post(link_path())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"


def test_a_tampered_link_is_refused(patient) -> None:
    client = client_for(patient)
    ask(client)
    token = link_path().rstrip("/").rsplit("/", 1)[1]
    forged = security._email_signer().sign_object(
        {"u": patient.pk, "from": "pat@clinic.test", "to": "evil@example.test"}
    )[:-3]
    for bad in (token[:-2] + "xx", forged, "not-a-token"):
        response = client.post(reverse("journal:email-change-confirm", args=[bad]))
        assert response.status_code == 404
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"


def test_an_address_taken_meanwhile_is_refused_with_a_clear_message(patient, other_patient) -> None:
    client = client_for(patient)
    ask(client)
    path = link_path()
    security.change_email(user=other_patient, new_email=NEW)
    response = client.post(path)
    assert response.status_code == 404 and "cannot be used" in response.content.decode()
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"


def test_a_mail_failure_is_a_clear_form_error_not_a_500(patient, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(security, "send_mail", broken)
    response = ask(client_for(patient))
    assert response.status_code == 200
    assert "could not send the confirmation email" in response.content.decode()
