"""Log-in under attack: brute force, forged client addresses, open redirects, session fixation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from freezegun import freeze_time

from journal.http import client_ip
from journal.models import AuditEvent
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

WRONG = "not the right password at all"


def attempt(client: Client, email: str, password: str, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_twenty_wrong_passwords_lock_the_account_until_the_cool_off_ends(patient, settings):
    assert settings.AXES_FAILURE_LIMIT == 20
    with freeze_time("2025-03-01 09:00:00") as clock:
        for n in range(20):
            # Different addresses each time: the lock is on the account name itself.
            attempt(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), patient.email, WRONG)
        locked = Client(REMOTE_ADDR="10.9.9.9")
        response = attempt(locked, patient.email.upper(), PASSWORD)
        assert response.status_code == 200
        assert "Wrong email or password" in response.content.decode()
        assert not signed_in(locked)

        clock.tick(timedelta(minutes=14))
        assert not signed_in(_login(patient.email))

        clock.tick(timedelta(minutes=2))  # 16 minutes after the lock: it ended by itself
        assert signed_in(_login(patient.email))


def _login(email: str) -> Client:
    client = Client(REMOTE_ADDR="10.9.9.9")
    attempt(client, email, PASSWORD)
    return client


def test_a_locked_account_answers_exactly_like_an_unknown_one(patient):
    for _ in range(20):
        attempt(Client(), patient.email, WRONG)
        attempt(Client(REMOTE_ADDR="10.1.1.1"), "nobody@clinic.test", WRONG)
    known = attempt(Client(REMOTE_ADDR="10.2.2.2"), patient.email, PASSWORD)
    unknown = attempt(Client(REMOTE_ADDR="10.3.3.3"), "nobody@clinic.test", PASSWORD)
    fresh_unknown = attempt(Client(REMOTE_ADDR="10.4.4.4"), "other@clinic.test", WRONG)
    assert known.status_code == unknown.status_code == fresh_unknown.status_code == 200

    def alert(response) -> str:
        body = response.content.decode()
        start = body.index('id="login-error"')
        return body[start : body.index("</div>", start)]

    assert alert(known) == alert(unknown) == alert(fresh_unknown)


def test_one_address_is_locked_after_twenty_failures_across_account_names(patient):
    for n in range(20):
        attempt(Client(REMOTE_ADDR="203.0.113.7"), f"guess{n}@clinic.test", WRONG)
    blocked = Client(REMOTE_ADDR="203.0.113.7")
    attempt(blocked, patient.email, PASSWORD)
    assert not signed_in(blocked)
    elsewhere = Client(REMOTE_ADDR="198.51.100.1")
    attempt(elsewhere, patient.email, PASSWORD)
    assert signed_in(elsewhere)


def test_forged_x_forwarded_for_is_ignored_without_a_trusted_proxy(patient, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(20):
        attempt(
            Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"),
            f"guess{n}@clinic.test",
            WRONG,
        )
    forged = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.200")
    attempt(forged, patient.email, PASSWORD)
    assert not signed_in(forged)
    event = AuditEvent.objects.filter(action="login", outcome="failure").first()
    assert event.ip == "203.0.113.7"


def test_x_forwarded_for_is_honoured_only_as_far_as_the_trusted_proxies(patient, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(20):
        # Each request reached the proxy from a different client address.
        attempt(
            Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"6.6.6.6, 192.0.2.{n}"),
            f"guess{n}@clinic.test",
            WRONG,
        )
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.200")
    attempt(client, patient.email, PASSWORD)
    assert signed_in(client)
    assert AuditEvent.objects.filter(action="login", outcome="failure", ip="192.0.2.3").exists()


@pytest.mark.parametrize(
    ("count", "header", "expected"),
    [
        (0, "1.2.3.4", "127.0.0.1"),
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.5", "1.2.3.4"),
        (1, "not-an-address", "127.0.0.1"),
        (1, "", "127.0.0.1"),
    ],
)
def test_client_ip_trusts_exactly_the_configured_proxies(settings, count, header, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == expected


def test_lockouts_are_in_the_audit_log_without_the_typed_name(patient):
    for _ in range(20):
        attempt(Client(), "Attacker.Guess@clinic.test", WRONG)
    event = AuditEvent.objects.get(action="login.lockout")
    assert event.outcome == "locked" and event.subject is None
    assert event.attempted_hash and "guess" not in str(event.detail).lower()
    for _ in range(20):
        attempt(Client(REMOTE_ADDR="10.7.7.7"), patient.email, WRONG)
    assert AuditEvent.objects.filter(action="login.lockout", subject=patient).exists()


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/", "/\\evil.example", "///evil.example"]
)
def test_login_refuses_to_redirect_off_site(patient, target):
    client = Client()
    response = client.post(
        f"{reverse('login')}?next={target}", {"username": patient.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]
    page = Client().get(reverse("login"), {"next": target})
    assert "evil.example" not in page.content.decode()


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example"])
def test_logout_refuses_to_redirect_off_site(patient, target):
    client = client_for(patient)
    response = client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_logout_is_post_only(patient):
    client = client_for(patient)
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in(client)


def test_post_only_security_views_answer_405_to_other_methods(patient):
    client = client_for(patient)
    for name in ("journal:mfa-remove", "journal:mfa-recovery-codes"):
        assert client.get(reverse(name)).status_code == 405
        assert client.put(reverse(name)).status_code == 405
    assert client.delete(reverse("journal:account-settings")).status_code == 405


def test_the_session_key_changes_at_login(patient):
    client = Client()
    client.get(reverse("login"))
    client.post(reverse("password_reset"), {"email": "x@clinic.test"})  # creates a session
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    attempt(client, patient.email, PASSWORD)
    assert client.session.session_key != before
    assert client.session.get("probe") == 1  # same session data, new key


def test_an_old_session_cookie_is_rejected_after_logout(patient):
    client = Client()
    attempt(client, patient.email, PASSWORD)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    thief = Client()
    thief.cookies["sessionid"] = stolen
    response = thief.get(reverse("journal:patient-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_admin_console_has_no_log_in_form_of_its_own(patient):
    response = Client().get("/clinic-admin/login/?next=/clinic-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_clinic_admin_can_lift_a_lock_before_the_cool_off(patient, clinic_admin):
    for _ in range(20):
        attempt(Client(REMOTE_ADDR="10.5.5.5"), patient.email, WRONG)
    assert not signed_in(_login(patient.email))
    client_for(clinic_admin).post(
        reverse("admin:journal_user_changelist"),
        {"action": "unlock_login", "_selected_action": [patient.pk]},
    )
    assert signed_in(_login(patient.email))
    assert AuditEvent.objects.filter(action="login.unlock", subject=patient).exists()
