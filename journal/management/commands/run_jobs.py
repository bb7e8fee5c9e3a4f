"""Run the background jobs in this process: `manage.py run_jobs [--once]`.

For a single-machine deployment without Redis (the default SQLite set-up): the same job
functions Celery's worker and beat run (`journal.notifications.tasks`), called in a loop —
plan the reminders every 15 minutes, send what is due every `--interval` seconds (20 by
default: with no broker, a flag raised in clinic hours cannot wake a worker, so this pass is
what sends its alert; a pass with nothing due is one query). No broker
and no second service to keep running; several copies are still safe, because a job claims
its rows in the database. With Redis, run a Celery worker and beat instead (README).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from journal.notifications import jobs, planning

PLAN_EVERY_SECONDS = 15 * 60


class Command(BaseCommand):
    help = "Plan reminders and send due notifications in this process (no broker needed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--interval", type=int, default=20, help="Seconds between passes.")

    def handle(self, *args, once: bool = False, interval: int = 20, **options) -> None:
        last_plan = 0.0
        while True:
            if once or time.monotonic() - last_plan >= PLAN_EVERY_SECONDS:
                planned = planning.plan_reminders()
                last_plan = time.monotonic()
                self.stdout.write(f"{timezone.now():%H:%M:%S} planned {planned}")
            sent = jobs.dispatch()
            if sent or once:
                self.stdout.write(f"{timezone.now():%H:%M:%S} sent {sent}")
            if once:
                return
            time.sleep(max(interval, 1))
