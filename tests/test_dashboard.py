"""Trends dashboard and chart URLs: content, period picker, caching, query counts, scope."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal import chartdata, services
from journal.chartdata import parse_period
from journal.charts import CHARTS, ChartSpec
from journal.permissions import own_scope
from journal.views.dashboard import chart_response
from tests.conftest import client_for

DASHBOARD = reverse("journal:dashboard")


def chart_url(name: str, period: str | None = None) -> str:
    url = reverse("journal:chart", args=[name])
    return f"{url}?period={period}" if period else url


def log_weeks(patient, weeks: int, start: datetime | None = None) -> None:
    """A weekly session with a report and readings, and daily check-ins with symptoms."""
    start = start or datetime.now(UTC).replace(microsecond=0) - timedelta(days=7 * weeks + 1)
    for week in range(weeks):
        at = start + timedelta(days=7 * week)
        session = services.log_session(patient=patient, started_at=at, route="iv")
        services.submit_report(
            patient=patient,
            session=session,
            reported_at=at + timedelta(hours=3),
            mood=6,
            ratings={"dissociation": 1 + week % 3, "nausea": week % 2},
            readings=(
                services.ReadingInput(at - timedelta(minutes=10), 124, 80, "before"),
                services.ReadingInput(at + timedelta(minutes=40), 140 + week, 88, "after40"),
            ),
        )
        for day in range(1, 7):
            services.log_checkin(
                patient=patient,
                recorded_at=at + timedelta(days=day),
                mood=4 + day % 4,
                anxiety=3,
                ratings={"sleep": day % 3},
            )
        services.submit_questionnaire(
            patient=patient,
            instrument="phq9",
            answers=[1] * 9,
            completed_at=at + timedelta(days=2),
        )


def test_dashboard_shows_summaries_tables_and_chart_images(patient) -> None:
    log_weeks(patient, 2)
    response = client_for(patient).get(DASHBOARD)
    assert response.status_code == 200
    assert [t.name for t in response.templates][:1] == ["journal/dashboard.html"]
    html = response.content.decode()
    for name, spec in CHARTS.items():
        src = chart_url(name, "30")
        assert f'src="{src}"' in html.replace("&amp;", "&"), name
        assert f'alt="{spec.alt}"' in html
    assert "your average daily mood was" in html
    assert "the most frequent side effect was Dissociation" in html
    assert "The largest rise after a dose was +17/+8 mmHg" in html
    assert "Latest PHQ-9: 9 (Mild)" in html
    assert "<details>" in html and "<caption>" in html
    assert '<th scope="col">Day</th>' in html and '<th scope="row">' in html
    assert 'href="/trends/" aria-current="page">Trends</a>' in html
    assert "style=" not in html and "<script>" not in html


def test_dashboard_with_nothing_logged_invites_a_first_entry(patient) -> None:
    html = client_for(patient).get(DASHBOARD).content.decode()
    assert "Nothing to show yet for this period." in html
    assert reverse("journal:checkin-create") in html
    assert reverse("journal:reading-create") in html
    assert "No mood entries in the last 30 days yet." in html
    assert "<details>" not in html


def test_empty_chart_is_a_friendly_valid_picture(patient) -> None:
    for name in CHARTS:
        response = client_for(patient).get(chart_url(name))
        assert response.status_code == 200
        root = ET.fromstring(response.content)  # noqa: S314 - our own output
        words = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert "Entries you log will appear here." in words


@pytest.mark.parametrize("value", ["", "7", "bogus", "ALL", "30%20days"])
def test_period_picker_falls_back_to_thirty_days(patient, value: str) -> None:
    html = client_for(patient).get(f"{DASHBOARD}?period={value}").content.decode()
    assert 'href="?period=30" aria-current="page">30 days</a>' in html
    assert chart_url("mood", "30") in html
    assert 'aria-current="page">90 days' not in html


def test_period_picker_keeps_a_valid_choice(patient) -> None:
    html = client_for(patient).get(f"{DASHBOARD}?period=365").content.decode()
    assert 'href="?period=365" aria-current="page">365 days</a>' in html
    assert chart_url("blood-pressure", "365") in html
    html = client_for(patient).get(f"{DASHBOARD}?period=all").content.decode()
    assert 'href="?period=all" aria-current="page">All</a>' in html
    assert "No mood entries in your whole journal yet." in html
    services.log_checkin(
        patient=patient, recorded_at=datetime.now(UTC) - timedelta(days=400), mood=3
    )
    html = client_for(patient).get(f"{DASHBOARD}?period=all").content.decode()
    assert "Across all your entries your average daily mood was 3.0 out of 10" in html


def test_chart_is_svg_never_stored_by_shared_caches(patient) -> None:
    log_weeks(patient, 1)
    response = client_for(patient).get(chart_url("mood", "90"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"private", "no-store"}
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert ET.fromstring(response.content).tag == "{http://www.w3.org/2000/svg}svg"  # noqa: S314


def test_unknown_chart_is_404(patient) -> None:
    assert client_for(patient).get(chart_url("pie")).status_code == 404


def test_each_patient_sees_only_their_own_data(patient, other_patient) -> None:
    log_weeks(patient, 1)
    html = client_for(other_patient).get(DASHBOARD).content.decode()
    assert "Nothing to show yet for this period." in html
    svg = client_for(other_patient).get(chart_url("blood-pressure")).content
    assert b"No blood pressure readings" in svg


@pytest.fixture
def counting_renders(monkeypatch) -> list[str]:
    """Count real renders of the mood chart (cache misses)."""
    calls: list[str] = []
    spec = CHARTS["mood"]

    def render(data, **variant) -> bytes:
        calls.append("mood")
        return spec.render(data, **variant)

    monkeypatch.setitem(
        CHARTS, "mood", ChartSpec(spec.name, spec.title, spec.category, render, spec.alt)
    )
    return calls


def test_second_view_is_a_cache_hit_and_a_new_entry_changes_the_key(
    patient, counting_renders
) -> None:
    log_weeks(patient, 1)
    client = client_for(patient)
    first = client.get(chart_url("mood"))
    second = client.get(chart_url("mood"))
    assert counting_renders == ["mood"]
    assert first.content == second.content
    period = parse_period("30", patient.zone)
    data = chartdata.chart_data(own_scope(patient), "mood", period)
    key = chartdata.chart_cache_key(patient, "mood", period, data)
    assert cache.get(key) == first.content

    services.log_checkin(patient=patient, recorded_at=datetime.now(UTC), mood=10)
    third = client.get(chart_url("mood"))
    assert counting_renders == ["mood", "mood"]
    assert third.content != first.content
    data = chartdata.chart_data(own_scope(patient), "mood", period)
    assert chartdata.chart_cache_key(patient, "mood", period, data) != key


def test_an_edit_changes_the_key_too(patient) -> None:
    checkin = services.log_checkin(
        patient=patient, recorded_at=datetime.now(UTC) - timedelta(hours=1), mood=3
    )
    period = parse_period("30", patient.zone)
    before = chartdata.chart_cache_key(
        patient, "mood", period, chartdata.chart_data(own_scope(patient), "mood", period)
    )
    services.edit_checkin(
        patient=patient,
        checkin=checkin,
        expected_version=checkin.version,
        recorded_at=checkin.recorded_at,
        mood=4,
    )
    after = chartdata.chart_cache_key(
        patient, "mood", period, chartdata.chart_data(own_scope(patient), "mood", period)
    )
    assert before != after


# 1 of them for "Since treatment began" (one UNION: questionnaires, sessions, marked baselines).
DASHBOARD_QUERY_LIMIT = 17


def _dashboard_queries(patient) -> int:
    client = client_for(patient)
    client.get(DASHBOARD)  # warm the session and clinic-settings rows
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{DASHBOARD}?period=90").status_code == 200
    return len(queries.captured_queries)


def test_dashboard_query_count_is_pinned_and_does_not_grow_with_entries(
    patient, django_assert_max_num_queries
) -> None:
    log_weeks(patient, 1)
    few = _dashboard_queries(patient)
    log_weeks(patient, 8)
    many = _dashboard_queries(patient)
    assert few == many
    client = client_for(patient)
    # At most 10 journal reads (one per kind of row) plus session, user, two-step and clinic
    # settings checks of the middleware and the session save of a first request.
    with django_assert_max_num_queries(DASHBOARD_QUERY_LIMIT):
        assert client.get(f"{DASHBOARD}?period=all").status_code == 200


def test_chart_response_is_reusable_with_narrower_categories(patient) -> None:
    from django.core.exceptions import PermissionDenied

    log_weeks(patient, 1)
    period = parse_period("30", patient.zone)
    bp_only = own_scope(patient).narrowed({"blood_pressure"})
    response = chart_response(bp_only, "blood-pressure", period)
    assert response.status_code == 200 and b"<svg" in response.content
    with pytest.raises(PermissionDenied):
        chart_response(bp_only, "mood", period)


def test_only_patients_reach_trends(personas) -> None:
    for user in (personas.provider, personas.clinic_admin):
        assert client_for(user).get(DASHBOARD).status_code == 403
        assert client_for(user).get(chart_url("mood")).status_code == 403
    assert client_for(None).get(DASHBOARD).status_code == 302


def test_every_chart_on_trends_offers_its_phone_drawing_to_narrow_screens(
    patient,
) -> None:
    log_weeks(patient, 2)
    client = client_for(patient)
    trends = client.get(DASHBOARD + "?period=30").content.decode()
    for name in CHARTS:
        src = chart_url(name, "30")
        assert f'srcset="{src}&amp;size=phone"' in trends, name
        assert f'<img src="{src}"' in trends, name
    # Each chart, and each response curve the page shows.
    assert trends.count('<source media="(max-width: 575.98px)"') >= len(CHARTS)
    phone = client.get(chart_url("mood", "30") + "&size=phone")
    assert phone.status_code == 200 and b'width="336"' in phone.content[:600]
