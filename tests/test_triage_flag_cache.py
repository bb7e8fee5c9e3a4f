"""The triage list's open-flag counts, both ways it ranks: from the shares' kept standings
(the plain list) and, with a filter, counted in Python and cached under a fingerprint of the
flags and the exact active shares (a warm filtered view skips the flag aggregate). Either way
every change that can move a count (new flag, acknowledgement, an entry's time moving its flag
out of the share window, a severity change, a category removed, a share revoked) shows on the
very next view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journal import permissions, services
from journal.models import BloodPressureReading, Flag, Share
from journal.reads import provider as provider_reads
from tests.conftest import client_for
from tests.test_provider import ALL, low_mood, severe_reading, sharing_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["standing", "counted"])
def ranking(request) -> str:
    """Which way the list is ranked: the kept standings, or counted in Python (cached)."""
    return request.param


@pytest.fixture
def _counts(ranking):
    def counts(provider) -> list[tuple[str, int, int]]:
        query = provider_reads.TriageQuery()
        if ranking == "standing":
            rows = provider_reads.triage(provider, query=query)
        else:
            items, facts = provider_reads._ranked(provider, query, None)
            rows = provider_reads._rows(items, None, facts)
        return [(row.patient.display_name, row.open_count, row.urgent) for row in rows]

    return counts


def _flag_aggregates(queries: list[dict]) -> int:
    return sum(1 for q in queries if "GROUP BY" in q["sql"] and '"journal_flag"' in q["sql"])


def test_a_warm_filtered_triage_view_skips_the_flag_aggregate(provider) -> None:
    severe_reading(sharing_patient("Uma Urgent", provider))
    client = client_for(provider)
    url = reverse("journal:provider-home") + "?kind=severe_bp"
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        response = client.get(url)
    assert _flag_aggregates(cold.captured_queries) == 1
    assert _flag_aggregates(warm.captured_queries) == 0
    assert "Uma Urgent" in response.content.decode()


def test_the_plain_triage_view_reads_the_standings_not_the_flags(provider) -> None:
    severe_reading(sharing_patient("Uma Urgent", provider))
    with CaptureQueriesContext(connection) as views:
        response = client_for(provider).get(reverse("journal:provider-home"))
    assert "Uma Urgent" in response.content.decode()
    assert _flag_aggregates(views.captured_queries) == 0
    assert any('"journal_triagestanding"' in q["sql"] for q in views.captured_queries)


def test_new_and_acknowledged_flags_show_at_once(provider, _counts) -> None:
    patient = sharing_patient("Rae Recent", provider)
    assert _counts(provider) == [("Rae Recent", 0, 0)]
    severe_reading(patient)
    assert _counts(provider) == [("Rae Recent", 1, 1)]
    low_mood(patient)
    assert _counts(provider) == [("Rae Recent", 2, 1)]
    flag = Flag.objects.get(patient=patient, kind="severe_bp")
    services.acknowledge_flag(provider=provider, flag=flag, disposition="reviewed")
    assert _counts(provider) == [("Rae Recent", 1, 0)]


def test_an_edit_that_moves_a_flag_before_the_share_start_removes_it(
    provider, patient, _counts
) -> None:
    services.grant_share(
        patient=patient,
        provider=provider,
        categories=ALL,
        starts_on=permissions.patient_today(patient),
    )
    severe_reading(patient, hours_ago=0.1)
    name = patient.display_name
    assert _counts(provider) == [(name, 1, 1)]
    reading = BloodPressureReading.objects.get(patient=patient)
    services.edit_reading(
        patient=patient,
        reading=reading,
        expected_version=reading.version,
        measured_at=timezone.now() - timedelta(days=3),
        systolic=185,
        diastolic=121,
        context="home",
    )
    assert _counts(provider) == [(name, 0, 0)]


def test_a_withdrawn_flag_stays_open_until_acknowledged(provider, _counts) -> None:
    patient = sharing_patient("Sol Severity", provider)
    severe_reading(patient)
    assert _counts(provider) == [("Sol Severity", 1, 1)]
    reading = BloodPressureReading.objects.get(patient=patient)
    services.edit_reading(
        patient=patient,
        reading=reading,
        expected_version=reading.version,
        measured_at=reading.measured_at,
        systolic=120,
        diastolic=80,
        context="home",
    )
    # The patient took the reading back: the flag is withdrawn, still open, still counted.
    assert _counts(provider) == [("Sol Severity", 1, 1)]
    flag = Flag.objects.get(patient=patient)
    assert flag.withdrawn_at is not None
    services.acknowledge_flag(provider=provider, flag=flag, disposition="reviewed")
    assert _counts(provider) == [("Sol Severity", 0, 0)]


def test_share_changes_and_revocation_apply_on_the_next_view(provider, _counts) -> None:
    patient = sharing_patient("Cat Changes", provider)
    severe_reading(patient)
    low_mood(patient)
    assert _counts(provider) == [("Cat Changes", 2, 1)]
    share = Share.objects.get(patient=patient, provider=provider)
    services.update_share(
        patient=patient, share=share, categories=["mood"], starts_on=None, expires_on=None
    )
    assert _counts(provider) == [("Cat Changes", 1, 0)]
    services.revoke_share(patient=patient, share=Share.objects.get(pk=share.pk))
    assert _counts(provider) == []
    response = client_for(provider).get(reverse("journal:provider-home"))
    assert "Cat Changes" not in response.content.decode()
