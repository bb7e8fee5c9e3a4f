"""A form sent when the session is already gone (Django's own expiry, a deleted session row, a
dropped cookie) is not saved, says so, and shows the typed text back; public pages and GETs
behave as before."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal import services
from journal.models import AuditEvent, CheckIn, PostSessionReport
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

NOTE = "Felt floaty for an hour <b>then</b> fine & calm"
# Yesterday: inside the history a patient may enter, whenever the suite runs.
DAY = (timezone.now() - timedelta(days=1)).date().isoformat()
ESCAPED_NOTE = "Felt floaty for an hour &lt;b&gt;then&lt;/b&gt; fine &amp; calm"
GONE = "You were logged out before this was saved."


def _hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a rendered form (CSRF and submission tokens)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def _checkin_data(**extra: str) -> dict[str, str]:
    return {
        "recorded_at_0": DAY,
        "recorded_at_1": "03:30",
        "mood": "6",
        "note": NOTE,
        **extra,
    }


def _open_form_then_lose_the_session(client: Client, url: str) -> dict[str, str]:
    """Open the form as the signed-in patient, then delete every session row (log-out in
    another tab, deactivation and `clearsessions` all do this)."""
    page = client.get(url)
    assert page.status_code == 200
    Session.objects.all().delete()
    return _hidden_fields(page.content.decode())


def _assert_shows_the_entry_and_a_way_back(response, url: str) -> str:
    assert response.status_code == 403
    body = response.content.decode()
    assert "Nothing was saved." in body and GONE in body
    assert "Copy your entry, log in, and submit again." in body
    # The typed note comes back escaped, never as markup.
    assert ESCAPED_NOTE in body and "<b>then</b>" not in body
    assert f'href="{reverse("login")}?next={quote(url, safe="/")}"' in body
    assert "no-store" in response["Cache-Control"]
    return body


def test_a_check_in_sent_after_the_session_row_was_deleted_shows_the_note_and_saves_nothing(
    patient,
):
    url = reverse("journal:checkin-create")
    client = client_for(patient)
    client.handler.enforce_csrf_checks = True
    hidden = _open_form_then_lose_the_session(client, url)
    assert {"csrfmiddlewaretoken", "submission_token"} <= set(hidden)

    response = client.post(url, _checkin_data(**hidden), HTTP_REFERER=f"http://testserver{url}")

    body = _assert_shows_the_entry_and_a_way_back(response, url)
    # Form machinery is never echoed.
    for value in hidden.values():
        assert value not in body
    assert "csrfmiddlewaretoken" not in body and "Send it again" not in body
    assert not CheckIn.objects.exists()
    # Still logged out: the log-in link is the way back.
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_a_copy_of_a_saved_form_sent_after_the_session_is_gone_gets_the_first_answer(patient):
    # A double tap whose first copy was saved: the second copy, arriving after the session is
    # gone, is sent where the first went (via log-in), not told "nothing was saved".
    url = reverse("journal:checkin-create")
    client = client_for(patient)
    hidden = _hidden_fields(client.get(url).content.decode())
    first = client.post(url, _checkin_data(**hidden))
    assert first.status_code == 302 and CheckIn.objects.count() == 1
    Session.objects.all().delete()

    second = client.post(url, _checkin_data(**hidden))

    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert CheckIn.objects.count() == 1


def test_a_post_session_note_sent_after_deactivation_shows_the_note(patient, clinic_admin):
    session = services.log_session(
        patient=patient, started_at=timezone.now() - timedelta(hours=3), route="iv"
    )
    url = reverse("journal:report-create", args=[session.pk])
    client = client_for(patient)
    assert client.get(url).status_code == 200
    services.deactivate_account(actor=clinic_admin, user=patient)  # ends the patient's sessions

    response = client.post(
        url,
        {"reported_at_0": DAY, "reported_at_1": "03:30", "mood": "4", "note": NOTE},
    )

    _assert_shows_the_entry_and_a_way_back(response, url)
    assert not PostSessionReport.objects.exists()


def test_a_form_sent_after_django_expired_the_session_shows_the_note(patient):
    url = reverse("journal:checkin-create")
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = client_for(patient)
        assert client.get(url).status_code == 200
        # Past the stored session's own expiry: Django loads no session at all, so the
        # session-limits middleware never sees a signed-in user.
        clock.tick(timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        response = client.post(url, _checkin_data())

    _assert_shows_the_entry_and_a_way_back(response, url)
    assert not CheckIn.objects.exists()
    # Nobody was signed in, so there is no session-end to audit.
    assert not AuditEvent.objects.filter(action="session.expired").exists()


def test_a_browser_without_a_session_cookie_but_a_valid_csrf_token_gets_the_note_back(
    patient,
):
    url = reverse("journal:checkin-create")
    client = Client(enforce_csrf_checks=True)
    login_page = client.get(reverse("login")).content.decode()
    token = _hidden_fields(login_page)["csrfmiddlewaretoken"]

    response = client.post(url, _checkin_data(csrfmiddlewaretoken=token))

    body = _assert_shows_the_entry_and_a_way_back(response, url)
    assert token not in body
    assert not CheckIn.objects.exists()


def test_passwords_are_never_shown_back(patient):
    url = reverse("journal:account-delete")
    response = Client().post(url, {"password": "my-secret-pass-42", "understood": "on"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "my-secret-pass-42" not in body
    assert "Passwords and security codes are never shown here" in body


def test_a_post_without_a_valid_csrf_token_shows_nothing_back(patient):
    url = reverse("journal:checkin-create")
    client = client_for(patient)
    client.handler.enforce_csrf_checks = True
    _open_form_then_lose_the_session(client, url)

    # Another site's forged form: no CSRF token.
    response = client.post(url, _checkin_data(note="Call 555-0100 now"))

    assert response.status_code == 403
    assert "Call 555-0100 now" not in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_get_without_a_session_still_redirects_to_log_in():
    url = reverse("journal:checkin-create")
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url, safe='/')}"


def test_a_post_with_nothing_typed_still_redirects_to_log_in():
    # Log out (or a confirm button) with no session: nothing to lose, so no "not saved" page.
    response = Client().post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_public_pages_answer_posts_as_before(patient):
    client = Client()
    wrong = client.post(reverse("login"), {"username": patient.email, "password": "nope" * 4})
    assert wrong.status_code == 200
    assert "Wrong email or password" in wrong.content.decode()
    assert GONE not in wrong.content.decode()

    reset = client.post(reverse("password_reset"), {"email": patient.email})
    assert reset.status_code == 302 and reset["Location"] == reverse("password_reset_done")

    client.get(reverse("enroll", args=["not-a-real-token"]))
    enroll = client.post(
        reverse("enroll-set-password"),
        {"password1": PASSWORD, "password2": PASSWORD, "time_zone": "UTC"},
    )
    assert enroll.status_code == 404

    right = client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert right.status_code == 302
