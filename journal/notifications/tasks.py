"""Celery tasks: thin wrappers over the job functions (which `manage.py run_jobs` calls too)."""

from __future__ import annotations

from celery import shared_task

from journal.notifications import jobs, planning


@shared_task(name="aftercare.dispatch", ignore_result=True)
def dispatch() -> int:
    """Send every due notification (beat runs this every minute)."""
    return jobs.dispatch()


@shared_task(name="aftercare.plan_reminders", ignore_result=True)
def plan_reminders() -> int:
    """Plan the reminders due in the next day for every patient."""
    return planning.plan_reminders()
