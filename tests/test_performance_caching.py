"""Performance fixes keep their promises: the data-version cache keys change with every kind of
write, warm dashboards and charts skip the data, triage is ranked across pages, exports are the
same bytes' meaning, only cheaper."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journal import chartdata, services
from journal.chartdata import data_version
from journal.exports import fhir
from journal.models import AccessEvent, CheckIn, Role, ShareCategory
from journal.permissions import own_scope
from journal.reads import provider as provider_reads
from tests.conftest import client_for, enroll

DASHBOARD = reverse("journal:dashboard")
NOW = datetime.now(UTC).replace(microsecond=0)


def checkin(patient, hours_ago: float = 2, mood: int = 5, **extra) -> CheckIn:
    return services.log_checkin(
        patient=patient, recorded_at=NOW - timedelta(hours=hours_ago), mood=mood, **extra
    )


def session_with_report(patient, days_ago: int = 3):
    at = NOW - timedelta(days=days_ago)
    session = services.log_session(patient=patient, started_at=at, route="iv")
    report = services.submit_report(
        patient=patient,
        session=session,
        reported_at=at + timedelta(hours=2),
        mood=6,
        ratings={"nausea": 1, "dissociation": 2},
        readings=(services.ReadingInput(at - timedelta(minutes=10), 124, 80, "before"),),
    )
    return session, report


def panels(response) -> str:
    """The dashboard's panels (the page around them carries per-request CSRF tokens)."""
    html = response.content.decode()
    return html[html.index("<section") : html.rindex("</section>")]


# --- The data version -----------------------------------------------------------------------


def test_the_data_version_changes_with_new_edited_and_deleted_entries(patient) -> None:
    seen = [data_version(patient)]
    entry = checkin(patient, mood=4)
    seen.append(data_version(patient))
    services.edit_checkin(
        patient=patient,
        checkin=entry,
        expected_version=entry.version,
        recorded_at=entry.recorded_at,
        mood=5,
    )
    seen.append(data_version(patient))
    _session, report = session_with_report(patient)
    seen.append(data_version(patient))
    # Only a rating changes: the report is marked edited, so the version moves.
    services.edit_report(
        patient=patient,
        report=report,
        expected_version=report.version,
        reported_at=report.reported_at,
        mood=report.mood,
        ratings={"nausea": 3, "dissociation": 2},
    )
    seen.append(data_version(patient))
    services.add_reading(
        patient=patient, measured_at=NOW - timedelta(hours=1), systolic=190, diastolic=125,
        context="home",
    )  # fmt: skip
    seen.append(data_version(patient))
    services.delete_checkin(patient=patient, checkin=CheckIn.objects.get(pk=entry.pk))
    seen.append(data_version(patient))
    assert len(set(seen)) == len(seen)


def test_a_delete_followed_by_an_insert_still_changes_the_version(patient) -> None:
    first = checkin(patient, hours_ago=3)
    before = data_version(patient)
    services.delete_checkin(patient=patient, checkin=first)
    checkin(patient, hours_ago=3)  # same count as before, newer change time
    assert data_version(patient) != before


def test_threshold_changes_change_the_version_and_other_patients_do_not(
    patient, other_patient, clinic_admin
) -> None:
    checkin(patient)
    before = data_version(patient)
    checkin(other_patient)
    assert data_version(patient) == before
    services.update_clinic_settings(actor=clinic_admin, values={"severe_systolic": 175})
    assert data_version(patient) != before


def test_the_data_version_is_one_query(patient) -> None:
    session_with_report(patient)
    with CaptureQueriesContext(connection) as queries:
        data_version(patient)
    assert len(queries.captured_queries) == 1


# --- Warm dashboard and charts ----------------------------------------------------------------


@pytest.fixture
def count_loads(monkeypatch) -> list[str]:
    calls: list[str] = []
    real_dashboard, real_chart = chartdata.dashboard_data, chartdata.chart_data

    def dashboard_data(*args, **kwargs):
        calls.append("dashboard")
        return real_dashboard(*args, **kwargs)

    def chart_data(*args, **kwargs):
        calls.append("chart")
        return real_chart(*args, **kwargs)

    monkeypatch.setattr(chartdata, "dashboard_data", dashboard_data)
    monkeypatch.setattr(chartdata, "chart_data", chart_data)
    return calls


def test_a_warm_dashboard_loads_no_data_and_a_new_entry_shows_at_once(patient, count_loads) -> None:
    session_with_report(patient)
    checkin(patient, mood=2)
    client = client_for(patient)
    first = client.get(DASHBOARD)
    assert count_loads == ["dashboard"]
    with CaptureQueriesContext(connection) as queries:
        second = client.get(DASHBOARD)
    assert count_loads == ["dashboard"]
    assert panels(second) == panels(first)
    # Session, user, the data version, the outcomes' one UNION ("Since treatment began" is not
    # cached: a provider's baseline mark changes it without changing the data version), and
    # nothing that grows with a year of entries.
    assert len(queries.captured_queries) <= 6

    checkin(patient, hours_ago=1, mood=9)
    third = client.get(DASHBOARD)
    assert count_loads == ["dashboard", "dashboard"]
    assert panels(third) != panels(first)


def test_the_dashboard_cache_is_per_period_and_panels_still_render(patient, count_loads) -> None:
    checkin(patient)
    client = client_for(patient)
    short = client.get(f"{DASHBOARD}?period=30").content.decode()
    year = client.get(f"{DASHBOARD}?period=365").content.decode()
    assert count_loads == ["dashboard", "dashboard"]
    assert 'mood.svg?period=30"' in short and 'mood.svg?period=365"' not in short
    assert 'mood.svg?period=365"' in year


