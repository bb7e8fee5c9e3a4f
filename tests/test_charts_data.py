"""Chart data: local-day bucketing (DST, far-from-UTC zones), periods, categories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journal import chartdata, services
from journal.chartdata import (
    daily_means,
    local_day,
    make_period,
    parse_period,
    rolling_means,
)
from journal.models import Role
from journal.permissions import own_scope
from tests.conftest import enroll

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_days_are_bucketed_in_new_york_across_the_march_dst_change() -> None:
    # 9 March 2025: clocks go from 02:00 EST (UTC-5) to 03:00 EDT (UTC-4).
    points = [
        (utc(2025, 3, 9, 4, 30), 2.0),  # 23:30 EST on 8 March
        (utc(2025, 3, 9, 5, 30), 4.0),  # 00:30 EST on 9 March
        (utc(2025, 3, 10, 3, 30), 6.0),  # 23:30 EDT on 9 March
        (utc(2025, 3, 10, 4, 30), 9.0),  # 00:30 EDT on 10 March (23:30 on 9 March in EST)
    ]
    assert daily_means(points, NEW_YORK) == {
        date(2025, 3, 8): (2.0, 1),
        date(2025, 3, 9): (5.0, 2),
        date(2025, 3, 10): (9.0, 1),
    }
    day = make_period(date(2025, 3, 9), date(2025, 3, 9), NEW_YORK, key="x")
    assert day.end - day.start == timedelta(hours=23)


def test_days_are_bucketed_in_new_york_across_the_november_dst_change() -> None:
    # 2 November 2025: clocks go back from 02:00 EDT (UTC-4) to 01:00 EST (UTC-5).
    points = [
        (utc(2025, 11, 2, 3, 30), 1.0),  # 23:30 EDT on 1 November
        (utc(2025, 11, 2, 4, 30), 3.0),  # 00:30 EDT on 2 November
        (utc(2025, 11, 2, 5, 30), 5.0),  # 01:30 EDT, the first of the two 01:30s
        (utc(2025, 11, 2, 6, 30), 7.0),  # 01:30 EST, the second
        (utc(2025, 11, 3, 4, 30), 8.0),  # 23:30 EST on 2 November (00:30 on the 3rd in EDT)
    ]
    assert daily_means(points, NEW_YORK) == {
        date(2025, 11, 1): (1.0, 1),
        date(2025, 11, 2): (5.75, 4),
    }
    day = make_period(date(2025, 11, 2), date(2025, 11, 2), NEW_YORK, key="x")
    assert day.end - day.start == timedelta(hours=25)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # UTC+14: 10:30 UTC on 1 June is already 00:30 on 2 June.
        ("Pacific/Kiritimati", {date(2025, 6, 2): (6.0, 2)}),
        # UTC-11: the same instants are still 23:30 on 31 May and 23:30 on 1 June.
        ("Pacific/Pago_Pago", {date(2025, 5, 31): (4.0, 1), date(2025, 6, 1): (8.0, 1)}),
    ],
)
def test_days_are_bucketed_far_from_utc(zone: str, expected: dict) -> None:
    points = [(utc(2025, 6, 1, 10, 30), 4.0), (utc(2025, 6, 2, 9, 30), 8.0)]
    assert daily_means(points, ZoneInfo(zone)) == expected


def test_rolling_mean_covers_seven_calendar_days_with_entries() -> None:
    daily = {date(2025, 3, d): float(v) for d, v in [(1, 2), (2, 4), (7, 6), (8, 10), (20, 3)]}
    rolling = rolling_means(daily)
    assert rolling[date(2025, 3, 7)] == pytest.approx(4.0)  # 1, 2, 7 → (2+4+6)/3
    assert rolling[date(2025, 3, 8)] == pytest.approx((4 + 6 + 10) / 3)  # 1 March dropped
    assert rolling[date(2025, 3, 20)] == 3.0


@pytest.mark.parametrize("value", [None, "", "7", "abc", "30 days", "ALL", "-1", "365.0"])
def test_unknown_periods_fall_back_to_thirty_days(value: str | None) -> None:
    period = parse_period(value, NEW_YORK, today=date(2025, 3, 30))
    assert (period.key, period.days, period.first_day) == ("30", 30, date(2025, 3, 1))


def test_known_periods_and_all_time() -> None:
    period = parse_period("90", NEW_YORK, today=date(2025, 3, 31))
    assert period.first_day == date(2025, 1, 1) and period.last_day == date(2025, 3, 31)
    assert period.start == datetime(2025, 1, 1, tzinfo=NEW_YORK)
    assert period.previous(NEW_YORK).first_day == date(2024, 10, 3)
    everything = parse_period("all", NEW_YORK, today=date(2025, 3, 31))
    assert everything.start is None and everything.previous(NEW_YORK) is None
    assert everything.label == "your whole journal"


@pytest.fixture
def far_patient(db):
    return enroll("kiri@clinic.test", Role.PATIENT, "Kiri Timati", time_zone="Pacific/Kiritimati")


def test_mood_series_buckets_entries_in_the_patients_zone(far_patient) -> None:
    zone = far_patient.zone
    services.log_checkin(patient=far_patient, recorded_at=utc(2025, 6, 1, 9, 30), mood=2)
    services.log_checkin(patient=far_patient, recorded_at=utc(2025, 6, 1, 10, 30), mood=8)
    services.log_checkin(patient=far_patient, recorded_at=utc(2025, 6, 2, 9, 30), mood=6, anxiety=3)
    period = parse_period("30", zone, today=date(2025, 6, 5))
    series = chartdata.mood_series(own_scope(far_patient), period)
    # 09:30 UTC is 23:30 on 1 June in Kiritimati; 10:30 UTC is already 2 June.
    assert [(d.day, d.mood, d.entries, d.anxiety) for d in series.days] == [
        (date(2025, 6, 1), 2.0, 1, None),
        (date(2025, 6, 2), 7.0, 2, 3.0),
    ]
    assert local_day(utc(2025, 6, 1, 10, 30), zone) == date(2025, 6, 2)


def test_chart_data_reads_only_the_allowed_categories(patient) -> None:
    at = datetime.now(UTC) - timedelta(days=2)
    session = services.log_session(patient=patient, started_at=at, route="iv")
    services.submit_report(
        patient=patient,
        session=session,
        reported_at=at + timedelta(hours=2),
        mood=7,
        ratings={"nausea": 2},
        readings=(services.ReadingInput(at - timedelta(minutes=5), 130, 85, "before"),),
    )
    period = parse_period("30", patient.zone)
    mood_only = frozenset({"mood"})
    with pytest.raises(PermissionDenied):
        chartdata.side_effect_matrix(own_scope(patient).narrowed(mood_only), period)
    with pytest.raises(PermissionDenied):
        chartdata.blood_pressure_data(own_scope(patient).narrowed(mood_only), period)
    with pytest.raises(PermissionDenied):
        chartdata.mood_series(own_scope(patient).narrowed(frozenset({"blood_pressure"})), period)
    with CaptureQueriesContext(connection) as queries:
        data = chartdata.dashboard_data(own_scope(patient).narrowed(mood_only), period)
    sql = " ".join(q["sql"].lower() for q in queries.captured_queries)
    assert "journal_symptomrating" not in sql and "journal_bloodpressurereading" not in sql
    assert data.side_effects is None and data.blood_pressure is None and data.symptoms is None
    assert [d.mood for d in data.mood.days] == [7.0]


def test_heat_map_and_blood_pressure_data_from_real_entries(patient) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    first = services.log_session(patient=patient, started_at=at, route="intranasal")
    services.submit_report(
        patient=patient,
        session=first,
        reported_at=at + timedelta(hours=3),
        mood=5,
        ratings={"taste": 2, "dissociation": 3},
        readings=(
            services.ReadingInput(at - timedelta(minutes=10), 120, 80, "before"),
            services.ReadingInput(at + timedelta(minutes=40), 165, 100, "after40"),
        ),
    )
    second = services.log_session(patient=patient, started_at=at + timedelta(days=1), route="iv")
    services.submit_report(
        patient=patient,
        session=second,
        reported_at=at + timedelta(days=1, hours=3),
        mood=6,
        ratings={"dissociation": 1},
    )
    services.log_session(patient=patient, started_at=at + timedelta(days=2), route="iv")
    period = parse_period("30", patient.zone)
    matrix = chartdata.side_effect_matrix(own_scope(patient), period)
    assert [c.route for c in matrix.columns] == ["Intranasal spray", "IV infusion"]
    assert matrix.rows == (("dissociation", "Dissociation"), ("taste", "Taste change"))
    assert matrix.values == ((3, 1), (2, None))
    bp = chartdata.blood_pressure_data(own_scope(patient), period)
    (group,) = bp.groups
    assert group.is_session and group.day == local_day(at, patient.zone)
    assert [(r.context, r.systolic, r.flagged) for r in group.readings] == [
        ("before", 120, False),
        ("after40", 165, True),  # a 45 mmHg rise: flagged by journal.flags
    ]
    assert bp.thresholds.severe_systolic == 180


def test_durability_starts_each_interval_at_its_session(patient) -> None:
    zone = patient.zone
    base = datetime(2025, 3, 3, 15, 0, tzinfo=zone)  # a Monday afternoon
    services.log_session(patient=patient, started_at=base, route="iv")
    services.log_session(patient=patient, started_at=base + timedelta(days=7), route="iv")
    # Morning of the first session day (before it): belongs to no interval.
    services.log_checkin(patient=patient, recorded_at=base - timedelta(hours=6), mood=1)
    services.log_checkin(patient=patient, recorded_at=base + timedelta(hours=5), mood=8)
    services.log_checkin(patient=patient, recorded_at=base + timedelta(days=2), mood=6)
    # Morning of the second session day, before it starts: day 7 of the first interval.
    services.log_checkin(patient=patient, recorded_at=base + timedelta(days=7, hours=-5), mood=3)
    services.log_checkin(patient=patient, recorded_at=base + timedelta(days=8), mood=7)
    period = parse_period("30", zone, today=date(2025, 3, 20))
    data = chartdata.durability_data(own_scope(patient), period)
    assert [(i.session_day, i.points) for i in data.intervals] == [
        (date(2025, 3, 3), ((0, 8.0), (2, 6.0), (7, 3.0))),
        (date(2025, 3, 10), ((1, 7.0),)),
    ]
    # A later period still measures from the session just before it.
    later = make_period(date(2025, 3, 11), date(2025, 3, 20), zone, key="x")
    (interval,) = chartdata.durability_data(own_scope(patient), later).intervals
    assert interval.session_day == date(2025, 3, 10) and interval.points == ((1, 7.0),)


def test_questionnaire_and_symptom_data(patient) -> None:
    at = datetime.now(UTC) - timedelta(days=4)
    services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=[2] * 9, completed_at=at
    )
    services.submit_questionnaire(
        patient=patient, instrument="gad7", answers=[1] * 7, completed_at=at + timedelta(days=1)
    )
    services.log_checkin(patient=patient, recorded_at=at, mood=5, ratings={"sleep": 1})
    services.log_checkin(
        patient=patient, recorded_at=at + timedelta(hours=1), mood=5, ratings={"sleep": 3}
    )
    period = parse_period("30", patient.zone)
    scores = chartdata.questionnaire_data(own_scope(patient), period)
    assert [(s.code, [(p[1], p[2]) for p in s.points]) for s in scores.series] == [
        ("phq9", [(18, "Moderately severe")]),
        ("gad7", [(7, "Mild")]),
    ]
    symptoms = chartdata.symptom_data(own_scope(patient), period)
    sleep = next(s for s in symptoms.series if s.code == "sleep")
    days = {local_day(at, patient.zone), local_day(at + timedelta(hours=1), patient.zone)}
    assert max(v for _, v in sleep.points) == 3 and len(sleep.points) == len(days)
