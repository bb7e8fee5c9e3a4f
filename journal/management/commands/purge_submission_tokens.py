"""`manage.py purge_submission_tokens`: forget one-time form tokens too old to be used, and
email-change requests that are used or expired (they hold an address)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from journal.idempotency import TOKEN_MAX_AGE
from journal.services.security import purge_email_change_requests
from journal.services.submissions import purge_submission_tokens


class Command(BaseCommand):
    help = (
        "Delete submission tokens older than the token lifetime (default "
        f"{int(TOKEN_MAX_AGE.total_seconds() // 3600)} hours). Forms that old are refused "
        "anyway, so purging never lets a replayed form write twice. Also deletes used or "
        "expired email-change requests. Run it daily (cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=int(TOKEN_MAX_AGE.total_seconds() // 3600),
            help="Delete tokens created more than this many hours ago (at least the lifetime).",
        )

    def handle(self, *args: object, **options: Any) -> None:
        hours = int(options["hours"])
        minimum = int(TOKEN_MAX_AGE.total_seconds() // 3600)
        if hours < minimum:
            raise CommandError(
                f"--hours must be at least {minimum}: younger tokens can still be replayed."
            )
        deleted = purge_submission_tokens(created_before=timezone.now() - timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} submission token(s).")
        changes = purge_email_change_requests()
        self.stdout.write(f"Deleted {changes} used or expired email-change request(s).")
