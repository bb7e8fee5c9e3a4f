"""Shared fixtures: a fixed cast of personas, built through the real services."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from journal import services
from journal.models import ClinicSettings, Role, User

# Playwright's sync API runs an event loop in the main thread; the ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"
# Fictional numbers (555-01xx) the clinic must have before any patient can be enrolled.
CLINIC_PHONE = "555-0110"
AFTER_HOURS_PHONE = "555-0111"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    # Argon2 is the production hasher; tests use a fast one so hundreds of logins stay cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the default language. A request activates its reader's
    language on the thread (as every request does in production, where each request activates
    its own), so without this a Spanish page in one test would leave Spanish active for code
    the next test calls outside a request."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _isolated_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def set_clinic_contacts(actor: User | None = None) -> None:
    """Give the clinic its phone and after-hours numbers, as its admin does before enrolling."""
    services.update_clinic_settings(
        actor=actor, values={"clinic_phone": CLINIC_PHONE, "after_hours_phone": AFTER_HOURS_PHONE}
    )


def enroll(
    email: str,
    role: str,
    display_name: str | None = None,
    time_zone: str = "America/New_York",
    actor: User | None = None,
) -> User:
    """Create an account the way the clinic does, and follow its enrollment link. A patient
    needs the clinic's numbers first: they are set, as the admin would, when missing."""
    if role == Role.PATIENT and not ClinicSettings.load_thresholds().contacts_complete:
        set_clinic_contacts(actor)
    _, link = services.create_account(
        actor=actor,
        email=email,
        display_name=display_name or email.split("@")[0].title(),
        role=role,
        time_zone=time_zone,
    )
    token = link.rstrip("/").rsplit("/", 1)[-1]
    return services.accept_invitation(token=token, password=PASSWORD, time_zone=time_zone)


@dataclass
class Personas:
    patient: User
    other_patient: User
    provider: User
    provider_without_share: User
    clinic_admin: User
    deactivated: User


@pytest.fixture
def personas(db) -> Personas:
    admin = enroll("admin@clinic.test", Role.ADMIN, "Casey Admin")
    set_clinic_contacts(admin)
    deactivated = enroll("gone@clinic.test", Role.PATIENT, "Dee Activated", actor=admin)
    services.deactivate_account(actor=admin, user=deactivated)
    deactivated.refresh_from_db()
    return Personas(
        patient=enroll("pat@clinic.test", Role.PATIENT, "Pat Patient", actor=admin),
        other_patient=enroll("olive@clinic.test", Role.PATIENT, "Olive Other", actor=admin),
        provider=enroll("dr.prov@clinic.test", Role.PROVIDER, "Dr Provider", actor=admin),
        provider_without_share=enroll(
            "dr.none@clinic.test", Role.PROVIDER, "Dr Noshare", actor=admin
        ),
        clinic_admin=admin,
        deactivated=deactivated,
    )


@pytest.fixture
def patient(personas: Personas) -> User:
    return personas.patient


@pytest.fixture
def other_patient(personas: Personas) -> User:
    return personas.other_patient


@pytest.fixture
def provider(personas: Personas) -> User:
    return personas.provider


@pytest.fixture
def clinic_admin(personas: Personas) -> User:
    return personas.clinic_admin


def client_for(user: User | None) -> Client:
    """A test client logged in as `user` (anonymous for None).

    Providers and clinic admins must pass two-step verification before any page, so for them
    a confirmed authenticator is created (once) and the session is marked as verified by it;
    the session cookie alone is then enough (browser tests copy it).
    """
    client = Client()
    if user is not None:
        client.force_login(user)
        if user.role in (Role.PROVIDER, Role.ADMIN):
            mark_mfa_verified(client, user)
    return client


def mark_mfa_verified(client: Client, user: User) -> None:
    """Give `user` a confirmed TOTP device (if missing) and verify the client's session."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def patient_client(patient: User) -> Client:
    return client_for(patient)


@pytest.fixture
def provider_client(provider: User) -> Client:
    return client_for(provider)


@pytest.fixture
def admin_client_(clinic_admin: User) -> Client:
    return client_for(clinic_admin)
