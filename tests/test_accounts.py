"""Accounts: invitation-only enrollment, login by email, deactivation, password reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import AuditEvent, Invitation, Role, User
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def _token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def _open(client, link: str) -> str:
    """Follow an emailed link: its token moves into the session; the form's URL has none."""
    response = client.get(reverse("enroll", args=[_token(link)]))
    assert response.status_code == 302
    assert response["Location"] == reverse("enroll-set-password")
    assert _token(link) not in response["Location"]
    return response["Location"]


def _visit(link: str):
    """A fresh browser opening the link, redirect followed."""
    return client_for(None).get(reverse("enroll", args=[_token(link)]), follow=True)


@pytest.fixture
def invited(clinic_admin, django_capture_on_commit_callbacks) -> tuple[User, str]:
    with django_capture_on_commit_callbacks(execute=True):
        user, link = services.create_account(
            actor=clinic_admin,
            email="New.Person@Example.test",
            display_name="New Person",
            role=Role.PATIENT,
        )
    return user, link


def test_admin_created_account_has_no_usable_password_and_an_emailed_link(invited) -> None:
    user, link = invited
    assert user.email == "new.person@example.test"
    assert not user.has_usable_password()
    assert link.startswith("http") and "/enroll/" in link
    # Only a hash of the token is stored.
    assert not Invitation.objects.filter(token_hash=_token(link)).exists()
    assert any(link in m.body for m in mail.outbox)


