"""Create demo accounts (idempotent). Refuses to run with DEBUG off unless --force."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from journal import services
from journal.demo import (
    LOST_RESPONSE,
    NON_RESPONDER,
    REMITTER,
    RESPONDER,
    seed_patient_history,
)
from journal.models import ClinicSettings, Role, Share, ShareCategory, User

DEMO_PASSWORD = "ketamine-journal-2026"  # noqa: S105 - printed once, demo only

# Fictional numbers (555-01xx is reserved for fiction): patients cannot be enrolled without
# a clinic phone and an after-hours number, and every safety notice shows both.
DEMO_CLINIC_PHONE = "555-0100"
DEMO_AFTER_HOURS_PHONE = "555-0199"

DEMO_ACCOUNTS = [
    ("admin@demo.aftercare.test", "Casey Admin", Role.ADMIN, "America/New_York"),
    ("dr.rivera@demo.aftercare.test", "Dr Ana Rivera", Role.PROVIDER, "America/New_York"),
    ("dr.okafor@demo.aftercare.test", "Dr Chidi Okafor", Role.PROVIDER, "America/Chicago"),
    ("sam@demo.aftercare.test", "Sam Lee", Role.PATIENT, "America/New_York"),
    ("jordan@demo.aftercare.test", "Jordan Smith", Role.PATIENT, "America/Los_Angeles"),
    ("maria@demo.aftercare.test", "Maria Garcia", Role.PATIENT, "Europe/Madrid"),
    ("alex@demo.aftercare.test", "Alex Chen", Role.PATIENT, "America/Denver"),
    ("taylor@demo.aftercare.test", "Taylor Brooks", Role.PATIENT, "America/Phoenix"),
    ("priya@demo.aftercare.test", "Priya Patel", Role.PATIENT, "Pacific/Honolulu"),
    ("devon@demo.aftercare.test", "Devon Walker", Role.PATIENT, "America/Chicago"),
]
RIVERA = "dr.rivera@demo.aftercare.test"
OKAFOR = "dr.okafor@demo.aftercare.test"
# How each demo patient's PHQ-9 and GAD-7 go (journal.demo.COURSES).
DEMO_COURSES = {
    "sam@demo.aftercare.test": REMITTER,
    "jordan@demo.aftercare.test": RESPONDER,
    "maria@demo.aftercare.test": NON_RESPONDER,
    "alex@demo.aftercare.test": RESPONDER,
    "taylor@demo.aftercare.test": NON_RESPONDER,
    "priya@demo.aftercare.test": REMITTER,
    "devon@demo.aftercare.test": LOST_RESPONSE,
}
# Who shares with whom: mood & questionnaires, side effects and blood pressure, no expiry.
DEMO_SHARES = [
    *((patient, RIVERA) for patient in DEMO_COURSES),
    ("jordan@demo.aftercare.test", OKAFOR),
    ("devon@demo.aftercare.test", OKAFOR),
]
DEMO_SHARE_CATEGORIES = [
    ShareCategory.MOOD.value,
    ShareCategory.SIDE_EFFECTS.value,
    ShareCategory.BLOOD_PRESSURE.value,
]


class Command(BaseCommand):
    help = "Create demo accounts (and, where available, demo journal data). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: refusing to create demo accounts without --force.")
        created = []
        with transaction.atomic():
            self._set_clinic_numbers()
            for email, name, role, zone in DEMO_ACCOUNTS:
                if User.objects.filter(email=email).exists():
                    continue
                user, link = services.create_account(
                    actor=None,
                    email=email,
                    display_name=name,
                    role=role,
                    time_zone=zone,
                    send_link=False,  # followed right here; nobody reads these inboxes
                )
                token = link.rstrip("/").rsplit("/", 1)[-1]
                services.accept_invitation(token=token, password=DEMO_PASSWORD, time_zone=zone)
                created.append(user)
            self._seed_journal(created)
            shared = self._share()
        if shared:
            self.stdout.write(f"Demo shares created: {shared}")
        if not created:
            self.stdout.write("Demo accounts already exist; nothing to do.")
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (password for all shown once):"))
        for user in created:
            self.stdout.write(f"  {user.get_role_display():<13} {user.email}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        staff = [u.email for u in created if u.role in (Role.ADMIN, Role.PROVIDER)]
        if staff:
            self.stdout.write(
                "Two-step verification: at its first log-in each staff account "
                f"({', '.join(staff)}) is asked to set up an authenticator app before any page "
                "opens: after the password, scan the QR code (or type the key shown under it) "
                "into any TOTP app (a password manager's, Google Authenticator, Authy...), then "
                "enter its 6-digit code and keep the recovery codes. Patients may turn it on "
                "later in Account settings."
            )

    def _set_clinic_numbers(self) -> None:
        """Fill in demo clinic numbers where none are set; numbers already set are kept."""
        clinic = ClinicSettings.load()
        values: dict[str, object] = {
            name: demo
            for name, demo in (
                ("clinic_phone", DEMO_CLINIC_PHONE),
                ("after_hours_phone", DEMO_AFTER_HOURS_PHONE),
            )
            if not getattr(clinic, name).strip()
        }
        if values:
            services.update_clinic_settings(actor=None, values=values)
            self.stdout.write(f"Demo clinic numbers set: {', '.join(map(str, values.values()))}")

    def _seed_journal(self, created: list[User]) -> None:
        """Give new demo patients about 90 days of journal history."""
        for user in created:
            if user.role == Role.PATIENT:
                seed_patient_history(user, course=DEMO_COURSES.get(user.email, RESPONDER))

    def _share(self) -> int:
        """Grant each demo share whose patient and provider never had a share (so a share the
        patient revoked stays revoked), through the patient's own service; returns how many."""
        users = {
            u.email: u
            for u in User.objects.filter(email__in={e for pair in DEMO_SHARES for e in pair})
        }
        granted = 0
        for patient_email, provider_email in DEMO_SHARES:
            patient, provider = users.get(patient_email), users.get(provider_email)
            if (
                patient is None
                or provider is None
                or not (patient.is_active and provider.is_active)
            ):
                continue
            if Share.objects.filter(patient=patient, provider=provider).exists():
                continue
            services.grant_share(
                patient=patient, provider=provider, categories=DEMO_SHARE_CATEGORIES
            )
            granted += 1
        return granted
