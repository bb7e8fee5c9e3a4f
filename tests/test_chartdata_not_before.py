"""`chartdata`'s `not_before`: a provider's charts read no row timed before the share's start,
not even the context rows a period reads for the 7-day average, the previous period's mean mood
or the session a durability interval counts from."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal import chartdata, permissions, services
from journal.chartdata import ALL_CATEGORIES, make_period, parse_period
from journal.models import Share, ShareCategory
from journal.permissions import Scope, own_scope, share_scope
from journal.provider_charts import PROVIDER_CHART_ORDER, provider_period
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SHARE_DAYS = 10  # the share starts ten days before today
BEFORE_MOOD = 0  # every mood entry before the share
EARLY_MOOD = 4  # the share's first six days
LATE_MOOD = 8  # its last four days (and the report of the session in the share)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")


def _noon(day: date, zone) -> datetime:
    return datetime.combine(day, time(12), tzinfo=zone)


@pytest.fixture
def shared(patient, provider) -> Share:
    """Before the share's start: a session with a report, side effects and a 185/121 reading,
    check-ins of mood 0 on ten days, a symptom, a PHQ-9, and a session at 23:40 the evening
    before the start whose post-dose reading falls on the start day. From the start: check-ins
    of mood 4, then 8, and a session with a report of mood 8 three days ago."""
    zone = patient.zone
    today = permissions.patient_today(patient)
    start = today - timedelta(days=SHARE_DAYS)
    old = services.log_session(
        patient=patient, started_at=_noon(start, zone) - timedelta(days=2), route="iv"
    )
    services.submit_report(
        patient=patient,
        session=old,
        reported_at=old.started_at + timedelta(hours=2),
        mood=BEFORE_MOOD,
        ratings={"nausea": 3},
        readings=(
            services.ReadingInput(old.started_at + timedelta(minutes=40), 185, 121, "after40"),
        ),
    )
    for days in range(1, 11):
        services.log_checkin(
            patient=patient,
            recorded_at=_noon(start - timedelta(days=days), zone),
            mood=BEFORE_MOOD,
            ratings={"urinary": 2} if days == 1 else None,
        )
    services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[3, 3, 3, 3, 3, 3, 3, 3, 0],
        completed_at=_noon(start - timedelta(days=1), zone),
    )
    evening = datetime.combine(start - timedelta(days=1), time(23, 40), tzinfo=zone)
    late = services.log_session(patient=patient, started_at=evening, route="intranasal")
    services.add_reading(
        patient=patient,
        session=late,
        measured_at=evening + timedelta(minutes=40),
        systolic=140,
        diastolic=90,
        context="after40",
    )
    for days in range(SHARE_DAYS, 0, -1):
        services.log_checkin(
            patient=patient,
            recorded_at=_noon(today - timedelta(days=days), zone),
            mood=EARLY_MOOD if days > 4 else LATE_MOOD,
        )
    recent = services.log_session(
        patient=patient, started_at=_noon(today - timedelta(days=3), zone), route="iv"
    )
    services.submit_report(
        patient=patient,
        session=recent,
        reported_at=recent.started_at + timedelta(hours=2),
        mood=LATE_MOOD,
        ratings={"nausea": 1},
    )
    return services.grant_share(
        patient=patient, provider=provider, categories=ShareCategory.values, starts_on=start
    )


def _bound(share: Share) -> datetime:
    bound = share_scope(share).window_start
    assert bound is not None
    return bound


def _timed_before(queries: list[dict], bound: datetime) -> list[tuple[str, object]]:
    """Every timestamp before `bound` in the rows the captured SELECTs return (run again)."""
    found = []
    with connection.cursor() as cursor:
        for query in queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(query["sql"])
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, str) and TIMESTAMP.match(value):
                        value = datetime.fromisoformat(value)
                    if isinstance(value, datetime):
                        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
                        if aware < bound:
                            found.append((query["sql"], value))
    return found


def _read_every_chart(scope: Scope, period) -> None:
    chartdata.dashboard_data(scope, period)
    for name in PROVIDER_CHART_ORDER:
        chartdata.chart_data(scope, name, period)


@pytest.mark.parametrize("key", ["30", "all"])
def test_no_query_returns_a_row_timed_before_not_before(patient, shared, key: str) -> None:
    bound = _bound(shared)
    period = parse_period(key, patient.zone)  # not clipped: it reaches before the share
    with CaptureQueriesContext(connection) as unbounded:
        _read_every_chart(own_scope(patient), period)
    # The detector works: the patient's own reads do return the rows from before the start.
    assert _timed_before(unbounded.captured_queries, bound)
    with CaptureQueriesContext(connection) as bounded:
        _read_every_chart(share_scope(shared), period)
    assert _timed_before(bounded.captured_queries, bound) == []


def test_a_provider_chart_and_summary_request_returns_no_row_from_before_the_share(
    patient, provider, shared
) -> None:
    cache.clear()
    client = client_for(provider)
    with CaptureQueriesContext(connection) as ctx:
        for name in PROVIDER_CHART_ORDER:
            url = reverse("journal:provider-chart", args=[patient.pk, name]) + "?period=365"
            assert client.get(url).status_code == 200
        url = reverse("journal:provider-patient", args=[patient.pk]) + "?period=365"
        assert client.get(url).status_code == 200
    assert _timed_before(ctx.captured_queries, _bound(shared)) == []


def test_the_data_read_with_not_before_never_sees_an_earlier_entry(patient, shared) -> None:
    period = parse_period("90", patient.zone)
    data = chartdata.dashboard_data(share_scope(shared), period)
    start = shared.starts_on
    assert data.mood is not None and data.mood.days
    assert min(d.day for d in data.mood.days) == start
    assert all(d.mood != BEFORE_MOOD and d.rolling >= EARLY_MOOD for d in data.mood.days)
    assert data.previous_mood is None  # the previous 90 days lie before the share
    assert all(day >= start for day in data.mood.sessions)
    assert [i.session_day for i in data.durability.intervals] == [data.mood.sessions[-1]]
    assert all(p[0] >= start for s in data.questionnaires.series for p in s.points)
    assert [c.day for c in data.side_effects.columns] == [data.mood.sessions[-1]]
    assert data.symptoms.series == ()
    readings = [r for g in data.blood_pressure.groups for r in g.readings]
    assert [r.systolic for r in readings] == [140]
    # Taken on the start day under a session that began the evening before: the session is not
    # read, so the reading stands on its own day.
    assert [(g.day, g.is_session) for g in data.blood_pressure.groups] == [(start, False)]
    for name in PROVIDER_CHART_ORDER:
        alone = chartdata.chart_data(share_scope(shared), name, period)
        assert alone == data.for_chart(name), name


def test_the_first_shared_days_average_only_shared_days(patient, shared) -> None:
    period = provider_period(share_scope(shared), "30")
    clipped = chartdata.chart_data(share_scope(shared), "mood", period)
    days = {d.day: d for d in clipped.days}
    first = days[shared.starts_on]
    assert first.mood == first.rolling == EARLY_MOOD
    # The seventh shared day averages six early days and one late day, nothing before.
    seventh = days[shared.starts_on + timedelta(days=6)]
    assert seventh.rolling == round((6 * EARLY_MOOD + LATE_MOOD) / 7, 3)
    # Without the bound the same period's first day leans on the mood-0 days before it.
    unclipped = chartdata.chart_data(own_scope(patient), "mood", period)
    assert unclipped.days[0].rolling < EARLY_MOOD
    # The panels' data agrees with the chart's.
    dashboard = chartdata.dashboard_data(share_scope(shared), period)
    assert dashboard.mood == clipped


def test_the_previous_period_is_compared_only_when_it_lies_within_the_share(
    patient, shared
) -> None:
    zone = patient.zone
    today = permissions.patient_today(patient)
    # Four days (all 8) after four shared days (all 4): the comparison uses only shared days.
    within = make_period(today - timedelta(days=4), today - timedelta(days=1), zone, key="4")
    data = chartdata.dashboard_data(share_scope(shared), within)
    assert data.previous_mood == EARLY_MOOD
    # Seven days: the previous seven reach before the share, so there is no comparison, while
    # the patient's own page compares with a mean that includes the mood-0 days.
    reaching = make_period(today - timedelta(days=7), today - timedelta(days=1), zone, key="7")
    assert chartdata.dashboard_data(share_scope(shared), reaching).previous_mood is None
    own = chartdata.dashboard_data(own_scope(patient), reaching).previous_mood
    assert own is not None and own < EARLY_MOOD


def test_without_not_before_the_patients_data_is_unchanged(patient, shared) -> None:
    period = parse_period("30", patient.zone)
    for name in PROVIDER_CHART_ORDER:
        assert chartdata.chart_data(
            Scope(patient=patient, categories=ALL_CATEGORIES, not_before=None), name, period
        ) == chartdata.chart_data(own_scope(patient), name, period), name
    data = chartdata.dashboard_data(own_scope(patient), period)
    assert data.mood.days[0].mood == BEFORE_MOOD
    assert {i.session_day for i in data.durability.intervals} >= {
        shared.starts_on - timedelta(days=1)
    }
