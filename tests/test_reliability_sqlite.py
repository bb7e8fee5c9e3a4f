"""SQLite done right: WAL, synchronous=FULL, immediate transactions and a busy timeout."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import connection, transaction

from tests.reliability_support import default_database, run_together, sqlite_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def file_database(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    path = sqlite_file(tmp_path)
    with default_database(path):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, who TEXT)")
        yield path


def _pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_a_file_database_runs_in_wal_mode_with_full_sync_and_a_busy_timeout(
    file_database,
) -> None:
    assert _pragma("journal_mode") == "wal"
    assert _pragma("synchronous") == 2  # FULL
    assert _pragma("foreign_keys") == 1
    assert _pragma("busy_timeout") >= 5000


def _write_many(who: str, count: int) -> int:
    for _ in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO probe (who) VALUES (%s)", [who])
    return count


def test_concurrent_writers_both_succeed_without_database_is_locked(file_database) -> None:
    results = run_together(lambda: _write_many("a", 40), lambda: _write_many("b", 40))
    assert results == [40, 40], results
    with connection.cursor() as cursor:
        cursor.execute("SELECT who, COUNT(*) FROM probe GROUP BY who ORDER BY who")
        assert cursor.fetchall() == [("a", 40), ("b", 40)]


def test_a_writer_waits_for_a_short_transaction_instead_of_failing(file_database) -> None:
    holder = sqlite3.connect(file_database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO probe (who) VALUES ('holder')")
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    started = time.monotonic()
    _write_many("waiter", 1)
    assert time.monotonic() - started >= 0.4, "the write waited for the lock"
    holder.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT who FROM probe ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["holder", "waiter"]


def test_readers_are_not_blocked_by_an_open_write(file_database) -> None:
    _write_many("before", 1)
    holder = sqlite3.connect(file_database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO probe (who) VALUES ('uncommitted')")
    try:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SELECT who FROM probe")
            assert [row[0] for row in cursor.fetchall()] == ["before"]
        assert time.monotonic() - started < 0.5
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_django_transactions_on_sqlite_take_the_write_lock_up_front(file_database) -> None:
    # A deferred transaction would upgrade its lock at the first write and could fail there
    # with "database is locked" after doing work; IMMEDIATE takes the lock when it begins.
    other = sqlite3.connect(file_database, timeout=0, isolation_level=None)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")  # no write yet
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
    finally:
        other.close()
