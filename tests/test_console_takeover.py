"""The clinic console cannot be used to take over an enrolled account.

Enrollment links exist only for accounts that never set a password; an enrolled person who
lost access gets a password reset email at their own address; no console page ever shows a
link that sets a password; every console action is audited as the admin's.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.admin import clinic_admin_site
from journal.models import AuditEvent, Invitation, Role, User
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

# Anything a browser could follow to choose a password or get a session.
CREDENTIAL_LINK = re.compile(r"/(enroll|password-reset)/[^\s\"'<]+")
CHANGELIST = "admin:journal_user_changelist"


def _act(client: Client, action: str, user: User):
    return client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [user.pk]}, follow=True
    )


def _pending_links(user: User) -> int:
    pending = Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True)
    return pending.count()


def test_reset_mfa_then_resend_enrollment_gives_the_admin_nothing(
    clinic_admin, patient, django_capture_on_commit_callbacks
) -> None:
    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "reset_mfa", patient)
        response = _act(client, "resend_enrollment", patient)
    body = response.content.decode()
    assert "already enrolled" in body and "password reset email" in body
    assert not CREDENTIAL_LINK.search(body)
    assert _pending_links(patient) == 0
    assert not [m for m in mail.outbox if "/enroll/" in m.body]
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
    refused = AuditEvent.objects.get(action="enrollment.link_issued", outcome="refused")
    assert (refused.actor, refused.subject) == (clinic_admin, patient)


def test_an_enrolled_account_has_enrolled_and_a_new_one_has_not(clinic_admin, patient) -> None:
    assert patient.has_enrolled
    fresh, _ = services.create_account(
        actor=clinic_admin, email="new@clinic.test", display_name="New", role=Role.PATIENT
    )
    assert not fresh.has_enrolled


def test_the_service_refuses_an_enrollment_link_for_an_enrolled_account(
    clinic_admin, patient
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="already enrolled"):
        services.issue_invitation(actor=clinic_admin, user=patient)
    assert _pending_links(patient) == 0


def test_a_link_left_over_from_before_enrollment_cannot_reset_the_password(patient) -> None:
    # e.g. a link issued before this rule existed, still unexpired in someone's hands
    token = "left-over-token"
    now = timezone.now()
    Invitation.objects.create(
        user=patient,
        token_hash=services.accounts._hash_token(token),
        created_at=now,
        expires_at=now + timedelta(hours=24),
    )
    attacker = client_for(None)
    url = attacker.get(reverse("enroll", args=[token]))["Location"]
    assert attacker.get(url).status_code == 410
    response = attacker.post(
        url, {"password1": "admin chosen pass 42", "password2": "admin chosen pass 42"}
    )
    assert response.status_code == 410
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
    assert "_auth_user_id" not in attacker.session


def test_the_console_emails_enrollment_links_and_never_shows_them(
    clinic_admin, django_capture_on_commit_callbacks
) -> None:
    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            reverse("admin:journal_user_add"),
            {
                "email": "nova@clinic.test",
                "display_name": "Nova",
                "role": "patient",
                "time_zone": "UTC",
            },
            follow=True,
        )
        nova = User.objects.get(email="nova@clinic.test")
        resent = _act(client, "resend_enrollment", nova)
    for response in (created, resent):
        body = response.content.decode()
        assert "emailed to nova@clinic.test" in body
        assert not CREDENTIAL_LINK.search(body)
    links = [m for m in mail.outbox if "/enroll/" in m.body]
    assert len(links) == 2 and all(m.to == ["nova@clinic.test"] for m in links)
    issued = AuditEvent.objects.filter(action="enrollment.link_issued", subject=nova)
    assert {e.actor for e in issued} == {clinic_admin} and issued.count() == 2


def test_the_console_sends_a_password_reset_to_the_persons_own_address(
    clinic_admin, patient, settings
) -> None:
    settings.SITE_URL = "https://aftercare.example.test"
    response = _act(client_for(clinic_admin), "send_password_reset", patient)
    body = response.content.decode()
    assert f"Password reset email sent to {patient.email}" in body
    assert not CREDENTIAL_LINK.search(body)
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert "https://aftercare.example.test/password-reset/" in message.body
    event = AuditEvent.objects.get(action="password.reset_sent_by_staff")
    assert (event.actor, event.subject) == (clinic_admin, patient)


def test_a_password_reset_for_someone_not_yet_enrolled_points_to_the_enrollment_link(
    clinic_admin,
) -> None:
    fresh, _ = services.create_account(
        actor=clinic_admin, email="new@clinic.test", display_name="New", role=Role.PATIENT
    )
    mail.outbox.clear()
    body = _act(client_for(clinic_admin), "send_password_reset", fresh).content.decode()
    assert "not enrolled yet" in body
    assert not mail.outbox


@pytest.mark.parametrize("persona", ["patient", "provider"])
def test_no_console_action_on_an_enrolled_account_yields_a_credential_or_session(
    personas, persona, django_capture_on_commit_callbacks
) -> None:
    clinic_admin = personas.clinic_admin
    target = getattr(personas, persona)
    client = client_for(clinic_admin)
    request = RequestFactory().get("/")
    request.user = clinic_admin
    actions = set(clinic_admin_site._registry[User].get_actions(request)) - {"delete_selected"}
    assert {"resend_enrollment", "send_password_reset", "reset_mfa"} <= actions
    audited_before = AuditEvent.objects.filter(subject=target).count()
    with django_capture_on_commit_callbacks(execute=True):
        # Deactivation first would make every later action trivially refused.
        for action in sorted(actions, key=lambda a: (a in {"deactivate", "reactivate"}, a)):
            body = _act(client, action, target).content.decode()
            assert not CREDENTIAL_LINK.search(body), action
            assert str(client.session["_auth_user_id"]) == str(clinic_admin.pk), action
            change = client.get(reverse("admin:journal_user_change", args=[target.pk]))
            assert not CREDENTIAL_LINK.search(change.content.decode()), action
    # Whatever was mailed went to the person's own address only.
    assert mail.outbox and all(m.to == [target.email] for m in mail.outbox)
    assert _pending_links(target) == 0
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    # Every action is on record as the admin's, none as the person's own.
    events = AuditEvent.objects.filter(subject=target).order_by("pk")[audited_before:]
    assert len(events) >= len(actions)
    assert all(e.actor_id == clinic_admin.pk for e in events)
