"""Entries may be dated up to a year before the patient joined (history they bring with them);
anything older is refused with a clear message and nothing is stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.forms.fields import HISTORY_BEFORE_JOINING
from journal.models import CheckIn, TreatmentSession
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _when(prefix: str, value: dt.datetime) -> dict[str, str]:
    local = timezone.localtime(value, value.tzinfo)
    return {f"{prefix}_0": f"{local:%Y-%m-%d}", f"{prefix}_1": f"{local:%H:%M}"}


def _local_noon_days_ago(patient, days: int) -> dt.datetime:
    """Noon, so that no test lands in an hour a clock change skips or repeats (a test run at
    01:30 in New York once picked the repeated hour of a November night 400 days back)."""
    day = timezone.localtime(timezone.now(), patient.zone).date() - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=patient.zone)


def _joined_yesterday(patient):
    patient.date_joined = timezone.now() - dt.timedelta(days=1)
    patient.save(update_fields=["date_joined"])
    return patient


def test_a_session_from_years_before_joining_is_refused_with_the_first_allowed_day(
    patient,
) -> None:
    _joined_yesterday(patient)
    long_ago = dt.datetime(2001, 1, 2, 10, 0, tzinfo=patient.zone)
    response = client_for(patient).post(
        reverse("journal:session-create"), {**_when("started_at", long_ago), "route": "iv"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "a year before you joined Aftercare" in page
    first_day = timezone.localtime(patient.date_joined - HISTORY_BEFORE_JOINING, patient.zone)
    assert f"{(first_day + dt.timedelta(days=1)):%-d %B %Y}" in page
    assert not TreatmentSession.objects.filter(patient=patient).exists()


def test_history_within_the_year_before_joining_is_accepted(patient) -> None:
    _joined_yesterday(patient)
    months_ago = _local_noon_days_ago(patient, 200)
    response = client_for(patient).post(
        reverse("journal:checkin-create"), {**_when("recorded_at", months_ago), "mood": "6"}
    )
    assert response.status_code == 302
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_an_older_entry_keeps_its_date_when_edited(patient) -> None:
    old = _local_noon_days_ago(patient, 500)
    session = services.log_session(patient=patient, started_at=old.replace(second=0), route="iv")
    _joined_yesterday(patient)
    response = client_for(patient).post(
        reverse("journal:session-edit", args=[session.pk]),
        {
            **_when("started_at", session.started_at.astimezone(patient.zone)),
            "route": "intranasal",
            "version": str(session.version),
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.route == "intranasal"


def test_moving_an_entry_before_the_window_is_refused(patient) -> None:
    _joined_yesterday(patient)
    session = services.log_session(
        patient=patient, started_at=timezone.now() - dt.timedelta(hours=3), route="iv"
    )
    too_old = _local_noon_days_ago(patient, 400)
    response = client_for(patient).post(
        reverse("journal:session-edit", args=[session.pk]),
        {**_when("started_at", too_old), "route": "iv", "version": str(session.version)},
    )
    assert response.status_code == 200
    assert "a year before you joined Aftercare" in response.content.decode()
    session.refresh_from_db()
    assert session.started_at > timezone.now() - dt.timedelta(days=1)
