"""Changing the login email: a single-use, short-lived link to the new address, applied only by
its own account while logged in; the old address is told."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal.models import AuditEvent, EmailChangeRequest
from journal.services import data_rights, security
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

NEW = "pat.new@clinic.test"


def ask(client, email: str = "Pat.New@Clinic.test"):
    return client.post(reverse("journal:email-change"), {"email": email})


def link_path() -> str:
    """The path of the confirmation link in the latest mail to the new address."""
    message = [m for m in mail.outbox if NEW in m.to][-1]
    url = re.search(r"https?://\S+", message.body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def token_in(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


def base64_forms(text: str) -> set[str]:
    """Every run of base64 (plain and URL-safe) that `text` produces wherever it sits in an
    encoded payload: the three byte alignments, minus the characters its neighbours change."""
    forms = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + text.encode()).decode().rstrip("=")
        core = encoded[(8 * shift + 5) // 6 : -2]
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def confirm(client, path: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(path)


def test_asking_changes_nothing_and_mails_a_link_to_the_new_address_only(patient) -> None:
    client = client_for(patient)
    response = ask(client)
    assert response.status_code == 302 and response["Location"] == reverse(
        "journal:account-settings"
    )
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"
    assert [m.to for m in mail.outbox] == [[NEW]]
    assert link_path().startswith("/account/email/confirm/")
    assert "confirmation link" in client.get(reverse("journal:account-settings")).content.decode()
    assert AuditEvent.objects.filter(action="account.email_change_requested").count() == 1


def test_following_the_link_shows_a_confirmation_then_applies_and_tells_the_old_address(
    patient, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    ask(client)
    path = link_path()
    opened = client.get(path)
    # The token leaves the URL: the confirmation lives at a path without it.
    pending = reverse("journal:email-change-confirm-pending")
    assert opened.status_code == 302 and opened["Location"] == pending
    page = client.get(pending)
    assert page.status_code == 200 and NEW in page.content.decode()
    assert token_in(path) not in page.content.decode()
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"  # a GET (a mail scanner) changes nothing
    response = confirm(client, pending, django_capture_on_commit_callbacks)
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


def test_a_tampered_or_unknown_link_is_refused(patient) -> None:
    client = client_for(patient)
    ask(client)
    token = token_in(link_path())
    for bad in (token[:-2] + ("xx" if not token.endswith("xx") else "yy"), "not-a-token"):
        response = client.post(reverse("journal:email-change-confirm", args=[bad]))
        assert response.status_code == 404 and "cannot be used" in response.content.decode()
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"
    assert client.get(link_path()).status_code == 302, "the real link still works"


def test_the_confirmation_page_needs_the_link_opened_in_this_session(
    patient, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    ask(client)
    pending = reverse("journal:email-change-confirm-pending")
    assert client.get(pending).status_code == 404
    assert confirm(client, pending, django_capture_on_commit_callbacks).status_code == 404
    other = client_for(patient)  # another session of the same person
    other.get(link_path())
    assert confirm(client, pending, django_capture_on_commit_callbacks).status_code == 404
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"
    assert confirm(other, pending, django_capture_on_commit_callbacks).status_code == 302
    patient.refresh_from_db()
    assert patient.email == NEW
    assert "email_change_token" not in other.session


def test_the_link_names_neither_address_and_only_its_hash_is_stored(patient) -> None:
    ask(client_for(patient))
    path = link_path()
    for address in ("pat@clinic.test", NEW):
        assert address not in path
        for encoded in base64_forms(address):
            assert encoded not in path, (address, encoded)
    pending = EmailChangeRequest.objects.get(user=patient)
    assert pending.new_email == NEW
    assert pending.token_hash == hashlib.sha256(token_in(path).encode()).hexdigest()
    assert token_in(path) not in pending.token_hash


def test_a_new_request_revokes_the_earlier_link(
    patient, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    ask(client, "first.try@clinic.test")
    first = "/" + re.search(r"https?://\S+", mail.outbox[-1].body).group(0).split("/", 3)[3]
    ask(client)
    second = link_path()
    assert client.post(first).status_code == 404
    assert EmailChangeRequest.objects.filter(user=patient).count() == 1
    assert confirm(client, second, django_capture_on_commit_callbacks).status_code == 302
    patient.refresh_from_db()
    assert patient.email == NEW


def test_any_email_change_spends_a_pending_link(patient) -> None:
    client = client_for(patient)
    ask(client)
    path = link_path()
    security.change_email(user=patient, new_email="pat.other@clinic.test")
    assert client.post(path).status_code == 404
    patient.refresh_from_db()
    assert patient.email == "pat.other@clinic.test"


def test_a_used_link_is_kept_as_used_and_cannot_be_used_again(
    patient, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    ask(client)
    path = link_path()
    confirm(client, path, django_capture_on_commit_callbacks)
    assert EmailChangeRequest.objects.get(user=patient).used_at is not None
    with pytest.raises(ValidationError):
        security.confirm_email_change(user=patient, token=token_in(path))


def test_a_failed_mail_leaves_no_pending_request(patient, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(security, "send_mail", broken)
    ask(client_for(patient))
    assert not EmailChangeRequest.objects.filter(user=patient).exists()


def test_purging_deletes_used_and_expired_requests_only(
    patient, other_patient, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    ask(client_for(patient))  # used below
    confirm(client_for(patient), link_path(), django_capture_on_commit_callbacks)
    with freeze_time(timezone.now() - security.EMAIL_CHANGE_MAX_AGE - timedelta(minutes=1)):
        security.request_email_change(
            user=other_patient, new_email="olive.old@clinic.test", confirm_url=str
        )
    security.request_email_change(
        user=clinic_admin, new_email="admin.new@clinic.test", confirm_url=str
    )
    out = StringIO()
    call_command("purge_submission_tokens", stdout=out)
    assert "Deleted 2 used or expired email-change request(s)." in out.getvalue()
    assert list(EmailChangeRequest.objects.values_list("user", flat=True)) == [clinic_admin.pk]


def test_erasing_an_account_deletes_its_pending_email_change(patient, other_patient) -> None:
    ask(client_for(patient))
    security.request_email_change(
        user=other_patient, new_email="olive.new@clinic.test", confirm_url=str
    )
    data_rights.request_erasure(user=patient, password=PASSWORD)
    with freeze_time(timezone.now() + timedelta(days=400)):
        assert data_rights.erase_due_accounts() == [patient.pk]
    assert not EmailChangeRequest.objects.filter(user=patient).exists()
    assert EmailChangeRequest.objects.filter(user=other_patient).exists()


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
