"""The provider's patient summary keys its chart panels and images on the patient's data
version, the share (id, start date, categories) and the period: a repeat view loads no chart
data, and a new entry or a narrowed share shows at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import CheckIn, Share, ShareCategory
from tests.conftest import client_for
from tests.factories import journal_in_every_category

pytestmark = pytest.mark.django_db

ALL = ShareCategory.values


def _summary(client, patient):
    url = reverse("journal:provider-patient", args=[patient.pk]) + "?period=30"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), ctx.captured_queries


def _checkin_reads(queries: list[dict]) -> int:
    table = CheckIn._meta.db_table
    return sum(
        1 for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    )


def test_a_repeat_summary_view_loads_no_chart_data(patient, provider) -> None:
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    client = client_for(provider)
    cold_body, cold = _summary(client, patient)
    warm_body, warm = _summary(client, patient)
    assert len(warm) < len(cold)
    # The summary's own mood table still reads check-ins once; the charts do not.
    assert _checkin_reads(warm) < _checkin_reads(cold)
    assert warm_body.count("<figure") == cold_body.count("<figure")


def test_a_new_entry_and_a_narrowed_share_show_at_once(patient, provider) -> None:
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    client = client_for(provider)
    chart = reverse("journal:provider-chart", args=[patient.pk, "mood"]) + "?period=30"
    before_svg = client.get(chart).content
    before, _ = _summary(client, patient)
    services.log_checkin(patient=patient, recorded_at=timezone.now() - timedelta(hours=2), mood=9)
    after, _ = _summary(client, patient)
    assert after != before
    assert client.get(chart).content != before_svg
    bp = reverse("journal:provider-chart", args=[patient.pk, "blood-pressure"]) + "?period=30"
    assert client.get(bp).status_code == 200
    services.update_share(
        patient=patient,
        share=Share.objects.get(pk=share.pk),
        categories=[ShareCategory.MOOD.value],
        starts_on=None,
        expires_on=None,
    )
    assert client.get(bp).status_code in {403, 404}
    narrowed, _ = _summary(client, patient)
    bp_src = reverse("journal:provider-chart", args=[patient.pk, "blood-pressure"])
    assert bp_src in after and bp_src not in narrowed


def test_the_phone_and_dark_drawings_are_cached_per_share_and_follow_a_narrowed_share(
    patient, provider
) -> None:
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    client = client_for(provider)
    bp = reverse("journal:provider-chart", args=[patient.pk, "blood-pressure"]) + "?period=30"
    drawings = [client.get(bp + q) for q in ("", "&size=phone", "&size=phone&theme=dark")]
    assert [r.status_code for r in drawings] == [200, 200, 200]
    assert len({r.content for r in drawings}) == 3
    body, _ = _summary(client, patient)
    assert 'media="(max-width: 575.98px)"' in body and "size=phone" in body
    services.update_share(
        patient=patient,
        share=Share.objects.get(pk=share.pk),
        categories=[ShareCategory.MOOD.value],
        starts_on=None,
        expires_on=None,
    )
    for query in ("&size=phone", "&size=phone&theme=dark", "&theme=dark"):
        assert client.get(bp + query).status_code == 404
