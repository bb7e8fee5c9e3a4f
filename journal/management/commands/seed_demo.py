"""Create demo accounts (idempotent). Refuses to run with DEBUG off unless --force."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from journal import services
from journal.models import ClinicSettings, Role, User

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
        if not created:
            self.stdout.write("Demo accounts already exist; nothing to do.")
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (password for all shown once):"))
        for user in created:
            self.stdout.write(f"  {user.get_role_display():<13} {user.email}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")

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
        """Give new demo patients some journal history, when the journal module provides it."""
        try:
            from journal.demo import seed_patient_history
        except ImportError:
            return
        for user in created:
            if user.role == Role.PATIENT:
                seed_patient_history(user)
