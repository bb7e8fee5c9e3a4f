"""The provider summary's lists of flags (`templatetags/provider_flags.flag_items`): each flag's
markup is cached under the summary's key, and only what the key does not cover is written per
request: the flag's age ("3 days ago") and who acknowledged it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince
from freezegun import freeze_time

from journal import services
from journal.models import Flag, ShareCategory
from journal.templatetags.provider_flags import _age, _words
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ALL = ShareCategory.values


NOWS = [
    datetime(2028, 3, 1, 9, 30, tzinfo=UTC),  # the day after a leap day
    datetime(2028, 2, 29, 0, 0, tzinfo=UTC),
    datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC),  # a month end
    datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC),  # the turn of a year
]


def _moments(now: datetime) -> list[datetime]:
    """Ages from seconds to years before `now`, and one a little after it."""
    steps = [timedelta(seconds=s) for s in (0, 30, 59, 60, 61, 3599, 3600, 7199, 86399)]
    steps += [timedelta(hours=h, minutes=m) for h in range(0, 24 * 70, 7) for m in (0, 29)]
    steps += [timedelta(days=d) for d in range(0, 800, 3)]
    moments = [now - step for step in steps]
    moments += [now + timedelta(minutes=5)]  # a clock a little behind: "0 minutes"
    moments += [datetime(2026, 1, 31, 23, 59, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)]
    return moments


@pytest.mark.parametrize("now", NOWS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_flags_age_reads_as_djangos_timesince(language, now) -> None:
    with translation.override(language):
        words = _words()
        moments = _moments(now)
        for moment in moments:
            expected = escape(words.ago % {"time": timesince(moment, now, depth=1)})
            assert _age(moment, now, words) == expected, (moment, now)
            assert _age(moment, now, words) == expected, "the remembered words differ"
        # Many flags, few distinct ages: each age's words are looked up once.
        assert len(words.ages) < len(moments) / 3


def _severe_reading(patient, hours_ago: float) -> Flag:
    reading = services.add_reading(
        patient=patient,
        measured_at=timezone.now() - timedelta(hours=hours_ago),
        systolic=185,
        diastolic=121,
        context="home",
    )
    return Flag.objects.get(reading=reading)


def _more_flags(body: str) -> str:
    start = body.index('id="flags-more"')
    return body[start : body.index("</details>", start)]


def _summary(provider, patient) -> str:
    response = client_for(provider).get(reverse("journal:provider-patient", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_cached_flags_still_age_with_the_clock(patient, provider, monkeypatch) -> None:
    from journal.templatetags import provider_flags

    built = []
    original = provider_flags._head_parts
    monkeypatch.setattr(
        provider_flags,
        "_head_parts",
        lambda item, *args: built.append(item.flag.pk) or original(item, *args),
    )
    with freeze_time("2026-06-10 12:00:00+00:00"):  # 08:00 in the patient's New York
        services.grant_share(patient=patient, provider=provider, categories=ALL)
        for hours in range(1, 9):
            _severe_reading(patient, hours_ago=hours)
        first = _more_flags(_summary(provider, patient))
    assert "6\xa0hours ago" in first and "8\xa0hours ago" in first
    assert len(built) == 8  # five flags with their own form, three behind "more"
    # Same data, ten hours later the same day: the cached markup, with the new ages.
    with freeze_time("2026-06-10 22:00:00+00:00"):
        later = _more_flags(_summary(provider, patient))
    assert len(built) == 8 + 5, "the flags behind 'more' were built again"
    assert "16\xa0hours ago" in later and "18\xa0hours ago" in later
    assert ", 6\xa0hours ago" not in later
    ages = re.compile(r"\d+\xa0hours ago")
    assert ages.sub("AGE", first) == ages.sub("AGE", later)


def test_a_cached_list_of_acknowledged_flags_carries_todays_names(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    flags = [_severe_reading(patient, hours_ago=hours) for hours in range(1, 4)]
    services.acknowledge_flags(provider=provider, flags=flags, disposition="reviewed")
    assert _summary(provider, patient).count("Acknowledged by Dr Provider") == 3
    provider.display_name = "Dr Renamed"
    provider.save(update_fields=["display_name"])
    after = _summary(provider, patient)
    assert after.count("Acknowledged by Dr Renamed") == 3 and "Dr Provider" not in after


def test_a_spanish_reader_gets_the_list_in_spanish_after_an_english_one(patient, provider) -> None:
    """The summary's key names the language, so a cached English list is never shown to a
    reader of Spanish."""
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    for hours in range(1, 9):
        _severe_reading(patient, hours_ago=hours)
    assert "hours ago" in _more_flags(_summary(provider, patient))
    provider.language = "es"
    provider.save(update_fields=["language"])
    spanish = _more_flags(_summary(provider, patient))
    assert "hours ago" not in spanish and "hace 6\xa0horas" in spanish
