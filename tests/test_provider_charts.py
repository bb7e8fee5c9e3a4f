"""Charts in the provider workspace: only shared categories, scoped chart images, audited reads,
and nothing from before the share's start date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal import permissions, services
from journal.models import AccessEvent, ShareCategory
from journal.provider_charts import provider_panels, provider_period
from tests.conftest import client_for
from tests.factories import journal_in_every_category

ALL = ShareCategory.values
MOOD_ONLY = [ShareCategory.MOOD.value]


def chart_url(patient, name: str, period: str = "30") -> str:
    return reverse("journal:provider-chart", args=[patient.pk, name]) + f"?period={period}"


def page(client, patient, name: str = "journal:provider-patient") -> str:
    response = client.get(reverse(name, args=[patient.pk]) + "?period=30")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def journal(patient) -> dict[str, object]:
    return journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))


def test_the_summary_shows_every_chart_of_a_full_share_with_sentence_and_table(
    patient, provider, journal
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    body = page(client_for(provider), patient)
    for name in ("mood", "durability", "side-effects", "symptoms", "blood-pressure"):
        assert chart_url(patient, name).replace("&", "&amp;") in body, name
    assert "average daily mood was" in body
    assert "Show the numbers as a table" in body and "Daily mood, the last 30 days" in body


def test_charts_of_unshared_categories_are_absent_not_blank(patient, provider, journal) -> None:
    services.grant_share(patient=patient, provider=provider, categories=MOOD_ONLY)
    body = page(client_for(provider), patient)
    assert reverse("journal:provider-chart", args=[patient.pk, "mood"]) in body
    for name in ("side-effects", "symptoms", "blood-pressure"):
        assert reverse("journal:provider-chart", args=[patient.pk, name]) not in body
        assert f'id="chart-{name}-heading"' not in body
    assert "Side effects after sessions" not in body and "Blood pressure</h3>" not in body


def test_a_chart_image_is_svg_and_its_read_is_in_the_patients_access_log(
    patient, provider, journal
) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    response = client_for(provider).get(chart_url(patient, "blood-pressure"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    event = AccessEvent.objects.get(actor=provider, what="chart:blood-pressure")
    assert event.patient == patient and event.share == share


def test_an_unshared_or_unknown_chart_is_404_and_writes_no_access_event(
    patient, provider, journal
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=MOOD_ONLY)
    client = client_for(provider)
    assert client.get(chart_url(patient, "mood")).status_code == 200
    assert client.get(chart_url(patient, "blood-pressure")).status_code == 404
    assert client.get(chart_url(patient, "side-effects")).status_code == 404
    assert client.get(chart_url(patient, "no-such-chart")).status_code == 404
    assert list(AccessEvent.objects.filter(actor=provider).values_list("what", flat=True)) == [
        "chart:mood"
    ]


def test_a_provider_without_a_share_gets_404_and_other_roles_403(
    personas, patient, journal
) -> None:
    services.grant_share(patient=patient, provider=personas.provider, categories=ALL)
    url = chart_url(patient, "mood")
    assert client_for(personas.provider_without_share).get(url).status_code == 404
    assert client_for(personas.patient).get(url).status_code == 403
    assert client_for(personas.clinic_admin).get(url).status_code == 403
    assert not AccessEvent.objects.filter(actor=personas.provider_without_share).exists()


def test_revocation_takes_effect_on_the_next_chart_request(patient, provider, journal) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    client = client_for(provider)
    assert client.get(chart_url(patient, "mood")).status_code == 200
    services.revoke_share(patient=patient, share=share)
    assert client.get(chart_url(patient, "mood")).status_code == 404
    assert AccessEvent.objects.filter(what="chart:mood").count() == 1


def test_expiry_takes_effect_on_the_next_chart_request(patient, provider, journal) -> None:
    today = permissions.patient_today(patient)
    services.grant_share(patient=patient, provider=provider, categories=ALL, expires_on=today)
    client = client_for(provider)
    assert client.get(chart_url(patient, "mood")).status_code == 200
    with freeze_time(timezone.now() + timedelta(days=2)):
        # A fresh log-in: the old session has timed out by then, which would prove nothing.
        assert client_for(provider).get(chart_url(patient, "mood")).status_code == 404


def test_narrowing_a_share_removes_the_chart_at_once(patient, provider, journal) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    client = client_for(provider)
    assert client.get(chart_url(patient, "blood-pressure")).status_code == 200
    services.update_share(
        patient=patient, share=share, categories=MOOD_ONLY, starts_on=None, expires_on=None
    )
    assert client.get(chart_url(patient, "blood-pressure")).status_code == 404
    assert reverse("journal:provider-chart", args=[patient.pk, "blood-pressure"]) not in page(
        client, patient
    )


# --- Nothing from before the share's start ------------------------------------------------


@pytest.fixture
def before_and_after_start(patient) -> date:
    """A session and mood 0 on the ten days before yesterday, mood 10 yesterday (local noon,
    so no test depends on the hour it runs); returns yesterday, the share's start."""
    yesterday = permissions.patient_today(patient) - timedelta(days=1)
    noon = datetime.combine(yesterday, time(12), tzinfo=patient.zone)
    services.log_session(patient=patient, started_at=noon - timedelta(days=11), route="iv")
    for days_before in range(2, 12):
        services.log_checkin(
            patient=patient, recorded_at=noon - timedelta(days=days_before), mood=0
        )
    services.log_checkin(patient=patient, recorded_at=noon, mood=10)
    services.log_checkin(patient=patient, recorded_at=noon + timedelta(hours=1), mood=10)
    return yesterday


