"""When mood falls back after a session: the pre-session level, the fall-back day of each
interval, the provider's sentence, and that only the provider summary shows it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.chartdata.build import build_durability
from journal.charts import durability_chart
from journal.charts.types import DurabilityData, Interval
from journal.durability import (
    NOT_ENOUGH,
    FallBack,
    fall_back,
    fall_back_sentence,
    pre_session_level,
)
from journal.models import ShareCategory
from tests.conftest import client_for

D = date(2025, 3, 10)


def test_pre_session_level_is_the_mean_of_the_three_days_before_with_entries() -> None:
    daily = {D - timedelta(days=1): 4.0, D - timedelta(days=2): 5.0, D - timedelta(days=3): 6.0}
    assert pre_session_level(daily, D, set()) == 5.0
    # Day −4 and the session day itself are outside the window.
    assert pre_session_level({**daily, D - timedelta(days=4): 10.0, D: 0.0}, D, set()) == 5.0
    # A missing day is skipped, not counted as 0.
    assert pre_session_level({D - timedelta(days=1): 4.0, D - timedelta(days=3): 7.0}, D, ()) == 5.5


def test_pre_session_level_leaves_out_days_with_an_earlier_session() -> None:
    daily = {D - timedelta(days=1): 4.0, D - timedelta(days=2): 5.0, D - timedelta(days=3): 9.0}
    assert pre_session_level(daily, D, {D - timedelta(days=3), D}) == 4.5
    assert pre_session_level({D - timedelta(days=5): 4.0}, D, set()) is None


def _interval(day: int, points, pre: float | None, next_day: int | None) -> Interval:
    return Interval(
        session_day=date(2025, 3, day),
        points=tuple(points),
        pre_session=pre,
        next_session_day=None if next_day is None else date(2025, 3, next_day),
    )


HAND_COMPUTED = DurabilityData(
    (
        # No pre-session level: not usable, whatever its moods.
        _interval(1, [(0, 8.0), (1, 2.0)], None, 3),
        # Level 5.0: days 1 and 2 above it, day 3 at 5.0 → falls back on day 3 (at or below).
        _interval(3, [(0, 8.0), (1, 7.0), (2, 6.0), (3, 5.0), (4, 4.0)], 5.0, 8),
        # Level 4.0: never at or below it before the next session.
        _interval(8, [(0, 7.0), (1, 6.0), (2, 5.0), (5, 4.5)], 4.0, 14),
        # Level 6.0: day 0 (the session day) is below it but does not count; day 5 is.
        _interval(14, [(0, 5.0), (1, 8.0), (3, 7.0), (5, 5.9), (6, 3.0)], 6.0, 21),
        # A level but only the session day: not usable.
        _interval(21, [(0, 9.0)], 6.0, 22),
        # The latest interval, above its level so far.
        _interval(22, [(1, 7.0), (2, 6.5)], 5.0, None),
    )
)


def test_fall_back_days_of_hand_computed_intervals() -> None:
    result = fall_back(HAND_COMPUTED)
    assert result == FallBack(days=(3, 5), not_before_next=1, not_yet=1)
    assert result.usable == 4
    assert result.typical_day == 4


def test_the_sentence_gives_the_median_and_what_it_rests_on() -> None:
    assert fall_back_sentence(fall_back(HAND_COMPUTED)) == (
        "Mood typically fell back to its pre-session level on day 4 after a session (median of "
        "2 intervals; 1 interval did not fall back before the next session; the latest interval "
        "has not fallen back so far)."
    )
    assert fall_back_sentence(FallBack((5, 2, 7, 5, 9, 4, 6), 2, 0)) == (
        "Mood typically fell back to its pre-session level on day 5 after a session (median of "
        "7 intervals; 2 intervals did not fall back before the next session)."
    )
    assert fall_back_sentence(FallBack((3, 4), 0, 0)) == (
        "Mood typically fell back to its pre-session level on day 3.5 after a session (median "
        "of 2 intervals)."
    )
    assert fall_back_sentence(FallBack((), 3, 0)) == (
        "Mood did not fall back to its pre-session level in any of the 3 intervals with a "
        "pre-session level (3 intervals did not fall back before the next session)."
    )


def test_fewer_than_two_usable_intervals_is_not_enough() -> None:
    assert fall_back_sentence(FallBack((4,), 0, 0)) == NOT_ENOUGH
    assert fall_back_sentence(FallBack((), 0, 1)) == NOT_ENOUGH
    assert fall_back_sentence(fall_back(DurabilityData(()))) == NOT_ENOUGH
    only_one = DurabilityData(HAND_COMPUTED.intervals[:2])  # one without a level, one usable
    assert fall_back_sentence(fall_back(only_one)) == NOT_ENOUGH


def test_the_sentence_is_an_observation_not_advice() -> None:
    sentences = [
        fall_back_sentence(fall_back(HAND_COMPUTED)),
        fall_back_sentence(FallBack((), 3, 0)),
        NOT_ENOUGH,
    ]
    for sentence in sentences:
        for word in ("consider", "should", "schedule", "recommend", "dose", "spacing"):
            assert word not in sentence.lower()


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def test_build_durability_sets_each_sessions_level_and_next_session() -> None:
    zone = UTC
    moods = {
        # Before the first session (3 Mar): 28 Feb 4, 1 Mar 6, 2 Mar none → level 5.0.
        (2, 28): 4,
        (3, 1): 6,
        # First interval: back at or below 5.0 on day 2 (5 Mar).
        (3, 4): 7,
        (3, 5): 5,
        # Before the second session (10 Mar): 7, 8, 9 Mar → (6 + 5 + 4) / 3 = 5.0.
        (3, 7): 6,
        (3, 8): 5,
        (3, 9): 4,
        # Second interval: above 5.0 until the next session (14 Mar).
        (3, 11): 7,
        (3, 12): 6,
        (3, 13): 6,
        # Third (latest) interval, level (7 + 6 + 6) / 3: above it so far.
        (3, 15): 7,
    }
    checkins = [
        (datetime(2025, m, d, 9, tzinfo=UTC), mood, None, None) for (m, d), mood in moods.items()
    ]
    reports = [(_at(3, 16), 8), (_at(10, 16), 8), (_at(14, 16), 8)]
    data = build_durability(zone, checkins, reports, [_at(3, 10), _at(10, 10), _at(14, 10)])
    assert [(i.session_day.day, i.pre_session, i.next_session_day) for i in data.intervals] == [
        (3, 5.0, date(2025, 3, 10)),
        (10, 5.0, date(2025, 3, 14)),
        (14, 6.333, None),
    ]
    assert fall_back(data) == FallBack(days=(2,), not_before_next=1, not_yet=1)


# --- Pages -------------------------------------------------------------------------------


def _log_two_intervals_that_fall_back(patient) -> None:
    """Sessions 12 and 5 days ago; mood 4 on the days before each, 8 after, 4 again on day 3."""
    zone = patient.zone
    today = timezone.now().astimezone(zone).date()

    def at(days_ago: int, hour: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), datetime.min.time()).replace(
            hour=hour, tzinfo=zone
        )

    for days_ago in (12, 5):
        services.log_session(patient=patient, started_at=at(days_ago, 10), route="iv")
        for before in (1, 2, 3):
            services.log_checkin(patient=patient, recorded_at=at(days_ago + before, 9), mood=4)
        for since, mood in ((1, 8), (2, 7), (3, 4)):
            services.log_checkin(patient=patient, recorded_at=at(days_ago - since, 9), mood=mood)


SENTENCE = "Mood typically fell back to its pre-session level on day 3 after a session"


@pytest.mark.django_db
def test_the_provider_summary_shows_the_fall_back_day_and_the_patients_trends_do_not(
    patient, provider
) -> None:
    _log_two_intervals_that_fall_back(patient)
    services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
    response = client_for(provider).get(
        reverse("journal:provider-patient", args=[patient.pk]) + "?period=30"
    )
    assert response.status_code == 200
    assert f"{SENTENCE} (median of 2 intervals)." in response.content.decode()

    own = client_for(patient).get(reverse("journal:dashboard") + "?period=30")
    assert own.status_code == 200
    body = own.content.decode()
    assert 'id="chart-durability-heading"' in body
    assert "fell back" not in body and NOT_ENOUGH not in body


def test_the_chart_draws_the_fall_back_day_only_when_the_data_carries_it() -> None:
    marked = durability_chart(DurabilityData(HAND_COMPUTED.intervals, fall_back_day=4))
    assert b"Typical fall-back day (day 4)" in marked
    assert b"fall-back" not in durability_chart(HAND_COMPUTED)


@pytest.mark.django_db
def test_only_the_providers_chart_image_marks_the_fall_back_day(patient, provider) -> None:
    _log_two_intervals_that_fall_back(patient)
    services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
    url = reverse("journal:provider-chart", args=[patient.pk, "durability"])
    shared = client_for(provider).get(url + "?period=30")
    assert shared.status_code == 200 and b"Typical fall-back day (day 3)" in shared.content
    own = client_for(patient).get(reverse("journal:chart", args=["durability"]) + "?period=30")
    assert own.status_code == 200 and b"<svg" in own.content
    assert b"fall-back" not in own.content
