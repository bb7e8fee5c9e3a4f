"""`manage.py erase_due`: erase the journals of accounts whose erasure grace period is over.

Run it daily (cron, systemd timer or the platform's scheduler). Safe to run repeatedly and
concurrently: an account is erased once, and one that logged in again is skipped.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from journal.services.data_rights import accounts_due_for_erasure, erase_due_accounts


class Command(BaseCommand):
    help = "Erase the journal data of accounts whose erasure grace period has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the accounts that are due; erase none."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        if dry_run:
            due = accounts_due_for_erasure()
            self.stdout.write(f"{len(due)} account(s) due for erasure: {[u.pk for u in due]}")
            return
        erased = erase_due_accounts()
        self.stdout.write(f"Erased {len(erased)} account(s).")
