"""Two-step verification (TOTP + recovery codes), attacked the way an intruder would."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from journal.models import AuditEvent
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app would show right now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def password_login(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_provider_without_mfa_cannot_reach_provider_pages_or_the_admin(provider, clinic_admin):
    for user, pages in [
        (provider, [reverse("journal:provider-home"), reverse("journal:home")]),
        (clinic_admin, [reverse("journal:admin-home"), reverse("admin:index")]),
    ]:
        client = password_login(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 302, page
            assert response["Location"].startswith(reverse("journal:mfa-setup")), page
        # The console refuses on its own too, even if the middleware were bypassed.
        from django.test import RequestFactory

        from journal.admin import clinic_admin_site

        request = RequestFactory().get("/clinic-admin/")
        request.user = user
        user.is_verified = lambda: False
        assert not clinic_admin_site.has_permission(request)


def test_provider_with_a_device_must_verify_before_any_page(provider):
    confirmed_device(provider)
    client = password_login(provider)
    response = client.get(reverse("journal:provider-home"))
    assert response["Location"].startswith(reverse("journal:mfa-verify"))
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("journal:mfa-verify"))


def test_set_up_shows_a_server_rendered_qr_code_and_recovery_codes_once(provider):
    client = password_login(provider)
    page = client.get(reverse("journal:mfa-setup"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "<script>" not in body and "style=" not in body
    device = TOTPDevice.objects.get(user=provider, confirmed=False)
    # Reloading keeps the same secret (the QR code does not change under the person).
    client.get(reverse("journal:mfa-setup"))
    assert TOTPDevice.objects.filter(user=provider).count() == 1

    response = client.post(
        reverse("journal:mfa-setup"), {"code": code_for(device), "next": "/provider/"}
    )
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    # Verified in this session now: provider pages open.
    assert client.get(reverse("journal:provider-home")).status_code == 200
    # Shown once: nothing on any later page repeats them.
    account = client.get(reverse("journal:account-settings")).content.decode()
    assert not any(code in account for code in codes)
    assert "10 unused recovery codes" in account
    assert AuditEvent.objects.filter(action="mfa.setup", subject=provider, outcome="success")


def test_a_wrong_set_up_code_keeps_mfa_off(provider):
    client = password_login(provider)
    client.get(reverse("journal:mfa-setup"))
    response = client.post(reverse("journal:mfa-setup"), {"code": "000000"})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=provider, confirmed=True).exists()
    assert AuditEvent.objects.filter(action="mfa.setup", outcome="failure").exists()


def test_a_used_totp_code_cannot_be_replayed(provider):
    device = confirmed_device(provider)
    with freeze_time("2025-03-01 12:00:00"):
        code = code_for(device)
        first = password_login(provider)
        ok = first.post(reverse("journal:mfa-verify"), {"code": code, "next": "/provider/"})
        assert ok.status_code == 302 and ok["Location"] == "/provider/"
        assert first.get(reverse("journal:provider-home")).status_code == 200

    # An attacker who watched the code tries it again within its validity window.
    with freeze_time("2025-03-01 12:00:10"):
        attacker = password_login(provider)
        replay = attacker.post(reverse("journal:mfa-verify"), {"code": code})
        assert replay.status_code == 200
        assert "already been used" in replay.content.decode()
        assert attacker.get(reverse("journal:provider-home")).status_code == 302


def test_wrong_codes_are_throttled_even_before_a_right_one(provider):
    device = confirmed_device(provider)
    with freeze_time("2025-03-01 12:00:00") as clock:
        client = password_login(provider)
        for _ in range(2):
            client.post(reverse("journal:mfa-verify"), {"code": "123456"})
            clock.tick(1.5)
        device.refresh_from_db()
        # Each failure doubles the wait (1 s, 2 s, 4 s, ...).
        assert device.throttling_failure_count == 2
        # The right code within the back-off window is refused without being checked.
        refused = client.post(reverse("journal:mfa-verify"), {"code": code_for(device)})
        assert "Too many wrong codes" in refused.content.decode()
        assert client.get(reverse("journal:provider-home")).status_code == 302
        assert AuditEvent.objects.filter(action="mfa.verify", outcome="throttled").exists()
        assert AuditEvent.objects.filter(action="mfa.verify", outcome="failure").count() == 2
        device.refresh_from_db()
        assert device.throttling_failure_count == 2
        # After the back-off the right code works and the counter resets.
        clock.tick(3)
        accepted = client.post(reverse("journal:mfa-verify"), {"code": code_for(device)})
        assert accepted.status_code == 302
        assert client.get(reverse("journal:provider-home")).status_code == 200
        device.refresh_from_db()
        assert device.throttling_failure_count == 0


def test_a_recovery_code_works_once_and_is_audited(provider):
    device = confirmed_device(provider)
    from journal.services import security

    codes = security.regenerate_recovery_codes(user=provider)
    client = password_login(provider)
    response = client.post(reverse("journal:mfa-verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("journal:provider-home")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert AuditEvent.objects.filter(action="mfa.recovery_code_used", subject=provider).exists()

    again = password_login(provider)
    reused = again.post(reverse("journal:mfa-verify"), {"code": codes[0]})
    assert reused.status_code == 200
    assert again.get(reverse("journal:provider-home")).status_code == 302
    assert device.pk  # the authenticator itself is untouched


def test_verifying_rotates_the_session_key(provider):
    device = confirmed_device(provider)
    client = password_login(provider)
    before = client.cookies["sessionid"].value
    client.post(reverse("journal:mfa-verify"), {"code": code_for(device)})
    assert client.cookies["sessionid"].value != before


def test_verify_refuses_an_external_next(provider):
    device = confirmed_device(provider)
    client = password_login(provider)
    response = client.post(
        reverse("journal:mfa-verify"), {"code": code_for(device), "next": "//evil.example"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:provider-home")


def test_mfa_is_optional_for_patients_but_enforced_once_switched_on(patient):
    client = client_for(patient)
    assert client.get(reverse("journal:patient-home")).status_code == 200
    client.get(reverse("journal:mfa-setup"))
    device = TOTPDevice.objects.get(user=patient)
    done = client.post(reverse("journal:mfa-setup"), {"code": code_for(device)})
    assert done.status_code == 200 and len(done.context["codes"]) == 10

    later = password_login(patient)
    response = later.get(reverse("journal:patient-home"))
    assert response["Location"].startswith(reverse("journal:mfa-verify"))


def test_switching_mfa_on_ends_the_other_sessions(patient):
    elsewhere = client_for(patient)
    client = client_for(patient)
    client.get(reverse("journal:mfa-setup"))
    device = TOTPDevice.objects.get(user=patient)
    client.post(reverse("journal:mfa-setup"), {"code": code_for(device)})
    assert elsewhere.get(reverse("journal:patient-home")).status_code == 302
    assert client.get(reverse("journal:patient-home")).status_code == 200


def test_staff_who_replace_their_authenticator_must_set_up_a_new_one(provider):
    client = client_for(provider)
    response = client.post(reverse("journal:mfa-remove"))
    assert response["Location"] == reverse("journal:mfa-setup")
    assert not TOTPDevice.objects.filter(user=provider).exists()
    blocked = client.get(reverse("journal:provider-home"))
    assert blocked["Location"].startswith(reverse("journal:mfa-setup"))
    assert AuditEvent.objects.filter(action="mfa.remove", subject=provider).exists()


def test_patient_can_turn_mfa_off_and_regenerate_codes(patient):
    device = confirmed_device(patient)
    client = password_login(patient)
    client.post(reverse("journal:mfa-verify"), {"code": code_for(device)})
    page = client.post(reverse("journal:mfa-recovery-codes"))
    assert page.status_code == 200 and len(page.context["codes"]) == 10
    assert AuditEvent.objects.filter(action="mfa.recovery_codes_regenerated").exists()
    off = client.post(reverse("journal:mfa-remove"))
    assert off["Location"] == reverse("journal:account-settings")
    assert client.get(reverse("journal:patient-home")).status_code == 200
    assert not TOTPDevice.objects.filter(user=patient).exists()


def test_device_secrets_are_not_in_the_admin_console(clinic_admin):
    from journal.admin import clinic_admin_site

    registered = {model._meta.model_name for model in clinic_admin_site._registry}
    assert "totpdevice" not in registered and "staticdevice" not in registered
    response = client_for(clinic_admin).get(reverse("admin:index"))
    assert response.status_code == 200


def test_a_clinic_admin_can_reset_lost_mfa_which_ends_that_persons_sessions(provider, clinic_admin):
    provider_client = client_for(provider)
    client_for(clinic_admin).post(
        reverse("admin:journal_user_changelist"),
        {"action": "reset_mfa", "_selected_action": [provider.pk]},
    )
    assert not TOTPDevice.objects.filter(user=provider).exists()
    assert provider_client.get(reverse("journal:provider-home"))["Location"].startswith(
        reverse("login")
    )
    fresh = password_login(provider)
    assert fresh.get(reverse("journal:provider-home"))["Location"].startswith(
        reverse("journal:mfa-setup")
    )
    assert AuditEvent.objects.filter(action="mfa.remove", subject=provider).exists()


def test_a_right_set_up_code_during_the_back_off_says_wait_rather_than_wrong(provider):
    with freeze_time("2025-03-01 12:00:00") as clock:
        client = password_login(provider)
        client.get(reverse("journal:mfa-setup"))
        device = TOTPDevice.objects.get(user=provider, confirmed=False)
        wrong = client.post(reverse("journal:mfa-setup"), {"code": "000000"})
        assert "not right" in wrong.content.decode()
        clock.tick(0.5)
        # Retyped at once: django-otp refuses every code for a second after a wrong one.
        early = client.post(reverse("journal:mfa-setup"), {"code": code_for(device)})
        body = early.content.decode()
        assert early.status_code == 200
        assert "Too many wrong codes. Wait 1 second, then try the newest code." in body
        assert "not right" not in body
        device.refresh_from_db()
        assert not device.confirmed and device.throttling_failure_count == 1
        assert AuditEvent.objects.filter(action="mfa.setup", outcome="throttled").exists()
        # After the wait the same right code switches two-step verification on.
        clock.tick(1)
        done = client.post(reverse("journal:mfa-setup"), {"code": code_for(device)})
        assert done.status_code == 200 and len(done.context["codes"]) == 10
        device.refresh_from_db()
        assert device.confirmed


def test_the_sign_in_back_off_message_says_how_long_to_wait(provider):
    device = confirmed_device(provider)
    with freeze_time("2025-03-01 12:00:00") as clock:
        client = password_login(provider)
        for _ in range(2):
            client.post(reverse("journal:mfa-verify"), {"code": "123456"})
            clock.tick(1.5)
        # Two failures: a 2-second back-off from the second, 0.5 s of it left, rounded up.
        refused = client.post(reverse("journal:mfa-verify"), {"code": code_for(device)})
        assert "Wait 1 second, then try the newest code." in refused.content.decode()
