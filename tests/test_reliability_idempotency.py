"""Idempotent submission: a double tap, a replayed POST or Back-and-resubmit writes once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal.idempotency import TOKEN_MAX_AGE, new_submission_token
from journal.models import Role, SubmissionToken, TreatmentSession, User
from tests import reliability_urls
from tests.conftest import client_for, enroll
from tests.reliability_support import (
    default_database,
    run_together,
    same_browser,
    sqlite_file,
)

pytestmark = pytest.mark.urls("tests.reliability_urls")

TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')


def _form_token(client) -> str:
    page = client.get(reverse("reliability-session-new"))
    assert page.status_code == 200
    match = TOKEN_RE.search(page.content.decode())
    assert match, "the form must carry a submission token"
    return match.group(1)


def _session_data(token: str | None, note: str = "felt floaty, then fine") -> dict[str, str]:
    data = {
        "started_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "route": "intranasal",
        "note": note,
    }
    if token is not None:
        data["submission_token"] = token
    return data


@pytest.mark.django_db
def test_every_rendering_of_a_form_gets_a_fresh_token(patient) -> None:
    client = client_for(patient)
    first, second = _form_token(client), _form_token(client)
    assert first != second
    assert not SubmissionToken.objects.exists(), "rendering a form writes nothing"


@pytest.mark.django_db
def test_double_submit_creates_one_record_and_both_redirect_to_it(patient) -> None:
    client = client_for(patient)
    data = _session_data(_form_token(client))
    first = client.post(reverse("reliability-session-new"), data)
    second = client.post(reverse("reliability-session-new"), data)
    session = TreatmentSession.objects.get(patient=patient)
    expected = reverse("reliability-session", args=[session.pk])
    assert (first.status_code, first["Location"]) == (302, expected)
    assert (second.status_code, second["Location"]) == (302, expected)
    assert TreatmentSession.objects.filter(patient=patient).count() == 1
    claim = SubmissionToken.objects.get(user=patient)
    assert claim.completed_at is not None and claim.result_url == expected
    followed = client.get(second["Location"])
    shown = [str(m) for m in get_messages(followed.wsgi_request)]
    assert shown == ["This was already saved; here it is."]


@pytest.mark.django_db
def test_replayed_token_after_success_redirects_to_the_same_record(patient) -> None:
    client = client_for(patient)
    token = _form_token(client)
    done = client.post(reverse("reliability-session-new"), _session_data(token))
    # Back, then resubmit a while later, even with edited text: still the first record.
    with freeze_time(timezone.now() + timedelta(minutes=20)):
        replay = client.post(reverse("reliability-session-new"), _session_data(token, "edited"))
    assert replay.status_code == 302 and replay["Location"] == done["Location"]
    assert list(TreatmentSession.objects.values_list("note", flat=True)) == [
        "felt floaty, then fine"
    ]


@pytest.mark.django_db
def test_two_forms_make_two_records(patient) -> None:
    client = client_for(patient)
    url = reverse("reliability-session-new")
    first = client.post(url, _session_data(_form_token(client)))
    second = client.post(url, _session_data(_form_token(client)))
    assert first["Location"] != second["Location"]
    assert TreatmentSession.objects.filter(patient=patient).count() == 2


@pytest.mark.django_db
def test_a_form_with_errors_gives_the_token_back_for_the_corrected_submission(patient) -> None:
    client = client_for(patient)
    token = _form_token(client)
    bad = {**_session_data(token), "route": "teleportation"}
    again = client.post(reverse("reliability-session-new"), bad)
    assert again.status_code == 200 and b"teleportation" in again.content
    assert not SubmissionToken.objects.exists()
    fixed = client.post(reverse("reliability-session-new"), _session_data(token))
    assert fixed.status_code == 302
    assert TreatmentSession.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_a_post_without_a_token_is_accepted_without_protection(patient) -> None:
    client = client_for(patient)
    url = reverse("reliability-session-new")
    assert client.post(url, _session_data(None)).status_code == 302
    assert client.post(url, _session_data(None)).status_code == 302
    assert TreatmentSession.objects.filter(patient=patient).count() == 2
    assert not SubmissionToken.objects.exists()


@pytest.mark.django_db
def test_a_forged_token_is_refused_and_the_entry_is_shown_back(patient) -> None:
    client = client_for(patient)
    forged = _form_token(client)[:-3] + "xyz"
    response = client.post(reverse("reliability-session-new"), _session_data(forged, "my words"))
    assert response.status_code == 400
    assert b"Nothing was saved" in response.content and b"my words" in response.content
    assert not TreatmentSession.objects.exists()


@pytest.mark.django_db
def test_another_accounts_token_is_refused(patient, other_patient) -> None:
    token = new_submission_token(other_patient)
    response = client_for(patient).post(reverse("reliability-session-new"), _session_data(token))
    assert response.status_code == 400
    assert not TreatmentSession.objects.exists()


@pytest.mark.django_db
def test_a_form_older_than_the_token_lifetime_is_refused_not_written(patient) -> None:
    client = client_for(patient)
    with freeze_time(timezone.now() - TOKEN_MAX_AGE - timedelta(minutes=1)):
        token = new_submission_token(patient)
    response = client.post(reverse("reliability-session-new"), _session_data(token, "late"))
    assert response.status_code == 400
    assert b"too old" in response.content and b"late" in response.content
    assert not TreatmentSession.objects.exists()


@pytest.mark.django_db
def test_tokens_are_signed_for_one_user() -> None:
    token = new_submission_token(None)
    value = signing.TimestampSigner(salt="journal.idempotency.submission").unsign(token)
    assert value.startswith("0:") and len(value) > 20


@pytest.mark.django_db
def test_purge_deletes_only_tokens_older_than_their_lifetime(patient) -> None:
    client = client_for(patient)
    url = reverse("reliability-session-new")
    with freeze_time(timezone.now() - TOKEN_MAX_AGE - timedelta(hours=1)):
        client.force_login(patient)
        client.post(url, _session_data(_form_token(client)))
    client.force_login(patient)
    client.post(url, _session_data(_form_token(client)))
    assert SubmissionToken.objects.count() == 2
    call_command("purge_submission_tokens", verbosity=0)
    assert SubmissionToken.objects.count() == 1
    assert TreatmentSession.objects.count() == 2, "purging tokens never touches entries"


@pytest.mark.django_db
def test_purge_refuses_a_window_shorter_than_the_token_lifetime() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("purge_submission_tokens", hours=1)


def _concurrent_double_submit(patient: User, monkeypatch) -> None:
    monkeypatch.setitem(reliability_urls.PAUSE_AFTER_WRITE, "seconds", 0.5)
    tap = client_for(patient)
    double_tap = same_browser(tap)
    data = _session_data(_form_token(tap))
    url = reverse("reliability-session-new")
    first, second = run_together(lambda: tap.post(url, data), lambda: double_tap.post(url, data))
    for response in (first, second):
        assert not isinstance(response, Exception), response
        assert response.status_code == 302, response.content[:500]
    sessions = list(TreatmentSession.objects.filter(patient=patient))
    assert len(sessions) == 1
    expected = reverse("reliability-session", args=[sessions[0].pk])
    assert first["Location"] == second["Location"] == expected


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_creates_one_record_and_both_redirect_to_it(
    tmp_path, monkeypatch
) -> None:
    if connection.vendor == "sqlite":
        # The in-memory test database cannot make writers wait (shared-cache locks fail at
        # once); a file database behaves like production: WAL, immediate transactions.
        with default_database(sqlite_file(tmp_path)):
            call_command("migrate", verbosity=0)
            _concurrent_double_submit(enroll("pat@clinic.test", Role.PATIENT), monkeypatch)
    else:
        _concurrent_double_submit(enroll("pat@clinic.test", Role.PATIENT), monkeypatch)