def test_charts_start_at_the_share_start_and_ignore_earlier_entries(
    patient, provider, before_and_after_start
) -> None:
    starts_on = before_and_after_start
    share = services.grant_share(
        patient=patient, provider=provider, categories=ALL, starts_on=starts_on
    )
    period = provider_period(permissions.share_scope(share), "30")
    assert period.first_day == starts_on
    panels = {p.name: p.panel for p in provider_panels(permissions.share_scope(share), period)}
    mood_rows = panels["mood"].table.rows
    assert len(mood_rows) == 1
    # The 7-day average does not lean on the mood-0 days before the share.
    assert mood_rows[0][1] == "10.0" and mood_rows[0][3] == "10.0", mood_rows
    # No comparison with a previous period that lies before the share.
    assert "compare with" in panels["mood"].summary
    assert "0.0 in" not in panels["mood"].summary
    # The session before the share is not the anchor of any durability interval.
    assert panels["durability"].table.rows == ()


def test_the_chart_image_is_drawn_from_the_same_guarded_data(
    patient, provider, before_and_after_start
) -> None:
    from journal import chartdata
    from journal.charts import CHARTS

    share = services.grant_share(
        patient=patient, provider=provider, categories=ALL, starts_on=before_and_after_start
    )
    period = provider_period(permissions.share_scope(share), "30")
    raw = chartdata.chart_data(permissions.own_scope(patient), "mood", period)
    image = client_for(provider).get(chart_url(patient, "mood")).content
    # The raw data's 7-day average reaches back before the share; the image must not: it is
    # drawn from data read from the share's start on (tests/test_chartdata_not_before.py
    # checks that data's figures).
    shared = chartdata.chart_data(permissions.share_scope(share), "mood", period)
    assert image != CHARTS["mood"].render(raw)
    assert image == CHARTS["mood"].render(shared)


def test_without_a_start_date_the_provider_sees_the_patients_figures(
    patient, provider, before_and_after_start
) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    period = provider_period(permissions.share_scope(share), "30")
    assert period.first_day == permissions.patient_today(patient) - timedelta(days=29)
    panels = {p.name: p.panel for p in provider_panels(permissions.share_scope(share), period)}
    assert len(panels["mood"].table.rows) == 11
    assert panels["durability"].table.rows != ()


# --- Print view and downloads -------------------------------------------------------------


def test_the_printable_summary_has_only_the_mood_and_blood_pressure_charts(
    patient, provider, journal
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    body = page(client_for(provider), patient, "journal:provider-patient-print")
    assert reverse("journal:provider-chart", args=[patient.pk, "mood"]) in body
    assert reverse("journal:provider-chart", args=[patient.pk, "blood-pressure"]) in body
    assert reverse("journal:provider-chart", args=[patient.pk, "side-effects"]) not in body
    assert reverse("journal:provider-chart", args=[patient.pk, "durability"]) not in body


def test_the_printable_summary_leaves_out_an_unshared_blood_pressure_chart(
    patient, provider, journal
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=MOOD_ONLY)
    body = page(client_for(provider), patient, "journal:provider-patient-print")
    assert reverse("journal:provider-chart", args=[patient.pk, "mood"]) in body
    assert reverse("journal:provider-chart", args=[patient.pk, "blood-pressure"]) not in body


def test_the_patient_page_links_the_exports_within_the_share(patient, provider, journal) -> None:
    services.grant_share(patient=patient, provider=provider, categories=MOOD_ONLY)
    client = client_for(provider)
    body = page(client, patient)
    for name in ("provider-export-pdf", "provider-export-csv", "provider-export-fhir"):
        url = reverse(f"journal:{name}", args=[patient.pk])
        assert url in body
        assert client.get(url).status_code == 200
