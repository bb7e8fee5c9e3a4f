"""A form sent after the idle timeout is not saved, says so, and shows the typed text back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from journal.models import AuditEvent, CheckIn
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

NOTE = "Felt floaty for an hour <b>then</b> fine & calm"


@pytest.fixture(autouse=True)
def _joined_before_the_frozen_day(patient):
    """These tests run on a frozen day in 2025; the patient had joined by then."""
    patient.date_joined = datetime(2025, 2, 1, tzinfo=UTC)
    patient.save(update_fields=["date_joined"])


def _checkin_post(client: Client) -> dict[str, str]:
    page = client.get(reverse("journal:checkin-create"))
    assert page.status_code == 200
    return {
        "recorded_at_0": "2025-03-01",
        "recorded_at_1": "03:30",  # local (New York): before the frozen now
        "mood": "6",
        "note": NOTE,
    }


def test_a_form_sent_after_the_idle_timeout_is_not_saved_and_shows_what_was_typed(patient):
    url = reverse("journal:checkin-create")
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        data = _checkin_post(client)
        clock.tick(timedelta(minutes=45))  # typed slowly; the 30-minute idle limit passed
        response = client.post(url, data, HTTP_REFERER=f"http://testserver{url}")

    assert response.status_code == 403
    body = response.content.decode()
    assert "You were logged out after a period of inactivity." in body
    assert "Nothing was saved." in body
    assert "Copy your entry, log in, and submit again." in body
    # The typed note comes back escaped, never as markup.
    assert "Felt floaty for an hour &lt;b&gt;then&lt;/b&gt; fine &amp; calm" in body
    assert "<b>then</b>" not in body
    assert f'href="{reverse("login")}?next={quote(url, safe="/")}"' in body
    assert "csrfmiddlewaretoken" not in body and "Send it again" not in body
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    assert not CheckIn.objects.exists()
    assert AuditEvent.objects.filter(action="session.expired", subject=patient).exists()
    # Really logged out: the next request goes to the log-in page.
    follow_up = client.get(url)
    assert follow_up.status_code == 302 and follow_up["Location"].startswith(reverse("login"))


def test_the_log_in_link_returns_to_the_form_that_was_sent(patient):
    url = reverse("journal:checkin-create")
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        data = _checkin_post(client)
        clock.tick(timedelta(hours=2))
        # No Referer (privacy settings, or an app): the link goes to the address posted to.
        response = client.post(url, data)
        assert response.status_code == 403
        assert f"?next={quote(url, safe='/')}" in response.content.decode()
        # A Referer from another site is never used as the way back.
        response = client_for(None).post(url, data, HTTP_REFERER="https://evil.example/x")
        assert "evil.example" not in response.content.decode()


def test_a_form_sent_within_the_idle_timeout_is_saved_as_usual(patient):
    url = reverse("journal:checkin-create")
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        data = _checkin_post(client)
        clock.tick(timedelta(minutes=20))
        response = client.post(url, data)
    assert response.status_code == 302
    assert CheckIn.objects.get().note == NOTE


def test_a_late_post_without_a_valid_csrf_token_logs_out_but_echoes_nothing(patient):
    url = reverse("journal:checkin-create")
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        client.handler.enforce_csrf_checks = True
        data = _checkin_post(client)  # no csrfmiddlewaretoken: another site's forged form
        clock.tick(timedelta(minutes=45))
        response = client.post(url, {**data, "note": "Call 555-0100 now"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Nothing was saved." in body
    assert "Call 555-0100 now" not in body
    assert "could not be verified" in body
    assert not CheckIn.objects.exists()


def test_a_post_after_the_absolute_lifetime_says_why_and_keeps_the_text(patient, settings):
    settings.SESSION_COOKIE_AGE = 3600
    url = reverse("journal:checkin-create")
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        for _ in range(4):  # busy, never idle, but past the lifetime at the POST
            clock.tick(timedelta(minutes=14))
            data = _checkin_post(client)
        clock.tick(timedelta(minutes=14))
        response = client.post(url, data)
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your session reached its time limit" in body
    assert "fine &amp; calm" in body
    assert not CheckIn.objects.exists()
