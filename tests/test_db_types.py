"""PostgreSQL timestamps read by psycopg's C loader (`journal.db_types`) give what Django's own
loader gives: the same instants, in UTC, as `datetime.timezone.utc`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from journal import db_types

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's timestamptz loader only"
    ),
]

TEXTS = [
    "2026-12-07 18:00:00+00",
    "2026-12-07 18:00:00.123456+00",
    "2026-03-29 01:30:00+13",  # Pacific/Auckland-like offset, a day earlier in UTC
    "2026-10-04 02:15:30.5-09:30",
    "1999-12-31 23:59:59.999999+05:45",
    "0001-01-01 12:00:00+00",
]


def _read(texts: list[str]) -> list[dt.datetime]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_connection_reads_timestamps_with_the_c_loader() -> None:
    from psycopg import pq

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(
        connection.connection.adapters.types["timestamptz"].oid, pq.Format.TEXT
    )
    assert loader is db_types.UtcTimestamptzLoader
    # Django keeps it: its per-cursor check compares this zone with its own.
    assert loader.timezone == connection.timezone == dt.UTC


def test_values_equal_django_s_own_loader() -> None:
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    fast = _read(TEXTS)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's Python loader
        cursor.execute(
            "SELECT t::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
            [TEXTS],
        )
        django_s = [row[0] for row in cursor.fetchall()]
    assert fast == django_s
    assert [value.tzinfo for value in fast] == [dt.UTC] * len(TEXTS)
    assert fast[2] == dt.datetime(2026, 3, 28, 12, 30, tzinfo=dt.UTC)


def test_another_session_zone_keeps_django_s_loader() -> None:
    """Registered only when the session zone is UTC: under another zone Django's loader
    stays, which gives Django's zone."""
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import pq

    connection.ensure_connection()
    raw = connection.connection
    oid = raw.adapters.types["timestamptz"].oid
    register_tzloader(connection.timezone, raw)  # as Django leaves a new connection
    django_s = raw.adapters.get_loader(oid, pq.Format.TEXT)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Pacific/Auckland'")
    try:
        db_types.use_c_timestamps(sender=None, connection=connection)
        assert raw.adapters.get_loader(oid, pq.Format.TEXT) is django_s
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
    db_types.use_c_timestamps(sender=None, connection=connection)
    assert raw.adapters.get_loader(oid, pq.Format.TEXT) is db_types.UtcTimestamptzLoader
