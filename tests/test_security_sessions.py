"""Session limits, re-authentication before sensitive actions, and account settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from freezegun import freeze_time

from journal import services
from journal.models import AuditEvent, ClinicSettings
from journal.security import recent_auth_required
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new river of lanterns"


def logged_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_idle_session_is_logged_out(patient):
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        clock.tick(timedelta(minutes=29))
        assert client.get(reverse("journal:patient-home")).status_code == 200
        clock.tick(timedelta(minutes=29))  # activity above kept it alive
        assert client.get(reverse("journal:patient-home")).status_code == 200
        clock.tick(timedelta(minutes=31))
        response = client.get(reverse("journal:patient-home"))
        assert logged_out(response)
        assert "next=" in response["Location"]
        assert logged_out(client.get(reverse("journal:patient-home")))
    event = AuditEvent.objects.get(action="session.expired")
    assert event.subject == patient and event.detail == {"reason": "idle"}


def test_staff_idle_timeout_comes_from_clinic_settings(provider, clinic_admin):
    services.update_clinic_settings(actor=clinic_admin, values={"staff_idle_minutes": 10})
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(provider)
        clock.tick(timedelta(minutes=11))
        assert logged_out(client.get(reverse("journal:provider-home")))


def test_a_patient_may_choose_a_longer_idle_timeout(patient):
    client = client_for(patient)
    response = client.post(
        reverse("journal:account"),
        {"display_name": "Pat P", "time_zone": "Europe/Paris", "idle_timeout_minutes": "240"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.idle_timeout_minutes == 240
    assert patient.display_name == "Pat P" and patient.time_zone == "Europe/Paris"
    event = AuditEvent.objects.get(action="account.settings_change")
    assert event.detail == {"fields": ["display_name", "idle_timeout_minutes", "time_zone"]}
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        clock.tick(timedelta(minutes=200))
        assert client.get(reverse("journal:patient-home")).status_code == 200


def test_idle_timeout_choices_are_bounded_and_staff_cannot_pick_one(patient, provider):
    bad = client_for(patient).post(
        reverse("journal:account"),
        {"display_name": "Pat", "time_zone": "UTC", "idle_timeout_minutes": "100000"},
    )
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()
    patient.refresh_from_db()
    assert patient.idle_timeout_minutes is None
    client_for(provider).post(
        reverse("journal:account"),
        {"display_name": "Dr P", "time_zone": "UTC", "idle_timeout_minutes": "480"},
    )
    provider.refresh_from_db()
    assert provider.idle_timeout_minutes is None and provider.display_name == "Dr P"


def test_the_absolute_lifetime_is_enforced_from_login_despite_activity(patient, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    with freeze_time("2025-03-01 08:00:00") as clock:
        client = client_for(patient)
        for _ in range(24):  # busy all day, never idle
            clock.tick(timedelta(minutes=29))
            assert client.get(reverse("journal:patient-home")).status_code == 200
        clock.tick(timedelta(minutes=29))  # 12 h 25 min after log-in
        assert logged_out(client.get(reverse("journal:patient-home")))
    event = AuditEvent.objects.get(action="session.expired")
    assert event.detail == {"reason": "absolute"}


def test_a_session_without_a_login_stamp_is_refused(patient):
    client = client_for(patient)
    session = client.session
    del session["security_auth_at"]
    session.save()
    assert logged_out(client.get(reverse("journal:patient-home")))


# --- Re-authentication ---------------------------------------------------------------------


def stale(client: Client) -> Client:
    """Pretend the last proof of identity was long ago."""
    session = client.session
    session["security_reauth_at"] = session["security_reauth_at"] - 3600
    session.save()
    return client


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "journal:password-change"),
        ("post", "journal:password-change"),
        ("get", "journal:email-change"),
        ("post", "journal:email-change"),
        ("get", "journal:mfa-setup"),
        ("post", "journal:mfa-remove"),
        ("post", "journal:mfa-recovery-codes"),
    ],
)
def test_sensitive_actions_require_recent_reauthentication(patient, method, name):
    client = stale(client_for(patient))
    response = getattr(client, method)(reverse(name), {"email": "x@evil.example"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("journal:reauth"))
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"


def test_reauthentication_with_the_password_returns_to_the_page(patient):
    client = stale(client_for(patient))
    target = reverse("journal:email-change")
    wrong = client.post(reverse("journal:reauth"), {"password": "nope nope nope", "next": target})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    ok = client.post(reverse("journal:reauth"), {"password": PASSWORD, "next": target})
    assert ok.status_code == 302 and ok["Location"] == target
    assert client.get(target).status_code == 200
    assert AuditEvent.objects.filter(action="reauth", outcome="failure").count() == 1
    assert AuditEvent.objects.filter(action="reauth", outcome="success").count() == 1


def test_reauthentication_needs_the_code_when_mfa_is_on(provider):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.test_security_mfa import code_for

    client = stale(client_for(provider))
    device = TOTPDevice.objects.get(user=provider)
    page = client.get(reverse("journal:reauth"))
    assert 'name="code"' in page.content.decode()
    no_code = client.post(reverse("journal:reauth"), {"password": PASSWORD, "code": "000000"})
    assert no_code.status_code == 200 and "not right" in no_code.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above started a one-second back-off
    ok = client.post(reverse("journal:reauth"), {"password": PASSWORD, "code": code_for(device)})
    assert ok.status_code == 302
    assert client.get(reverse("journal:password-change")).status_code == 200


def test_reauth_refuses_an_external_next(patient):
    client = stale(client_for(patient))
    response = client.post(
        reverse("journal:reauth"), {"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("journal:account")


def test_the_decorator_protects_any_view(patient, settings):
    settings.REAUTH_MINUTES = 5

    @recent_auth_required
    def export_everything(request):
        return HttpResponse("all the data")

    client = client_for(patient)
    request = RequestFactory().get("/export/?format=csv")
    request.session = client.session
    assert export_everything(request).status_code == 200
    with freeze_time(None) as clock:
        clock.tick(timedelta(minutes=6))
        response = export_everything(request)
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=%2Fexport%2F%3Fformat%3Dcsv"


# --- Password and email --------------------------------------------------------------------


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(patient):
    elsewhere = Client()
    elsewhere.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    client = client_for(patient)
    response = client.post(
        reverse("journal:password-change"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)
    assert client.get(reverse("journal:patient-home")).status_code == 200
    assert logged_out(elsewhere.get(reverse("journal:patient-home")))
    remaining = [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(patient.pk)
    ]
    assert len(remaining) == 1
    assert AuditEvent.objects.filter(action="password.change", subject=patient).exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [("short pass", "too short"), ("password1234", "too common"), ("pat@clinic.test", "similar")],
)
def test_weak_new_passwords_are_refused(patient, password, message):
    response = client_for(patient).post(
        reverse("journal:password-change"), {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 200 and message in response.content.decode()
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_passwords_need_no_composition_rules_and_paste_is_allowed(patient, settings):
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
        "ContextWordValidator",
        "BreachedPasswordValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 12
    # All lower-case letters and spaces: accepted (no "must contain a digit/symbol" rule).
    client = client_for(patient)
    page = client.get(reverse("journal:password-change")).content.decode()
    assert "onpaste" not in page and "oncopy" not in page
    response = client.post(
        reverse("journal:password-change"),
        {"new_password1": "quiet meadow under snow", "new_password2": "quiet meadow under snow"},
    )
    assert response.status_code == 302


def test_argon2_is_the_production_hasher():
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_changing_the_email_needs_a_free_address_and_tells_the_old_one(
    patient, other_patient, django_capture_on_commit_callbacks
):
    from django.core import mail

    client = client_for(patient)
    taken = client.post(reverse("journal:email-change"), {"email": other_patient.email})
    assert taken.status_code == 200 and "cannot be used" in taken.content.decode()
    ok = client.post(reverse("journal:email-change"), {"email": "Pat.New@Clinic.test"})
    assert ok.status_code == 302
    patient.refresh_from_db()
    assert patient.email == "pat@clinic.test"  # not before the new address is confirmed
    link = next(m for m in mail.outbox if "pat.new@clinic.test" in m.to).body.split("http://")[1]
    confirm = "/" + link.split("/", 1)[1].split()[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm).status_code == 302
    patient.refresh_from_db()
    assert patient.email == "pat.new@clinic.test"
    assert any("pat@clinic.test" in m.to for m in mail.outbox)
    event = AuditEvent.objects.get(action="account.email_change")
    assert "pat" not in str(event.detail)


def test_deactivation_ends_sessions(patient, clinic_admin):
    client = client_for(patient)
    services.deactivate_account(actor=clinic_admin, user=patient)
    assert logged_out(client.get(reverse("journal:patient-home")))


def test_clinic_settings_default_idle_is_thirty_minutes():
    assert ClinicSettings.load().staff_idle_minutes == 30


def test_a_stale_post_returns_to_the_form_it_came_from_not_elsewhere(patient):
    client = stale(client_for(patient))
    account = "http://testserver" + reverse("journal:account")
    response = client.post(reverse("journal:mfa-recovery-codes"), HTTP_REFERER=account)
    assert response["Location"] == "/account/confirm/?next=%2Faccount%2F"
    evil = client.post(reverse("journal:mfa-recovery-codes"), HTTP_REFERER="https://evil.example/x")
    assert evil["Location"] == "/account/confirm/?next=%2Faccount%2Ftwo-step%2Frecovery-codes%2F"
