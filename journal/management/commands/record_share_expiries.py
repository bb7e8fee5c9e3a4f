"""Write the "expired" history line of every share whose end date has passed (for cron).

Expiry itself needs no job: access is decided on every request from the share's dates. The
sharing page records these lines too, the first time the patient looks after an expiry.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from journal import services


class Command(BaseCommand):
    help = "Record an 'expired' share event for each share whose end date has passed."

    def handle(self, *args: object, **options: object) -> None:
        count = services.record_expired_shares()
        self.stdout.write(f"Recorded {count} share expir{'y' if count == 1 else 'ies'}.")
