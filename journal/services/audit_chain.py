"""A keyed hash chain over the audit and access tables, and the one sanctioned way to erase rows.

Every row's `chain_hash` is an HMAC (key: `AUDIT_CHAIN_KEY`) over the previous row's hash and
this row's content, so changing, reordering or removing a row breaks the chain at that point,
and someone with database access but without the key cannot rebuild it. Appends take a lock
(PostgreSQL: a transaction-scoped advisory lock; SQLite: the immediate write transaction) so
two writers never chain onto the same row. On PostgreSQL a trigger (migration
0004_audit_chain) also refuses UPDATE and DELETE on both tables, except a DELETE of access
events inside `erase_access_events`, which first keeps each removed row's hash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction

from journal.models import AccessEvent, AuditEvent, ErasedAuditRow

ChainedModel = type[AuditEvent] | type[AccessEvent]
Row = TypeVar("Row", AuditEvent, AccessEvent)

CHAINED: tuple[ChainedModel, ...] = (AuditEvent, AccessEvent)
# The columns each row's hash covers. Fixed lists: a column added later is not covered until a
# migration re-chains the table, so old rows keep verifying.
CHAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "journal_auditevent": (
        "at", "action", "outcome", "actor_id", "subject_id", "attempted_hash", "ip",
        "user_agent", "detail",
    ),
    "journal_accessevent": (
        "at", "actor_id", "patient_id", "share_id", "what", "path", "ip", "user_agent",
    ),
}  # fmt: skip
# pg_advisory_xact_lock(namespace, key): one lock per chained table.
_LOCK_NAMESPACE = 0x41435245  # "ACRE"
_LOCK_KEYS: dict[ChainedModel, int] = {AuditEvent: 1, AccessEvent: 2}
# The transaction-local setting the PostgreSQL trigger checks before allowing an erasure DELETE.
ERASURE_SETTING = "aftercare.audit_erasure"


def _key() -> bytes:
    configured = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if configured:
        return configured.encode()
    return hashlib.blake2b(settings.SECRET_KEY.encode(), person=b"audit-chain").digest()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def canonical(row: models.Model) -> bytes:
    """The row's covered columns as stable bytes."""
    values = {name: _plain(getattr(row, name)) for name in CHAIN_FIELDS[row._meta.db_table]}
    return json.dumps(values, sort_keys=True, default=str, separators=(",", ":")).encode()


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    """An HMAC-SHA256 that has taken `key` and nothing else, to be copied per row (a list
    read chains 50 rows; keying each from scratch was a third of its hashing)."""
    return hmac.new(key, digestmod="sha256")


def link(previous: str, row: models.Model) -> str:
    """The hash of `row` chained onto `previous`."""
    mac = _keyed(_key()).copy()
    mac.update(previous.encode() + b"\n" + canonical(row))
    return mac.hexdigest()


def _lock(model: ChainedModel) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, _LOCK_KEYS[model]]
            )


# The newest link of a chain: its last row, or a later row that erasure removed. Each side
# takes its own newest row first (the primary key; the erasure records' unique (table, row_id)
# index), so SQLite reads two rows: ordering the whole union, as PostgreSQL's planner does well
# with a merge of two backward index scans, made SQLite sort every access event ever written,
# on every page that records one (tests/test_audit_chain.py checks the plan).
_HEAD_SQL = (
    "SELECT chain_hash FROM ("
    "SELECT * FROM (SELECT id, chain_hash FROM {table} ORDER BY id DESC LIMIT 1) UNION ALL "
    'SELECT * FROM (SELECT row_id, chain_hash FROM journal_erasedauditrow WHERE "table" = %s '
    "ORDER BY row_id DESC LIMIT 1)) AS links ORDER BY id DESC LIMIT 1"
)


def _lock_and_read_head(model: ChainedModel) -> str:
    """Take the chain's lock and read its newest hash, in one round trip.

    PostgreSQL: `journal_chain_head()` (migration 0004) takes the advisory lock and only then
    reads, with a snapshot taken after the lock, so it sees a competing writer's committed row.
    SQLite: the immediate transaction already holds the database's write lock.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT journal_chain_head(%s, %s)", [table, _LOCK_KEYS[model]])
        else:
            cursor.execute(_HEAD_SQL.format(table=connection.ops.quote_name(table)), [table])
        row = cursor.fetchone()
    return (row[0] if row else "") or ""


def append(rows: Sequence[Row]) -> None:
    """Chain and insert `rows` (all of one chained model) in order, under the table's lock."""
    if not rows:
        return
    model = type(rows[0])
    # No savepoint of its own: a failed append fails the caller's transaction, as it should.
    with transaction.atomic(savepoint=False):
        previous = _lock_and_read_head(model)
        for row in rows:
            row.chain_hash = previous = link(previous, row)
        if len(rows) == 1:
            rows[0].save()
        else:
            _insert(model, rows)


