"""Numbers are digits: Python's `1_20` literal syntax is refused, any script's digits do.

Decision: a phone keyboard set to Arabic or a full-width layout types "١٢٠" or "１２０"; those are
decimal digits and read as 120. Underscores, inner spaces, exponents and thousands separators are
refused with the field's own message, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from journal.models import BloodPressureReading, TreatmentSession
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")


def _when(prefix: str) -> dict[str, str]:
    value = (timezone.now() - dt.timedelta(minutes=30)).astimezone(NY)
    return {f"{prefix}_0": f"{value:%Y-%m-%d}", f"{prefix}_1": f"{value:%H:%M}"}


def _post_reading(patient, **values: str):
    data = {**_when("measured_at"), "context": "home", "systolic": "120", "diastolic": "80"}
    return client_for(patient).post(reverse("journal:reading-create"), {**data, **values})


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("systolic", "1_20", "upper number (systolic) as a whole number"),
        ("diastolic", "8_0", "lower number (diastolic) as a whole number"),
        ("pulse", "7_2", "pulse as a whole number"),
        ("systolic", "1 20", "as a whole number"),
        ("systolic", "1.2e2", "as a whole number"),
        ("pulse", "72.0", "pulse as a whole number"),
    ],
)
def test_underscored_and_oddly_written_numbers_are_refused(patient, field, typed, message) -> None:
    response = _post_reading(patient, **{field: typed})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BloodPressureReading.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("typed", ["١٢٠", "１２０", " 120 "])
def test_digits_of_any_script_are_read_as_their_value(patient, typed) -> None:
    response = _post_reading(patient, systolic=typed, pulse="٧٢")
    assert response.status_code == 302
    reading = BloodPressureReading.objects.get(patient=patient)
    assert (reading.systolic, reading.pulse) == (120, 72)


@pytest.mark.parametrize("typed", ["0_5", "5e1", "1,5", "0.5.1"])
def test_a_dose_must_be_a_plain_decimal(patient, typed) -> None:
    response = client_for(patient).post(
        reverse("journal:session-create"),
        {**_when("started_at"), "route": "intranasal", "dose_mg": typed},
    )
    assert response.status_code == 200
    assert "Enter the dose as a number" in response.content.decode()
    assert not TreatmentSession.objects.filter(patient=patient).exists()


def test_a_plain_decimal_dose_is_stored(patient) -> None:
    response = client_for(patient).post(
        reverse("journal:session-create"),
        {**_when("started_at"), "route": "intranasal", "dose_mg": "0.5"},
    )
    assert response.status_code == 302
    assert TreatmentSession.objects.get(patient=patient).dose_mg == Decimal("0.5")
