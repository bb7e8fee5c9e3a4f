"""Every database failure reaches the "not saved" page (503, Retry-After) within a bounded time,
and that page, like every error page, carries the same CSP and frame headers as the rest."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from journal.security.sessions import SEEN_AT, SEEN_RESOLUTION
from tests.conftest import client_for
from tests.test_reliability_failures import failing_sql

pytestmark = pytest.mark.django_db


def _assert_protected(response) -> None:
    assert "default-src" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def _later(client) -> None:
    """Make the next request record activity, so it saves its session."""
    session = client.session
    session[SEEN_AT] = session[SEEN_AT] - SEEN_RESOLUTION - 1
    session.save()


def test_a_session_that_cannot_be_saved_gets_the_503_page_not_a_bare_400(patient) -> None:
    client = client_for(patient)
    client.get(reverse("journal:session-list"))
    _later(client)
    with failing_sql('UPDATE "django_session"', OperationalError("database is locked")) as failed:
        response = client.get(reverse("journal:session-list"))
    assert failed, "the request tried to save its session"
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"Bad Request" not in response.content
    _assert_protected(response)


def test_a_session_ended_elsewhere_is_still_a_plain_400(patient) -> None:
    client = client_for(patient)
    client.get(reverse("journal:session-list"))
    _later(client)
    # Deleting the row mid-request is what a log-out in another tab does.
    with connection.execute_wrapper(_delete_sessions_before_update):
        response = client.get(reverse("journal:session-list"))
    assert response.status_code == 400
    assert b"Request not understood" in response.content
    _assert_protected(response)


def _delete_sessions_before_update(execute, sql, params, many, context):
    if sql.startswith('UPDATE "django_session"'):
        execute('DELETE FROM "django_session"', (), False, context)
    return execute(sql, params, many, context)


@pytest.mark.parametrize("path", ["/nowhere/", "/sessions/999999/"])
def test_error_pages_carry_the_headers(patient, path) -> None:
    response = client_for(patient).get(path)
    assert response.status_code == 404
    _assert_protected(response)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's own timeouts")
def test_postgres_connections_give_up_on_locks_and_runaway_statements() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        lock_timeout = cursor.fetchone()[0]
        cursor.execute("SHOW statement_timeout")
        statement_timeout = cursor.fetchone()[0]
    assert (lock_timeout, statement_timeout) == ("10s", "30s")