# Rows per INSERT statement (parameters per statement stay far below every driver's limit).
_INSERT_BATCH = 100


def _insert(model: ChainedModel, rows: Sequence[Row]) -> None:
    """Insert `rows` with the values `bulk_create` would send (each field's
    `get_db_prep_save`), preparing each distinct value of a field once: the rows of one list
    read share all but their patient, share and hash, and `bulk_create`'s per-row, per-field
    preparation cost more than the statement (3 ms of a triage page's 50 access events on
    SQLite). PostgreSQL takes them in one COPY, SQLite in multi-row INSERT statements: a
    50-row INSERT of 450 parameters cost PostgreSQL 1.2 ms more than COPY (BENCHMARKS.md).
    The rows' ids are not read back (no caller uses them)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    prepared: list[dict[Any, Any]] = [{} for _ in fields]

    def prepare(at: int, value: Any) -> Any:
        try:
            return prepared[at][value]
        except TypeError:  # unhashable (a JSON detail): prepared every time
            return fields[at].get_db_prep_save(value, connection)
        except KeyError:
            found = prepared[at][value] = fields[at].get_db_prep_save(value, connection)
            return found

    def values(row: Row) -> list[Any]:
        return [prepare(at, getattr(row, field.attname)) for at, field in enumerate(fields)]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", map(values, rows))
            return
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), _INSERT_BATCH):
            batch = rows[start : start + _INSERT_BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))}",  # noqa: S608 (names from model metadata, quoted; values are parameters)
                [value for row in batch for value in values(row)],
            )


def _copy(cursor: Any, sql: str, rows: Iterable[list[Any]]) -> None:
    """`COPY … FROM STDIN` of `rows` through the psycopg cursor under Django's wrapper, with
    what `execute` gives every statement: database errors as Django's own (so the
    "not saved" page still answers an unavailable database), and an entry in the query log
    when queries are being captured (the benchmark's and the tests' query counts)."""
    logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else contextlib.nullcontext()
    with logged, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def erase_access_events(queryset: models.QuerySet[AccessEvent]) -> int:
    """Delete access events (erasure only), keeping each one's id and hash for the chain."""
    with transaction.atomic():
        _lock(AccessEvent)
        doomed = list(queryset.order_by("pk").values_list("pk", "chain_hash"))
        ErasedAuditRow.objects.bulk_create(
            ErasedAuditRow(table=AccessEvent._meta.db_table, row_id=pk, chain_hash=digest)
            for pk, digest in doomed
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [ERASURE_SETTING])
        deleted, _ = AccessEvent.objects.filter(pk__in=[pk for pk, _ in doomed]).delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [ERASURE_SETTING])
    return deleted


@dataclass(frozen=True)
class ChainReport:
    """The result of checking one table's chain."""

    table: str
    rows: int
    erased: int
    first_break: int | None  # the id of the first row whose hash does not follow

    @property
    def intact(self) -> bool:
        return self.first_break is None


def _links(model: ChainedModel) -> Iterator[tuple[int, AuditEvent | AccessEvent | None, str]]:
    """(id, row or None if erased, stored hash) in id order, rows and erasure records merged."""
    erased = dict(
        ErasedAuditRow.objects.filter(table=model._meta.db_table).values_list(
            "row_id", "chain_hash"
        )
    )
    pending = sorted(erased.items())
    for row in model.objects.order_by("pk").iterator(chunk_size=2000):
        while pending and pending[0][0] < row.pk:
            pk, digest = pending.pop(0)
            yield pk, None, digest
        yield row.pk, row, row.chain_hash
    for pk, digest in pending:
        yield pk, None, digest


def _sanctioned_erasures() -> set[int]:
    """Access-event ids that an audited erasure (`account.erased`) says it removed."""
    ids: set[int] = set()
    for detail in AuditEvent.objects.filter(action="account.erased").values_list(
        "detail", flat=True
    ):
        ids.update(int(pk) for pk in (detail or {}).get("erased_access_ids", []))
    return ids


def verify(model: ChainedModel) -> ChainReport:
    """Recompute `model`'s chain from the first row; report the first row that breaks it.

    A removed row counts only if an audited erasure names it; its kept hash carries the chain on.
    """
    previous, rows, erased = "", 0, 0
    sanctioned = _sanctioned_erasures() if model is AccessEvent else set()
    for pk, row, stored in _links(model):
        if row is None:
            erased += 1
            if pk not in sanctioned:
                return ChainReport(model._meta.db_table, rows, erased, pk)
        else:
            rows += 1
            if not hmac.compare_digest(link(previous, row), stored):
                return ChainReport(model._meta.db_table, rows, erased, pk)
        previous = stored
    return ChainReport(model._meta.db_table, rows, erased, None)
