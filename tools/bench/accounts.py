"""Benchmark accounts: patients, providers with a confirmed TOTP device, and their shares.

Every benchmark account has the same known password (`BenchAccounts.password`); providers get a
TOTP device whose key the harness reads back to pass the MFA step. Shares and their "granted"
events are the rows `journal.services.grant_share` writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps

from journal.models import Role, Share, ShareEvent, User
from journal.permissions import shared_categories

DOMAIN = "bench.aftercare.test"
ZONES_FOR_ACCOUNTS = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London")


@dataclass
class BenchAccounts:
    """The accounts one generator run created (a fixed, documented cast)."""

    password = "bench-password-not-a-secret-2026"  # noqa: S105 - benchmark data only
    patients: list[User] = field(default_factory=list)
    triage: list[User] = field(default_factory=list)
    providers: list[User] = field(default_factory=list)
    submitter: User | None = None

    @staticmethod
    def patient_email(index: int) -> str:
        """The n-th (1-based) patient with a full history; patient 1 is the measured one."""
        return f"patient-{index:04d}@{DOMAIN}"

    @staticmethod
    def triage_email(index: int) -> str:
        """The n-th (1-based) light-history patient sharing with the triage provider."""
        return f"triage-{index:04d}@{DOMAIN}"

    provider_email = f"provider-1@{DOMAIN}"
    second_provider_email = f"provider-2@{DOMAIN}"
    triage_provider_email = f"triage-provider@{DOMAIN}"
    # Shares with every triage patient, the extra "wide" ones too (2,000 in the benchmark).
    wide_triage_provider_email = f"triage-wide-provider@{DOMAIN}"
    submitter_email = f"submitter@{DOMAIN}"


def _user(
    email: str, name: str, role: str, zone: str, password_hash: str, joined: datetime
) -> User:
    return User(
        email=email,
        display_name=name,
        role=role,
        time_zone=zone,
        password=password_hash,
        date_joined=joined,
    )


def _share(
    patient: User, provider: User, categories: set[str], at: datetime
) -> tuple[Share, ShareEvent]:
    share = Share(
        patient=patient,
        provider=provider,
        share_mood="mood" in categories,
        share_side_effects="side_effects" in categories,
        share_blood_pressure="blood_pressure" in categories,
        share_notes="notes" in categories,
        created_at=at,
        updated_at=at,
    )
    detail = {"categories": sorted(shared_categories(share)), "starts_on": None, "expires_on": None}
    event = ShareEvent(share=share, action="granted", actor=patient, at=at, detail=detail)
    return share, event


def _totp_devices(rng: random.Random, providers: list[User]) -> int:
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return 0
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = [
        TOTPDevice(
            user=p, name="Benchmark authenticator", confirmed=True, key=rng.randbytes(20).hex()
        )
        for p in providers
    ]
    TOTPDevice.objects.bulk_create(devices)
    return len(devices)


def create_accounts(
    *,
    rng: random.Random,
    patients: int,
    triage: int,
    password_hash: str,
    triage_wide: int = 0,
    end: datetime,
    counts: dict[str, int],
) -> BenchAccounts:
    """Create the benchmark cast and its shares (most patients share with provider 1)."""
    if User.objects.filter(email__endswith=f"@{DOMAIN}").exists():
        raise ValueError("Benchmark data already exists in this database; use a fresh one.")
    joined = end.replace(year=end.year - 1)
    acc = BenchAccounts()
    acc.providers = [
        _user(
            acc.provider_email,
            "Dr Bench One",
            Role.PROVIDER,
            ZONES_FOR_ACCOUNTS[0],
            password_hash,
            joined,
        ),
        _user(
            acc.second_provider_email,
            "Dr Bench Two",
            Role.PROVIDER,
            ZONES_FOR_ACCOUNTS[1],
            password_hash,
            joined,
        ),
        _user(
            acc.triage_provider_email,
            "Dr Bench Triage",
            Role.PROVIDER,
            ZONES_FOR_ACCOUNTS[0],
            password_hash,
            joined,
        ),
    ]
    if triage_wide:
        acc.providers.append(
            _user(
                acc.wide_triage_provider_email,
                "Dr Bench Wide Triage",
                Role.PROVIDER,
                ZONES_FOR_ACCOUNTS[0],
                password_hash,
                joined,
            )
        )
    acc.patients = [
        _user(
            acc.patient_email(i),
            f"Bench Patient {i}",
            Role.PATIENT,
            rng.choice(ZONES_FOR_ACCOUNTS),
            password_hash,
            joined,
        )
        for i in range(1, patients + 1)
    ]
    acc.triage = [
        _user(
            acc.triage_email(i),
            f"Triage Patient {i}",
            Role.PATIENT,
            rng.choice(ZONES_FOR_ACCOUNTS),
            password_hash,
            joined,
        )
        for i in range(1, max(triage, triage_wide) + 1)
    ]
    acc.submitter = _user(
        acc.submitter_email,
        "Bench Submitter",
        Role.PATIENT,
        ZONES_FOR_ACCOUNTS[0],
        password_hash,
        joined,
    )
    users = [*acc.providers, *acc.patients, *acc.triage, acc.submitter]
    User.objects.bulk_create(users)
    counts["User"] = len(users)
    counts["TOTPDevice"] = _totp_devices(rng, acc.providers)

    all_data = {"mood", "side_effects", "blood_pressure"}
    pairs: list[tuple[Share, ShareEvent]] = []
    first, second, triage_provider = acc.providers[:3]
    for index, patient in enumerate(acc.patients):
        if index == 0 or rng.random() < 0.85:
            extra = {"notes"} if rng.random() < 0.3 else set()
            pairs.append(_share(patient, first, all_data | extra, joined))
        if rng.random() < 0.3:
            pairs.append(_share(patient, second, {"mood"}, joined))
    for index, patient in enumerate(acc.triage):
        if index < triage:
            pairs.append(_share(patient, triage_provider, all_data, joined))
        if index < triage_wide:
            pairs.append(_share(patient, acc.providers[3], all_data, joined))
    Share.objects.bulk_create([s for s, _ in pairs])
    ShareEvent.objects.bulk_create([e for _, e in pairs])
    counts["Share"] = counts["ShareEvent"] = len(pairs)
    return acc
