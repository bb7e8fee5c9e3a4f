"""Audit and access rows record the client's user agent, truncated, control characters escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from journal.http import USER_AGENT_MAX, clean_user_agent
from journal.models import AccessEvent, AuditEvent
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


def test_a_log_in_records_the_browser(client, patient) -> None:
    client.post(
        reverse("login"),
        {"username": patient.email, "password": PASSWORD},
        HTTP_USER_AGENT=FIREFOX,
    )
    event = AuditEvent.objects.filter(action="login", subject=patient).latest("at")
    assert event.user_agent == FIREFOX


def test_forged_lines_and_nul_bytes_are_escaped_and_long_agents_cut(client, patient) -> None:
    forged = "Evil\r\n2026-01-01 login success admin\x00" + "x" * 1000
    response = client.post(
        reverse("login"),
        {"username": patient.email, "password": "wrong password here"},
        HTTP_USER_AGENT=forged,
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(subject=patient).latest("at")
    assert "\r" not in event.user_agent and "\n" not in event.user_agent
    assert "\x00" not in event.user_agent
    assert event.user_agent.startswith("Evil\\x0d\\x0a2026-01-01")
    assert len(event.user_agent) == USER_AGENT_MAX


def test_a_providers_read_records_the_browser(provider, world_share) -> None:
    client = client_for(provider)
    patient = world_share.patient
    url = reverse("journal:provider-patient", args=[patient.pk])
    assert client.get(url, HTTP_USER_AGENT=FIREFOX).status_code == 200
    assert AccessEvent.objects.filter(actor=provider).latest("at").user_agent == FIREFOX
    client.get(reverse("journal:provider-home"), HTTP_USER_AGENT="List/1.0")
    assert AccessEvent.objects.filter(actor=provider).latest("at").user_agent == "List/1.0"


def test_cleaning_keeps_ordinary_text() -> None:
    assert clean_user_agent(FIREFOX) == FIREFOX
    assert clean_user_agent("a\tb\x7f") == "a\\x09b\\x7f"


@pytest.fixture
def world_share(personas):
    from tests.factories import sharing_world

    return sharing_world(personas)["share"]
