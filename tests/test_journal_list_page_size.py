"""The check-in and session lists show 50 rows per page (a patient scrolling their history on
a phone), the rest on the next page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.views.journal.common import LIST_PAGE_SIZE
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_check_in_list_shows_fifty_rows_and_the_rest_on_page_two(patient) -> None:
    start = timezone.now() - timedelta(days=60)
    for i in range(51):
        services.log_checkin(patient=patient, recorded_at=start + timedelta(days=i), mood=5)
    client = client_for(patient)
    first = client.get(reverse("journal:checkin-list"))
    second = client.get(reverse("journal:checkin-list") + "?page=2")
    assert LIST_PAGE_SIZE == 50
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 51
    assert len(second.context["page"].object_list) == 1


def test_the_session_list_shows_fifty_rows_and_the_rest_on_page_two(patient) -> None:
    start = timezone.now() - timedelta(days=120)
    for i in range(52):
        services.log_session(patient=patient, started_at=start + timedelta(days=2 * i), route="iv")
    client = client_for(patient)
    first = client.get(reverse("journal:session-list"))
    second = client.get(reverse("journal:session-list") + "?page=2")
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 2
