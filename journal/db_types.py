"""PostgreSQL timestamps read by psycopg's own C loader.

Django 5.2 reads every `timestamptz` through a Python subclass of psycopg's loader
(`django.db.backends.postgresql.psycopg_any.BaseTzLoader`), whose only job is to give each
value Django's time zone (`tzinfo=connection.timezone`). When the session's zone and Django's
are both UTC — always here: `USE_TZ` is on and no database `TIME_ZONE` is set — psycopg's C
loader already returns exactly that (`datetime.timezone.utc`), at a twentieth of the cost:
0.17 µs against 3.3 µs a value. The triage page reads about 440 timestamps (BENCHMARKS.md).

`UtcTimestamptzLoader` is that C loader with the `timezone` attribute Django checks before each
cursor, so Django keeps it; under any other zone nothing is registered and Django's loader
stays."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created


def _c_loader() -> Any:
    """psycopg's C `timestamptz` text loader, or None without the C implementation."""
    try:
        from psycopg import adapters, pq
    except ImportError:  # psycopg 2, or no PostgreSQL driver
        return None
    loader = adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)
    if loader is None or loader.__module__.startswith("psycopg.types"):
        return None  # the pure-Python implementation: nothing to gain
    return loader


_C_LOADER = _c_loader()


class UtcTimestamptzLoader:
    """psycopg's C loader (not subclassable) behind the `timezone` attribute Django checks:
    each instance hands its `load` to a C loader made for the same context."""

    timezone = dt.UTC
    format = _C_LOADER.format if _C_LOADER is not None else None

    def __init__(self, oid: int, context: Any = None) -> None:
        assert _C_LOADER is not None
        self.oid = oid
        self.load = _C_LOADER(oid, context).load


def use_c_timestamps(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On a new PostgreSQL connection whose session zone and Django's zone are UTC, read
    `timestamptz` with `UtcTimestamptzLoader` (`connection_created` comes after Django has
    set the session's zone)."""
    if connection.vendor != "postgresql" or _C_LOADER is None:
        return
    raw = connection.connection
    if connection.timezone != dt.UTC or raw.info.timezone != dt.UTC:
        return
    raw.adapters.register_loader("timestamptz", UtcTimestamptzLoader)


def connect() -> None:
    connection_created.connect(use_c_timestamps, dispatch_uid="journal.db_types")
