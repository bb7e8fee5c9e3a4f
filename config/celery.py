"""The Celery app for production: Redis (`REDIS_URL`) as the broker, beat for the schedule.

    celery -A config worker --loglevel=INFO      # any number, on any machine
    celery -A config beat --loglevel=INFO        # exactly one

Without `REDIS_URL`, `manage.py run_jobs` runs the same job functions in-process.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("aftercare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["journal.notifications"])
