"""Helpers for the reliability tests: point Django at another database for a while."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.test import Client

from tests.conftest import client_for


@contextmanager
def default_database(name: str, options: dict | None = None) -> Iterator[None]:
    """Make the `default` alias use database `name` (an SQLite path or a PostgreSQL name).

    Every thread opens its new connections there too. The test database's own connection is
    put aside, not closed: closing an in-memory SQLite database would destroy it.
    """
    conn = connections["default"]
    shared = connections.settings["default"]
    saved = (conn.connection, conn.settings_dict["NAME"], conn.settings_dict.get("OPTIONS"))
    if conn.vendor == "sqlite":
        conn.connection = None
    else:
        conn.close()
    for settings_dict in {id(d): d for d in (conn.settings_dict, shared)}.values():
        settings_dict["NAME"] = name
        if options is not None:
            settings_dict["OPTIONS"] = {**(saved[2] or {}), **options}
    ContentType.objects.clear_cache()
    try:
        yield
    finally:
        conn.close()
        for settings_dict in {id(d): d for d in (conn.settings_dict, shared)}.values():
            settings_dict["NAME"] = saved[1]
            settings_dict["OPTIONS"] = saved[2]
        if conn.vendor == "sqlite":
            conn.connection = saved[0]
        ContentType.objects.clear_cache()


@contextmanager
def scratch_postgres_database(suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_{suffix}"
    assert re.fullmatch(r"[a-z0-9_]+", name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        connections["default"].close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def every_record() -> dict[str, list[dict]]:
    """Every row of every concrete model (including many-to-many tables), in key order."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def run_together(*jobs: Callable[[], object]) -> list[object]:
    """Run callables in threads released at the same instant; results (or exceptions) in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # reported to the test, which asserts on it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def same_browser(client: Client) -> Client:
    """A second client carrying the first one's cookies: another tab, or a double tap."""
    twin = client_for(None)
    twin.cookies = client.cookies
    return twin


def sqlite_file(tmp_path: Path, name: str = "aftercare.sqlite3") -> str:
    return str(tmp_path / name)