def test_a_new_release_of_the_panel_templates_does_not_reuse_cached_panels(
    patient, count_loads, monkeypatch
) -> None:
    from journal.views import dashboard as dashboard_view

    checkin(patient)
    client = client_for(patient)
    client.get(DASHBOARD)
    client.get(DASHBOARD)
    assert count_loads == ["dashboard"]
    monkeypatch.setattr(dashboard_view, "_release", lambda: "next-release")
    client.get(DASHBOARD)
    assert count_loads == ["dashboard", "dashboard"]


def test_a_warm_chart_loads_no_data_and_an_edit_redraws_it(patient, count_loads) -> None:
    entry = checkin(patient, mood=3)
    client = client_for(patient)
    url = reverse("journal:chart", args=["mood"])
    first = client.get(url).content
    client.get(url)
    assert count_loads == ["chart"]
    services.edit_checkin(
        patient=patient,
        checkin=entry,
        expected_version=entry.version,
        recorded_at=entry.recorded_at,
        mood=8,
    )
    assert client.get(url).content != first
    assert count_loads == ["chart", "chart"]


def test_each_drawing_of_a_chart_is_cached_under_its_own_key(patient, count_loads) -> None:
    checkin(patient, mood=3)
    client = client_for(patient)
    url = reverse("journal:chart", args=["mood"]) + "?period=30"
    queries = ("", "&size=phone", "&theme=dark", "&size=phone&theme=dark")
    first = [client.get(url + q).content for q in queries]
    assert len(set(first)) == 4  # four drawings, none served for another
    assert count_loads == ["chart"] * 4
    again = [client.get(url + q).content for q in queries]
    assert again == first and count_loads == ["chart"] * 4  # every drawing is a warm hit


def test_chart_cache_keys_name_the_drawing(patient) -> None:
    from journal.charts import Variant

    period = chartdata.parse_period("30", patient.zone)
    data = chartdata.chart_data(own_scope(patient), "mood", period)
    keys = {
        chartdata.chart_cache_key(patient, "mood", period, data, Variant(size, theme))
        for size in ("desktop", "phone")
        for theme in ("light", "dark")
    }
    assert len(keys) == 4


def test_chart_keys_separate_categories(patient) -> None:
    period = chartdata.parse_period("30", patient.zone)
    version = data_version(patient)
    scope = own_scope(patient)
    mood_only = chartdata.version_key("x", scope.narrowed({"mood"}), period, version)
    everything = chartdata.version_key("x", scope, period, version)
    assert mood_only != everything


# --- Triage pages -----------------------------------------------------------------------------


def test_triage_is_ranked_over_all_patients_and_shown_a_page_at_a_time(provider) -> None:
    size = provider_reads.TRIAGE_PAGE_SIZE
    quiet = []
    for i in range(size + 4):
        patient = enroll(f"quiet{i:03d}@clinic.test", Role.PATIENT, f"Quiet {i:03d}")
        services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
        quiet.append(patient)
    # Alphabetically last, but urgent: must be the first row of page 1.
    urgent = enroll("zz@clinic.test", Role.PATIENT, "Zed Urgent")
    services.grant_share(patient=urgent, provider=provider, categories=ShareCategory.values)
    services.add_reading(
        patient=urgent, measured_at=timezone.now() - timedelta(hours=1), systolic=190,
        diastolic=125, context="home",
    )  # fmt: skip
    client = client_for(provider)
    home = reverse("journal:provider-home")

    first = client.get(home)
    rows = first.context["rows"]
    assert len(rows) == size
    assert rows[0].patient == urgent
    assert first.context["page"].paginator.count == size + 5
    # Only the patients on the page were shown, so only they get an access event.
    assert AccessEvent.objects.filter(actor=provider).count() == size

    second = client.get(f"{home}?page=2")
    assert [r.patient for r in second.context["rows"]] == quiet[size - 1 :]
    assert AccessEvent.objects.filter(actor=provider).count() == size + 5
    assert "page=2" in first.content.decode()

    filtered = client.get(f"{home}?kind=severe_bp&page=7")  # out of range: last page
    assert [r.patient for r in filtered.context["rows"]] == [urgent]


def test_triage_pagination_links_keep_the_flag_filter(provider) -> None:
    for i in range(provider_reads.TRIAGE_PAGE_SIZE + 1):
        patient = enroll(f"low{i:03d}@clinic.test", Role.PATIENT, f"Low {i:03d}")
        services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
        checkin(patient, mood=1)
    response = client_for(provider).get(reverse("journal:provider-home") + "?kind=very_low_mood")
    assert "?kind=very_low_mood&amp;page=2" in response.content.decode()


# --- Exports ----------------------------------------------------------------------------------


def test_fhir_resource_ids_are_still_uuid5_of_kind_and_pk() -> None:
    for kind in ("checkin", "report", "reading"):
        for pk in (1, 42, 10_000):
            expected = str(uuid.uuid5(fhir._ID_NAMESPACE, f"{kind}/{pk}"))
            assert fhir.resource_id(kind, pk) == expected


def test_the_fhir_export_is_compact_json(patient) -> None:
    from journal.exports.data import read_export_data

    session_with_report(patient)
    raw = fhir.fhir_json(read_export_data(own_scope(patient)))
    assert b"\n" not in raw
    assert json.loads(raw)["resourceType"] == "Bundle"
