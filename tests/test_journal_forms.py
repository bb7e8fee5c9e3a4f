"""Journal form validation: blood-pressure bounds, DST gaps and overlaps, future times,
non-numeric input and over-long notes get clear messages and write nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from journal.forms import CheckInForm, LocalDateTimeField, ReadingForm, SessionForm
from journal.forms.fields import local_to_utc
from journal.models import BloodPressureReading, CheckIn, TreatmentSession
from tests.conftest import client_for

NY = zoneinfo.ZoneInfo("America/New_York")


def local_now(minutes_ago: int = 30) -> dt.datetime:
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).astimezone(NY)


def when(prefix: str, value: dt.datetime) -> dict[str, str]:
    return {f"{prefix}_0": f"{value:%Y-%m-%d}", f"{prefix}_1": f"{value:%H:%M}"}


def reading_data(systolic="120", diastolic="80", pulse="", **extra) -> dict[str, str]:
    return {
        **when("measured_at", local_now()),
        "context": "home",
        "systolic": systolic,
        "diastolic": diastolic,
        "pulse": pulse,
        **extra,
    }


def bound(form_class, data, **kwargs):
    with timezone.override(NY):
        form = form_class(data, **kwargs)
        form.is_valid()
    return form


# --- The local date-time field ------------------------------------------------------------------


def test_local_times_are_stored_as_utc() -> None:
    value = local_to_utc(dt.datetime(2026, 7, 1, 9, 15), NY)
    assert value == dt.datetime(2026, 7, 1, 13, 15, tzinfo=dt.UTC)


def test_a_time_skipped_by_the_spring_dst_change_is_refused() -> None:
    field = LocalDateTimeField()
    with timezone.override(NY), pytest.raises(Exception) as exc:
        field.clean(["2026-03-08", "02:30"])
    assert "does not exist" in str(exc.value)
    with timezone.override(NY):  # either side of the gap is fine
        assert field.clean(["2026-03-08", "01:59"]) == dt.datetime(2026, 3, 8, 6, 59, tzinfo=dt.UTC)
        assert field.clean(["2026-03-08", "03:00"]) == dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC)


def test_a_time_repeated_by_the_autumn_dst_change_is_refused() -> None:
    field = LocalDateTimeField()
    with timezone.override(NY), pytest.raises(Exception) as exc:
        field.clean(["2026-11-01", "01:30"])
    assert "happened twice" in str(exc.value)
    with timezone.override(NY):
        assert field.clean(["2026-11-01", "00:59"]) == dt.datetime(
            2026, 11, 1, 4, 59, tzinfo=dt.UTC
        )
        assert field.clean(["2026-11-01", "02:00"]) == dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)


def test_future_times_beyond_clock_skew_are_refused_but_a_minute_ahead_is_fine() -> None:
    ahead = timezone.now().astimezone(NY) + dt.timedelta(minutes=10)
    form = bound(SessionForm, {**when("started_at", ahead), "route": "iv"})
    assert "in the future" in str(form.errors["started_at"])
    just = timezone.now().astimezone(NY) + dt.timedelta(minutes=1)
    assert bound(SessionForm, {**when("started_at", just), "route": "iv"}).is_valid()


@pytest.mark.parametrize(
    ("day", "clock", "message"),
    [
        ("2026-02-30", "10:00", "Enter a date"),
        ("yesterday", "10:00", "Enter a date"),
        ("2026-02-01", "25:00", "Enter a time"),
        ("2026-02-01", "", "both a date and a time"),
        ("", "10:00", "both a date and a time"),
        ("9999-12-31", "23:59", "Enter a real date"),
        ("2999-01-01", "10:00", "in the future"),
        ("1999-12-31", "23:59", "from 2000 onwards"),
        ("0001-01-01", "00:00", "from 2000 onwards"),
    ],
)
def test_malformed_dates_and_times_get_clear_messages(day, clock, message) -> None:
    form = bound(SessionForm, {"started_at_0": day, "started_at_1": clock, "route": "iv"})
    assert message in str(form.errors["started_at"])


# --- Blood pressure bounds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("systolic", "39", False), ("systolic", "40", None), ("systolic", "41", None),
        ("systolic", "299", True), ("systolic", "300", True), ("systolic", "301", False),
        ("diastolic", "19", False), ("diastolic", "20", True), ("diastolic", "21", True),
        ("diastolic", "199", None), ("diastolic", "200", None), ("diastolic", "201", False),
        ("pulse", "19", False), ("pulse", "20", True), ("pulse", "250", True),
        ("pulse", "251", False),
    ],
)  # fmt: skip
def test_each_blood_pressure_bound_at_below_and_above(field, value, ok) -> None:
    # Partner values keep the other rules satisfied (diastolic below systolic).
    data = reading_data(systolic="250", diastolic="80")
    if field == "systolic":
        data["diastolic"] = "30"
    if field == "diastolic":
        data["systolic"] = "300" if int(value) >= 190 else "250"
    data[field] = value
    form = bound(ReadingForm, data)
    if ok is None:  # at a bound that only the pairing rule limits
        assert field not in form.errors
        return
    assert form.is_valid() is ok, form.errors
    if not ok:
        assert "must be between" in str(form.errors[field])


@pytest.mark.parametrize(("systolic", "diastolic"), [("120", "120"), ("100", "110")])
def test_diastolic_must_be_below_systolic(systolic, diastolic) -> None:
    form = bound(ReadingForm, reading_data(systolic=systolic, diastolic=diastolic))
    assert "must be below the upper" in str(form.errors["diastolic"])


@pytest.mark.parametrize("value", ["abc", "12.5", "1e3", "", " "])
def test_non_numeric_blood_pressure_gets_a_clear_message(value) -> None:
    form = bound(ReadingForm, reading_data(systolic=value))
    assert any(text in str(form.errors["systolic"]) for text in ("whole number", "Enter the upper"))


@pytest.mark.django_db
def test_an_alarming_but_plausible_reading_is_stored_exactly_and_flagged(patient) -> None:
    response = client_for(patient).post(
        reverse("journal:reading-create"), reading_data(systolic="185", diastolic="121")
    )
    reading = BloodPressureReading.objects.get()
    assert response.status_code == 302
    assert (reading.systolic, reading.diastolic) == (185, 121)
    page = client_for(patient).get(response["Location"]).content.decode()
    assert "Very high blood pressure (185/121)" in page and "911" in page


# --- Notes, scales, whole forms through the views -----------------------------------------------


def test_a_5001_character_note_is_refused_and_5000_accepted() -> None:
    base = {**when("recorded_at", local_now()), "mood": "5"}
    too_long = bound(CheckInForm, {**base, "note": "x" * 5001})
    assert "5000 characters (it has 5001)" in str(too_long.errors["note"])
    assert bound(CheckInForm, {**base, "note": "x" * 5000}).is_valid()


@pytest.mark.parametrize("mood", ["", "11", "-1", "five", "3.5"])
def test_mood_must_be_a_number_from_0_to_10(mood) -> None:
    form = bound(CheckInForm, {**when("recorded_at", local_now()), "mood": mood})
    assert "number from 0 to 10" in str(form.errors["mood"])


def test_symptoms_default_to_none_and_reject_values_off_the_scale() -> None:
    form = bound(CheckInForm, {**when("recorded_at", local_now()), "mood": "5"})
    assert form.is_valid() and form.ratings() == {
        "urinary": 0,
        "memory": 0,
        "cravings": 0,
        "sleep": 0,
    }
    bad = bound(CheckInForm, {**when("recorded_at", local_now()), "mood": "5", "sym_urinary": "5"})
    assert "sym_urinary" in bad.errors


@pytest.mark.django_db
def test_an_invalid_check_in_shows_errors_and_writes_nothing(patient) -> None:
    client = client_for(patient)
    response = client.post(
        reverse("journal:checkin-create"),
        {**when("recorded_at", local_now()), "mood": "", "note": "keep me"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved yet" in page and "keep me" in page
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_a_dst_gap_time_on_the_session_form_writes_nothing(patient) -> None:
    response = client_for(patient).post(
        reverse("journal:session-create"),
        {"started_at_0": "2026-03-08", "started_at_1": "02:15", "route": "iv"},
    )
    assert "does not exist in your time zone" in response.content.decode()
    assert not TreatmentSession.objects.exists()


@pytest.mark.django_db
def test_times_are_entered_in_the_patients_own_zone(patient) -> None:
    patient.time_zone = "Asia/Tokyo"
    patient.save()
    client_for(patient).post(
        reverse("journal:session-create"),
        {"started_at_0": "2026-07-01", "started_at_1": "09:00", "route": "iv"},
    )
    session = TreatmentSession.objects.get()
    assert session.started_at == dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)
    page = client_for(patient).get(reverse("journal:session-detail", args=[session.pk]))
    assert "1 Jul 2026, 09:00" in page.content.decode()


@pytest.mark.parametrize("dose", ["-1", "2001", "abc", "1.234"])
def test_session_dose_must_be_a_plausible_number(dose) -> None:
    form = bound(SessionForm, {**when("started_at", local_now()), "route": "iv", "dose_mg": dose})
    assert "dose_mg" in form.errors