def test_following_the_link_sets_password_and_time_zone_and_logs_in(client, invited) -> None:
    user, link = invited
    url = _open(client, link)
    page = client.get(url)
    assert page.status_code == 200
    assert "New Person" in page.content.decode()
    response = client.post(
        url, {"password1": PASSWORD, "password2": PASSWORD, "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.time_zone == "Europe/Berlin"
    assert client.get(reverse("journal:patient-home")).status_code == 200
    assert AuditEvent.objects.filter(action="enrollment.completed", subject=user).exists()


def test_an_enrollment_link_works_only_once(client, invited) -> None:
    _, link = invited
    url = _open(client, link)
    client.post(url, {"password1": PASSWORD, "password2": PASSWORD, "time_zone": "UTC"})
    again = _visit(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_an_expired_link_gets_a_clear_page_and_sets_nothing(invited) -> None:
    user, link = invited
    Invitation.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = client_for(None)
    url = _open(client, link)
    response = client.post(url, {"password1": PASSWORD, "password2": PASSWORD, "time_zone": "UTC"})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_tampered_link_is_not_found(invited) -> None:
    _, link = invited
    token = _token(link)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = _visit(tampered)
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_resending_a_link_revokes_the_previous_one(clinic_admin, invited) -> None:
    user, first = invited
    second = services.issue_invitation(actor=clinic_admin, user=user)
    assert _visit(first).status_code == 410
    assert _visit(second).status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "too short"),
        ("password1234", "too common"),
        ("new.person.example", "too similar"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(invited, password, message) -> None:
    user, link = invited
    client = client_for(None)
    response = client.post(
        _open(client, link), {"password1": password, "password2": password, "time_zone": "UTC"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_mismatched_passwords_and_unknown_zone_are_refused(invited) -> None:
    user, link = invited
    client = client_for(None)
    response = client.post(
        _open(client, link),
        {"password1": PASSWORD, "password2": PASSWORD + "x", "time_zone": "Mars/Olympus"},
    )
    body = response.content.decode()
    assert "do not match" in body and "Select a valid choice" in body
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_login_is_by_email_and_case_insensitive_of_the_stored_address(patient) -> None:
    client = client_for(None)
    response = client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("journal:home")).status_code == 302


def test_wrong_password_gets_one_generic_message(patient) -> None:
    client = client_for(None)
    known = client.post(reverse("login"), {"username": patient.email, "password": "nope" * 4})
    unknown = client.post(reverse("login"), {"username": "no@one.test", "password": "nope" * 4})
    assert known.status_code == unknown.status_code == 200
    assert "Wrong email or password" in known.content.decode()
    assert "Wrong email or password" in unknown.content.decode()


def test_deactivation_ends_existing_sessions_and_blocks_login(clinic_admin, patient) -> None:
    client = client_for(None)
    client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert client.get(reverse("journal:patient-home")).status_code == 200
    services.deactivate_account(actor=clinic_admin, user=patient)
    after = client.get(reverse("journal:patient-home"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))
    again = client_for(None).post(
        reverse("login"), {"username": patient.email, "password": PASSWORD}
    )
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action="account.deactivate", subject=patient).exists()


def test_an_admin_cannot_deactivate_themselves(clinic_admin) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.deactivate_account(actor=clinic_admin, user=clinic_admin)
    clinic_admin.refresh_from_db()
    assert clinic_admin.is_active


def test_there_is_no_public_sign_up() -> None:
    from django.urls import NoReverseMatch

    for name in ("signup", "register", "journal:signup"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


def test_password_reset_sends_a_short_lived_link(patient, settings) -> None:
    assert settings.PASSWORD_RESET_TIMEOUT <= 60 * 60
    client = client_for(None)
    response = client.post(reverse("password_reset"), {"email": patient.email})
    assert response.status_code == 302
    assert len([m for m in mail.outbox if "Reset your Aftercare password" in m.subject]) == 1


def test_clinic_admin_enrolls_through_the_console_and_the_link_is_emailed(
    clinic_admin, django_capture_on_commit_callbacks
) -> None:
    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:journal_user_add"),
            {
                "email": "doc@clinic.test",
                "display_name": "Doc New",
                "role": "provider",
                "time_zone": "Europe/London",
            },
            follow=True,
        )
    assert response.status_code == 200
    user = User.objects.get(email="doc@clinic.test")
    assert user.role == Role.PROVIDER and user.provider_code
    body = response.content.decode()
    assert "Enrollment link emailed to doc@clinic.test" in body and "/enroll/" not in body
    assert [m.to for m in mail.outbox if "/enroll/" in m.body] == [["doc@clinic.test"]]


def test_clinic_admin_deactivates_through_the_console(clinic_admin, patient) -> None:
    client = client_for(clinic_admin)
    client.post(
        reverse("admin:journal_user_changelist"),
        {"action": "deactivate", "_selected_action": [patient.pk]},
    )
    patient.refresh_from_db()
    assert not patient.is_active


def test_clinic_settings_changes_are_audited(clinic_admin) -> None:
    services.update_clinic_settings(actor=clinic_admin, values={"severe_systolic": 170})
    # The latest one: setting up the personas already gave the clinic its phone numbers.
    event = AuditEvent.objects.filter(action="clinic.settings_change").latest("pk")
    assert event.detail == {"severe_systolic": ["180", "170"]}


def test_audit_records_cannot_be_changed_or_deleted(clinic_admin) -> None:
    from django.core.exceptions import ValidationError

    event = services.record_audit(action="test.event", actor=clinic_admin, detail={"x": "a\nb"})
    assert event.detail == {"x": "a\\x0ab"}
    event.outcome = "tampered"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_the_console_saves_name_and_time_zone_through_the_service(clinic_admin, patient):
    response = client_for(clinic_admin).post(
        reverse("admin:journal_user_change", args=[patient.pk]),
        {"display_name": "Renamed Patient", "time_zone": "Europe/London"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.display_name, patient.time_zone) == ("Renamed Patient", "Europe/London")
    event = AuditEvent.objects.get(action="account.update", subject=patient)
    assert event.actor == clinic_admin
    assert event.detail == {"fields": ["display_name", "time_zone"]}


def test_a_role_change_moves_staff_access_with_it_and_is_audited(clinic_admin, provider):
    services.change_role(actor=clinic_admin, user=provider, role=Role.ADMIN)
    provider.refresh_from_db()
    assert provider.role == Role.ADMIN and provider.is_staff
    event = AuditEvent.objects.get(action="account.role_change")
    assert event.actor == clinic_admin
    assert event.detail == {"from": "provider", "to": "admin"}
