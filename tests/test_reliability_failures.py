"""Graceful failure: a locked or unreachable database never loses input, never half-writes."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from journal import services
from journal.models import AuditEvent, Invitation, Role, SubmissionToken, TreatmentSession, User
from tests.conftest import client_for, enroll, set_clinic_contacts
from tests.reliability_support import default_database, sqlite_file

pytestmark = pytest.mark.urls("tests.reliability_urls")

TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')
NEW_ACCOUNT = {"email": "new.person@clinic.test", "display_name": "New <b>Person</b>"}


@contextmanager
def failing_sql(
    fragment: str, error: Exception | None = None, *, times: int = 1
) -> Iterator[list[str]]:
    """Make the first `times` statements containing `fragment` fail as a dead database would."""
    failed: list[str] = []

    def wrapper(execute: Callable, sql: str, params, many: bool, context) -> object:
        if fragment in sql and len(failed) < times:
            failed.append(sql)
            raise error or OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield failed


def _token(client: Client, url: str) -> str:
    match = TOKEN_RE.search(client.get(url).content.decode())
    assert match
    return match.group(1)


@pytest.mark.django_db
def test_a_failure_after_the_first_row_of_create_account_leaves_nothing(
    clinic_admin, monkeypatch
) -> None:
    def broken_invitation(**kwargs: object) -> str:
        assert User.objects.filter(email="late@clinic.test").exists(), "the user row was written"
        raise RuntimeError("mail server exploded")

    monkeypatch.setattr("journal.services.accounts.issue_invitation", broken_invitation)
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        services.create_account(
            actor=clinic_admin, email="late@clinic.test", display_name="Late", role=Role.PATIENT
        )
    assert not User.objects.filter(email="late@clinic.test").exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_locked_database_mid_write_gives_the_not_saved_page_and_writes_nothing(
    clinic_admin,
) -> None:
    client = client_for(clinic_admin)
    url = reverse("reliability-account-new")
    data = {**NEW_ACCOUNT, "submission_token": _token(client, url)}
    users_before, invitations_before = User.objects.count(), Invitation.objects.count()
    # The user row is inserted, then the audit row meets the lock.
    with failing_sql('INSERT INTO "journal_auditevent"') as failed:
        response = client.post(url, data)
    assert failed, "the injected failure must have happened"
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Nothing was saved" in body and "saved." not in body.replace("was saved.", "")
    assert "What you entered" in body
    assert "New &lt;b&gt;Person&lt;/b&gt;" in body, "input is shown back, escaped"
    assert "<b>Person</b>" not in body
    assert data["submission_token"] not in body.split("Send it again")[-1]
    assert "Traceback" not in body
    assert (User.objects.count(), Invitation.objects.count()) == (users_before, invitations_before)
    assert not SubmissionToken.objects.exists(), "the claim rolled back with the write"

    # The database is back: sending the same form again saves it exactly once.
    again = client.post(url, data)
    assert again.status_code == 302
    assert User.objects.filter(email="new.person@clinic.test").count() == 1
    assert client.post(url, data)["Location"] == again["Location"]


@pytest.mark.django_db
def test_the_not_saved_page_never_echoes_secrets_and_offers_a_safe_resend(patient) -> None:
    client = client_for(patient)
    url = reverse("reliability-session-new")
    token = _token(client, url)
    data = {
        "started_at": "2026-01-01T10:00:00+00:00",
        "route": "iv",
        "note": "line one\nline two",
        "submission_token": token,
    }
    with failing_sql('INSERT INTO "journal_treatmentsession"'):
        response = client.post(url, data)
    assert response.status_code == 503
    body = response.content.decode()
    assert "line one\nline two" in body
    assert "readonly>line one" in body
    # The resend form carries the same token, so a resend can never write twice.
    assert f'name="submission_token" value="{token}"' in body
    with_password = {**data, "password": "hunter2-hunter2"}
    with failing_sql('INSERT INTO "journal_treatmentsession"'):
        secret = client.post(url, with_password).content.decode()
    assert "hunter2" not in secret
    assert "Send it again" not in secret, "no resend when a secret had to be left out"


@pytest.mark.django_db
def test_an_unreachable_database_before_the_view_gives_the_not_saved_page(patient) -> None:
    client = client_for(patient)
    url = reverse("reliability-session-new")
    data = {"note": "kept", "submission_token": _token(client, url)}
    with failing_sql('FROM "django_session"', InterfaceError("connection already closed")):
        response = client.post(url, data)
    assert response.status_code == 503
    assert b"Nothing was saved" in response.content and b"kept" in response.content
    assert client.get(url).status_code == 200, "the next request works again"


@pytest.mark.django_db
def test_a_failed_read_gets_the_friendly_page_too(patient) -> None:
    client = client_for(patient)
    with failing_sql('FROM "journal_treatmentsession"', OperationalError("server closed")):
        response = client.get(reverse("reliability-session", args=[1]))
    assert response.status_code == 503
    assert b"What you entered" not in response.content


@pytest.mark.django_db
def test_a_failure_after_commit_in_a_plain_view_is_reported_as_uncertain(patient) -> None:
    # Views not wrapped in @idempotent may have committed before failing: say so honestly.
    from journal.db_unavailable import DatabaseUnavailableMiddleware

    request = RequestFactory().post("/anything/", {"note": "x"})
    request.user = patient
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(
        request, OperationalError("gone")
    )
    assert response.status_code == 503
    assert b"may not have been saved" in response.content
    assert b"Send it again" not in response.content
    assert (
        DatabaseUnavailableMiddleware(lambda r: None).process_exception(
            request, ValueError("not a database problem")
        )
        is None
    )


@pytest.mark.django_db(transaction=True)
def test_a_really_locked_sqlite_database_gives_503_and_recovers(tmp_path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite locking")
    path = sqlite_file(tmp_path)
    with default_database(path, options={"timeout": 1}):
        call_command("migrate", verbosity=0)
        admin = enroll("admin@clinic.test", Role.ADMIN)
        set_clinic_contacts(admin)  # the form under test enrolls a patient
        client = client_for(admin)
        url = reverse("reliability-account-new")
        data = {**NEW_ACCOUNT, "submission_token": _token(client, url)}
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the timeout
        try:
            response = client.post(url, data)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert response.status_code == 503
        assert b"New &lt;b&gt;Person&lt;/b&gt;" in response.content
        assert not User.objects.filter(email="new.person@clinic.test").exists()
        assert client.post(url, data).status_code == 302
        assert User.objects.filter(email="new.person@clinic.test").count() == 1


def _wsgi_get(client: Client, path: str) -> int:
    """Serve one request the way gunicorn does (request_started/finished connection handling)."""
    environ = RequestFactory().get(path).environ
    environ["HTTP_COOKIE"] = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    statuses: list[str] = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    response.close()
    return int(statuses[0].split()[0])


def _terminate(pid: int) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_dropped_postgresql_connection_is_replaced_on_the_next_request() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL connection health checks")
    patient = enroll("pat@clinic.test", Role.PATIENT)
    client = client_for(patient)
    home = reverse("journal:patient-home")
    assert _wsgi_get(client, home) == 200
    dead = _backend_pid()
    _terminate(dead)  # the server restarted, or a proxy dropped the idle connection
    assert _wsgi_get(client, home) == 200, "the health check replaced the dead connection"
    assert _backend_pid() != dead


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_connection_lost_mid_write_gives_503_then_recovers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL connection loss")
    patient = enroll("pat@clinic.test", Role.PATIENT)
    client = client_for(patient)
    url = reverse("reliability-session-new")
    data = {
        "started_at": "2026-01-01T10:00:00+00:00",
        "route": "iv",
        "note": "after the infusion",
        "submission_token": _token(client, url),
    }

    def lose_connection(execute: Callable, sql: str, params, many: bool, context) -> object:
        if sql.startswith('INSERT INTO "journal_treatmentsession"'):
            _terminate(_backend_pid())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lose_connection):
        response = client.post(url, data)
    assert response.status_code == 503
    assert b"after the infusion" in response.content
    assert _wsgi_get(client, reverse("journal:patient-home")) == 200
    assert client.post(url, data).status_code == 302
    assert TreatmentSession.objects.filter(patient=patient).count() == 1
