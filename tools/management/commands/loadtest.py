"""Reliability load test: concurrent patients write while gunicorn workers are killed; then
every acknowledged write is checked against the database (see BENCHMARKS.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Start gunicorn in production settings on a fresh SQLite file or PostgreSQL database "
        "(aftercare_loadtest_<random>, its own), let N patients create and edit sessions, reports "
        "and check-ins (with double taps and replays) for a bounded time while SIGKILLing "
        "workers, then check that every acknowledged write exists exactly once, exactly as "
        "entered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
        parser.add_argument("--duration", type=float, default=30.0, help="Seconds of writing.")
        parser.add_argument("--patients", type=int, default=8)
        parser.add_argument(
            "--kill-every", type=float, default=3.0, help="Seconds between kills (0: none)."
        )
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", default="", help="Also write the results to this file.")
        # Internal: the halves run inside the load test's own environment.
        parser.add_argument("--phase", choices=["run", "setup", "verify"], default="run")
        parser.add_argument("--ledger", default="")

    def handle(self, *args, **o) -> None:
        if o["phase"] != "run":
            self._inside(o)
            return
        if not 1 <= o["patients"] <= 64:
            raise CommandError("--patients must be between 1 and 64.")
        if not 1 <= o["duration"] <= 3600:
            raise CommandError("--duration must be between 1 and 3600 seconds.")
        if o["kill_every"] < 0 or o["workers"] < 1 or o["threads"] < 1:
            raise CommandError("--kill-every must be ≥ 0; --workers and --threads positive.")
        from tools.loadtest.run import format_results, run_loadtest

        results = run_loadtest(
            database=o["database"],
            duration=o["duration"],
            patients=o["patients"],
            kill_every=o["kill_every"],
            workers=o["workers"],
            threads=o["threads"],
            seed=o["seed"],
            say=lambda line: self.stdout.write(line),
        )
        if o["json"]:
            Path(o["json"]).write_text(json.dumps(results, indent=2, default=str))
        self.stdout.write(format_results(results))
        if not results["verdict"]["ok"]:
            raise CommandError("The load test found lost, duplicated or partial writes.")

    def _inside(self, o: dict) -> None:
        if settings.DEBUG:
            raise CommandError("The setup and verify phases run only inside the load test.")
        from tools.loadtest import run

        if o["phase"] == "setup":
            run.create_patients(o["patients"])
        else:
            verdict = run.check_ledger(Path(o["ledger"]), o["patients"])
            self.stdout.write(json.dumps(verdict))
