"""Every security event lands in the audit log with time, account (or name hash), address and
outcome, and never a password, code, recovery code or the typed name."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from journal import services
from journal.models import AuditEvent, Role
from tests.conftest import PASSWORD, client_for
from tests.test_security_mfa import code_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lanterns drifting over the quiet harbour"
TYPED_NAME = "Intruder.Guess@Example.test"


def test_every_security_event_is_audited_without_secrets(
    patient, provider, clinic_admin, django_capture_on_commit_callbacks
):
    secrets: list[str] = [PASSWORD, NEW_PASSWORD, TYPED_NAME.lower(), "intruder"]
    ip = {"REMOTE_ADDR": "198.51.100.23"}

    # Log-in failure (unknown name, known account), success, log-out.
    Client(**ip).post(reverse("login"), {"username": TYPED_NAME, "password": PASSWORD + "x"})
    Client(**ip).post(reverse("login"), {"username": patient.email, "password": "wrong-" * 3})
    client = Client(**ip)
    client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    client.post(reverse("logout"))

    # Lockout.
    for _ in range(20):
        Client(REMOTE_ADDR="198.51.100.99").post(
            reverse("login"), {"username": TYPED_NAME, "password": "guess guess guess"}
        )

    # MFA set-up, failure, recovery-code use, removal.
    mfa = client_for(patient)
    mfa.get(reverse("journal:mfa-setup"))
    device = TOTPDevice.objects.get(user=patient)
    setup_code = code_for(device)
    secrets.append(setup_code)
    codes = mfa.post(reverse("journal:mfa-setup"), {"code": setup_code}).context["codes"]
    secrets.extend(codes)
    again = Client(**ip)
    again.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    again.post(reverse("journal:mfa-verify"), {"code": "999999"})
    device.refresh_from_db()
    device.throttle_reset()  # skip the one-second back-off the wrong code started
    again.post(reverse("journal:mfa-verify"), {"code": codes[3]})
    again.post(reverse("journal:mfa-remove"))

    # Password change, reset requested and completed.
    again.post(
        reverse("journal:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    with django_capture_on_commit_callbacks(execute=True):
        Client(**ip).post(reverse("password_reset"), {"email": patient.email})
        Client(**ip).post(reverse("password_reset"), {"email": TYPED_NAME})
    reset = Client(**ip)
    patient.refresh_from_db()
    token = default_token_generator.make_token(patient)
    uid = urlsafe_base64_encode(force_bytes(patient.pk))
    form_url = reset.get(reverse("password_reset_confirm", args=[uid, token]))["Location"]
    final = "fresh snowfall on the old stone bridge"
    secrets.extend([token, final])
    reset.post(form_url, {"new_password1": final, "new_password2": final})

    # Role change and deactivation.
    services.change_role(actor=clinic_admin, user=provider, role=Role.ADMIN)
    services.deactivate_account(actor=clinic_admin, user=patient)

    expected = {
        ("login", "failure"),
        ("login", "success"),
        ("logout", "success"),
        ("login.lockout", "locked"),
        ("mfa.setup", "success"),
        ("mfa.verify", "failure"),
        ("mfa.recovery_code_used", "success"),
        ("mfa.remove", "success"),
        ("password.change", "success"),
        ("password.reset_requested", "success"),
        ("password.reset_requested", "unknown"),
        ("password.reset_completed", "success"),
        ("account.role_change", "success"),
        ("account.deactivate", "success"),
    }
    events = list(AuditEvent.objects.all())
    seen = {(e.action, e.outcome) for e in events}
    assert expected <= seen, expected - seen

    unknown = AuditEvent.objects.filter(
        action="login", outcome="failure", subject=None, ip="198.51.100.23"
    ).first()
    assert unknown is not None and unknown.attempted_hash
    known = AuditEvent.objects.filter(action="login", outcome="failure", subject=patient).first()
    assert known is not None and not known.attempted_hash
    assert AuditEvent.objects.get(action="account.role_change").detail == {
        "from": "provider",
        "to": "admin",
    }
    assert AuditEvent.objects.filter(action="logout", subject=patient).exists()

    for event in events:
        assert event.at is not None and event.outcome
        row = json.dumps(
            [event.action, event.outcome, event.attempted_hash, event.ip, event.detail]
        ).lower()
        for secret in secrets:
            assert secret.lower() not in row, (event.action, secret)


def test_a_login_name_is_hashed_with_a_key_so_it_cannot_be_looked_up(settings):
    Client().post(reverse("login"), {"username": TYPED_NAME, "password": "x" * 12})
    first = AuditEvent.objects.get(action="login").attempted_hash
    settings.SECRET_KEY = "another-secret-key-" * 3
    Client().post(reverse("login"), {"username": TYPED_NAME, "password": "x" * 12})
    hashes = set(AuditEvent.objects.filter(action="login").values_list("attempted_hash", flat=True))
    assert first in hashes and len(hashes) == 2
