"""Open-flag counts of the filtered triage list, cached under a cheap fingerprint of the flags.

The plain list (no filter) ranks from the shares' kept standings (`TriageStanding`,
`reads.provider.RankedByStanding`). A list filtered by flag kind, name or last entry counts
here instead. The ranking needs, per sharing patient, the open flags the provider may see
(`permissions.flags_visible_to`: shared categories, since the share's start). That grouped query
is the expensive part of the triage page, so its result is cached under (a) a fingerprint of
every flag of the sharing patients (one plain aggregate query) and (b) the exact active shares
the page just read (ids, categories, start and end dates, the patients' time zones). Share
decisions are never cached: the shares are read on every request, so a revoked or narrowed
share is a different key on the very next view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.cache import cache
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, FloatField, Func, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Length
from django.db.models.sql.compiler import SQLCompiler

from journal import permissions
from journal.models import Flag, FlagSeverity, Share, User
from journal.reads.shaped import shaped_rows

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType


class OpenFlagCounts(TypedDict, total=False):
    """One patient's open flags the provider may see (empty for a patient with none)."""

    patient: int
    max_severity: int
    open_count: int
    urgent: int
    high: int
    notable: int
    latest_flag_at: datetime


def open_flag_counts(
    provider: User, zones: list[str], patient_ids: list[int], kind: str | None
) -> dict[int, OpenFlagCounts]:
    """Per patient: open flags the provider may see (shared categories, since the share
    start), as severity counts and the latest one — one grouped query."""
    flags = permissions.flags_visible_to(provider, zones).filter(
        patient__in=patient_ids, acknowledged_at__isnull=True
    )
    if kind:
        flags = flags.filter(kind=kind)
    rows = (
        flags.order_by()
        .values("patient")
        .annotate(
            max_severity=Max("severity"),
            open_count=Count("pk"),
            urgent=Count("pk", filter=Q(severity=FlagSeverity.URGENT)),
            high=Count("pk", filter=Q(severity=FlagSeverity.HIGH)),
            notable=Count("pk", filter=Q(severity=FlagSeverity.NOTABLE)),
            latest_flag_at=Max("raised_at"),
        )
    )
    return {row["patient"]: OpenFlagCounts(**row) for row in rows}


class _Epoch(Func):
    """Seconds since 1970 of a datetime column, with each database's native function (the
    generic `Extract` runs Python per row on SQLite)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"  # PostgreSQL
    output_field = FloatField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        return super().as_sql(
            compiler, connection, template="(julianday(%(expressions)s) * 86400.0)"
        )


# Bump when the cached value's shape or meaning changes.
TRIAGE_FLAGS_CACHE_VERSION = 1
TRIAGE_FLAGS_CACHE_SECONDS = 60 * 60


def flags_version(provider: User) -> tuple:
    """A cheap fingerprint of every flag of every patient who has a share with `provider`
    (revoked ones too: a superset of the sharing patients, selected by a subquery rather
    than hundreds of ids), in one aggregate query: a new flag raises the count and the
    highest id, a deletion lowers the count, an acknowledgement moves the newest
    `acknowledged_at` and the acknowledged count, and the re-flagging pass's in-place updates
    (severity, category, `raised_at`) move the sums."""
    # Compiled once (`journal.reads.shaped`): its ORM build and compile cost more than its SQL.
    _, rows = shaped_rows(Flag, "triage-flags-version", _flags_version_query, [provider.pk], [-1])
    return tuple(rows[0])


def _flags_version_query(values: Sequence[Any]) -> QuerySet:
    """`flags_version`'s one row for the provider whose id is `values[0]` (an aggregate over
    every row: grouped by nothing)."""
    return (
        Flag.objects.filter(patient__in=Share.objects.filter(provider=values[0]).values("patient"))
        .order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(
            n=Count("pk"),
            top=Max("pk"),
            acked=Count("acknowledged_at"),
            acked_at=Max("acknowledged_at"),
            severity=Sum("severity"),
            categories=Sum(Length("category")),
            kinds=Sum(Length("kind")),
            raised=Sum(_Epoch("raised_at")),
        )
        .values_list("n", "top", "acked", "acked_at", "severity", "categories", "kinds", "raised")
    )


def cached_open_flag_counts(
    provider: User, zones: list[str], shares: list[tuple], patient_at: int, kind: str | None
) -> dict[int, OpenFlagCounts]:
    """`open_flag_counts`, cached under the flags' fingerprint and the exact list of active
    shares (ids, categories, start dates, patients' time zones): the shares are read fresh on
    every request, so a revoked or changed share is a different key at once."""
    patient_ids = sorted({s[patient_at] for s in shares})
    text = repr((provider.pk, kind, zones, shares, flags_version(provider)))
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    key = f"triage-flags:{TRIAGE_FLAGS_CACHE_VERSION}:{provider.pk}:{digest}"
    counts = cache.get(key)
    if counts is None:
        counts = open_flag_counts(provider, zones, patient_ids, kind)
        cache.set(key, counts, TRIAGE_FLAGS_CACHE_SECONDS)
    return counts
