"""Passwords: context words and breached passwords are refused, offline by default."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journal import services
from journal.models import ClinicSettings, Role
from journal.security import passwords
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment_link(clinic_admin, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        _, link = services.create_account(
            actor=clinic_admin,
            email="robin.fairweather@example.test",
            display_name="Robin Fairweather",
            role=Role.PATIENT,
        )
    return reverse("enroll", args=[link.rstrip("/").rsplit("/", 1)[-1]])


def _enroll(path: str, password: str):
    return client_for(None).post(
        path, {"password1": password, "password2": password, "time_zone": "UTC"}
    )


@pytest.mark.parametrize(
    "password",
    [
        "ketamine2025!",
        "K3tamine-2025!!",
        "Aftercare-Clinic-2024",
        "esketamine!!!!",
        "Fairweather1999!",  # the user's own name
        "Lakeside Wellness 2026",  # the clinic's configured name
    ],
)
def test_context_passwords_are_refused_at_enrollment(enrollment_link, password) -> None:
    ClinicSettings.objects.update_or_create(pk=1, defaults={"clinic_name": "Lakeside Wellness"})
    response = _enroll(enrollment_link, password)
    assert response.status_code == 200
    assert "anyone would try first" in response.content.decode()


@pytest.mark.parametrize(
    "password", ["Summer2024!!!", "P@ssw0rd12345", "Monkey123456!!", "iloveyou2026"]
)
def test_breached_passwords_and_everyday_variants_are_refused(enrollment_link, password) -> None:
    response = _enroll(enrollment_link, password)
    assert response.status_code == 200
    assert "leaked in data breaches" in response.content.decode()


def test_a_passphrase_that_mentions_treatment_in_passing_is_accepted(enrollment_link) -> None:
    response = _enroll(enrollment_link, "ketamine evenings by the quiet harbour")
    assert response.status_code == 302


def test_the_range_api_is_not_called_unless_configured(monkeypatch, settings) -> None:
    settings.PWNED_PASSWORDS_RANGE_URL = ""

    def refuse(*args, **kwargs):
        raise AssertionError("no network by default")

    monkeypatch.setattr(passwords.urllib.request, "urlopen", refuse)
    passwords.BreachedPasswordValidator().validate("violet tugboat meadow lantern")


def _fake_range(password: str, count: int):
    digest = hashlib.sha1(password.encode()).hexdigest().upper()  # noqa: S324 - the API's own hash
    seen: list[str] = []

    def urlopen(request, timeout):
        seen.append(request.full_url)
        body = f"{'0' * 35}:3\r\n{digest[5:]}:{count}\r\n"
        return io.BytesIO(body.encode())

    return urlopen, seen


def test_a_configured_range_api_gets_only_the_hash_prefix_and_refuses_a_hit(
    monkeypatch, settings
) -> None:
    password = "violet tugboat meadow lantern"
    settings.PWNED_PASSWORDS_RANGE_URL = "https://passwords.example.test/range/"
    urlopen, seen = _fake_range(password, 12)
    monkeypatch.setattr(passwords.urllib.request, "urlopen", urlopen)
    with pytest.raises(ValidationError, match="leaked in data breaches"):
        passwords.BreachedPasswordValidator().validate(password)
    prefix = hashlib.sha1(password.encode()).hexdigest().upper()[:5]  # noqa: S324
    assert seen == [f"https://passwords.example.test/range/{prefix}"]


def test_an_unreachable_range_api_falls_back_to_the_offline_list(monkeypatch, settings) -> None:
    settings.PWNED_PASSWORDS_RANGE_URL = "https://passwords.example.test/range/"

    def down(request, timeout):
        raise OSError("unreachable")

    monkeypatch.setattr(passwords.urllib.request, "urlopen", down)
    passwords.BreachedPasswordValidator().validate("violet tugboat meadow lantern")
    with pytest.raises(ValidationError):
        passwords.BreachedPasswordValidator().validate("Summer2024!!!")


def test_help_texts_name_the_rules() -> None:
    assert "clinic" in passwords.ContextWordValidator().get_help_text()
    assert "breach" in passwords.BreachedPasswordValidator().get_help_text()
