"""Generate realistic benchmark data fast (bulk inserts of exactly what the services write).

Every account it creates shares one published password, so with DEBUG off it refuses unless
`--force` (the benchmark passes it for its own throwaway database).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tools.bench.generator import SIZES, generate


class Command(BaseCommand):
    help = (
        "Create benchmark patients with a year of journal data each (small ≈ 10k rows, "
        "large ≈ 1M rows), providers with a TOTP device, and shares. Use a fresh database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument(
            "--patients",
            type=int,
            default=None,
            help="Patients with a full history (overrides --size).",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=365, help="Days of history per patient.")
        parser.add_argument(
            "--triage",
            type=int,
            default=0,
            help="Extra two-week patients sharing with the triage provider (e.g. 500).",
        )
        parser.add_argument(
            "--triage-wide",
            type=int,
            default=0,
            help="Two-week patients sharing with the wide triage provider: the --triage ones "
            "and more up to this number (e.g. 2000).",
        )
        parser.add_argument(
            "--submit-pool",
            type=int,
            default=0,
            help="Report-less sessions for the submitter account (one per report-submit request).",
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the benchmark's throwaway database; never production).",
        )

    def handle(
        self,
        *args,
        size: str,
        patients: int | None,
        seed: int,
        days: int,
        triage: int,
        triage_wide: int,
        submit_pool: int,
        batch_size: int,
        force: bool = False,
        **options,
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to create benchmark accounts with a known password "
                "without --force."
            )
        count = SIZES[size] if patients is None else patients
        if (
            count < 1
            or days < 1
            or triage < 0
            or triage_wide < 0
            or submit_pool < 0
            or batch_size < 1
        ):
            raise CommandError("--patients, --days and --batch-size must be positive; others ≥ 0.")
        started = time.perf_counter()
        try:
            counts = generate(
                patients=count,
                seed=seed,
                days=days,
                triage=triage,
                triage_wide=triage_wide,
                pool=submit_pool,
                batch_size=batch_size,
                progress=lambda line: self.stdout.write(f"  {line}"),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        # Fresh planner statistics: a bulk load leaves PostgreSQL estimating "1 row" everywhere
        # until autovacuum gets round to it, and the first measurements would pay for that.
        # A production database keeps its statistics current; so does the benchmark (SQLite too).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        for model, rows in sorted(counts.items()):
            self.stdout.write(f"  {model:<22} {rows:>9}")
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"{total} rows in {elapsed:.1f} s ({total / elapsed:.0f} rows/s)")
        )
