"""A `values()` query compiled once per shape, then run with new values: for hot read queries
whose ORM construction and compilation cost several times their SQL (the triage facts query:
about 10 ms to build and compile, 3 ms to run, on every triage view).

The caller builds the query from a flat list of values (ids, instants, a kind). The first time a
shape is seen, the query is built from *sentinels* (one unique value per slot, none of which can
be a real value: negative ids, instants before 1902) and compiled; each SQL parameter that is a
sentinel remembers its slot, every other parameter is a constant of the query. Later calls with
the same shape put their values into those slots and run the stored SQL, and the rows go
through the same converters the ORM would have applied. A shape whose sentinels do not all come
back as parameters (a value inlined into the SQL, or folded away) is never reused: the query is
run through the ORM every time, which is always correct.

The compiled queries are kept per thread (a compiler holds its connection's operations).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

# At most this many shapes per thread (the triage list needs one per page length and distinct
# share starts: a handful).
MAX_SHAPES = 64

_local = threading.local()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per SQL parameter: the slot it takes its value from, or None for a constant.
    slots: tuple[int | None, ...]
    constants: tuple[Any, ...]
    names: tuple[str, ...]
    compiler: SQLCompiler | None  # None: this shape is not reusable (see the module docstring)


def _adapt(value: Any, alias: str) -> Any:
    """A value as the compiler passes it to the driver (instants and dates are text on
    SQLite)."""
    if isinstance(value, datetime):
        return connections[alias].ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connections[alias].ops.adapt_datefield_value(value)
    return value


def _names(queryset: QuerySet) -> tuple[str, ...]:
    # As `ValuesIterable` names the columns.
    query = queryset.query
    if query.selected:
        return tuple(query.selected)
    return (*query.extra_select, *query.values_select, *query.annotation_select)


def _compile(
    build: Callable[[Sequence[Any]], QuerySet], sentinels: Sequence[Any], alias: str
) -> _Compiled:
    queryset = build(sentinels)
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    wanted = {_adapt(value, alias): slot for slot, value in enumerate(sentinels)}
    slots: list[int | None] = []
    for param in params:
        try:
            slots.append(wanted.get(param))
        except TypeError:  # an unhashable constant (a list or a dict)
            slots.append(None)
    reusable = set(slots) - {None} == set(range(len(sentinels))) and not any(
        type(param) is not type(_adapt(sentinels[slot], alias))
        for param, slot in zip(params, slots, strict=True)
        if slot is not None
    )
    return _Compiled(
        sql=sql,
        slots=tuple(slots),
        constants=tuple(
            None if slot is not None else p for p, slot in zip(params, slots, strict=True)
        ),
        names=_names(queryset),
        compiler=compiler if reusable else None,
    )


def shaped_rows(
    model: type[Model],
    shape: Hashable,
    build: Callable[[Sequence[Any]], QuerySet],
    values: Sequence[Any],
    sentinels: Sequence[Any],
) -> tuple[tuple[str, ...], list[Sequence[Any]]]:
    """The column names and rows of `build(values)` (a `values()` or `values_list()` query).
    `shape` must name everything about the query except `values` (the same shape always builds
    the same SQL with the values in the same parameters); `sentinels` are one value per slot of
    `values`, each unique and none a value real data can hold. `model` is the queryset's model
    (for its database)."""
    if len(values) != len(sentinels):
        raise ValueError("one sentinel per value")
    alias = router.db_for_read(model)
    cache: dict[Hashable, _Compiled] = getattr(_local, "compiled", None) or {}
    _local.compiled = cache
    key = (alias, connections[alias].vendor, shape)
    compiled = cache.get(key)
    if compiled is None:
        if len(cache) >= MAX_SHAPES:
            cache.clear()
        compiled = cache[key] = _compile(build, sentinels, alias)
    if compiled.compiler is None:
        # As the ORM runs it (`ValuesIterable`, `ValuesListIterable`).
        return compiled.names, list(build(values).query.get_compiler(using=alias).results_iter())
    adapted = [_adapt(value, alias) for value in values]
    params = [
        adapted[slot] if slot is not None else constant
        for slot, constant in zip(compiled.slots, compiled.constants, strict=True)
    ]
    with connections[alias].cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    return compiled.names, list(compiled.compiler.results_iter(results=[rows]))


def shaped_values(
    model: type[Model],
    shape: Hashable,
    build: Callable[[Sequence[Any]], QuerySet],
    values: Sequence[Any],
    sentinels: Sequence[Any],
) -> list[dict[str, Any]]:
    """`shaped_rows` of a `values()` query, as `values()` gives them: one dict per row."""
    names, rows = shaped_rows(model, shape, build, values, sentinels)
    return [dict(zip(names, row, strict=True)) for row in rows]
