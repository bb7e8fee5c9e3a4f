"""The demo seed command: idempotent, refuses production."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from journal.management.commands.seed_demo import DEMO_ACCOUNTS
from journal.models import Role, User

pytestmark = pytest.mark.django_db
PATIENTS = sum(role == Role.PATIENT for _, _, role, _ in DEMO_ACCOUNTS)


def test_seed_demo_creates_each_role_once_and_can_log_in(settings, client) -> None:
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "ketamine-journal-2026" in out.getvalue()
    # Staff learn before logging in that an authenticator will be asked for, and how.
    said = " ".join(out.getvalue().split())
    staff = [email for email, _, role, _ in DEMO_ACCOUNTS if role in (Role.ADMIN, Role.PROVIDER)]
    assert f"each staff account ({', '.join(staff)}) is asked to set up an authenticator" in said
    assert "scan the QR code" in said and "6-digit code" in said
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert User.objects.filter(role=Role.PROVIDER).count() == 2
    assert User.objects.filter(role=Role.PATIENT).count() == PATIENTS
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert "already exist" in second.getvalue()
    assert "ketamine-journal-2026" not in second.getvalue()
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    # Through the log-in page: django-axes needs the request (Client.login passes none).
    response = client.post(
        "/login/", {"username": "sam@demo.aftercare.test", "password": "ketamine-journal-2026"}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_seed_demo_refuses_with_debug_off(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert User.objects.count() == 0


def test_seed_demo_sends_no_enrollment_emails(settings, django_capture_on_commit_callbacks):
    # The command follows each enrollment link itself; emailing the used links is noise.
    from django.core import mail

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    assert mail.outbox == []
