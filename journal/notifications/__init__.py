"""Reminders and clinician alerts.

`schedule` computes when reminders are due (pure functions of plain data), `planning` turns a
patient's journal into those data and inserts the rows, `alerts` plans clinician alerts for new
flags, `jobs` claims due rows and sends them, `channels` delivers (email), and `tasks` wraps
the jobs for Celery. Without a broker, `manage.py run_jobs` runs the same jobs in-process.
"""
