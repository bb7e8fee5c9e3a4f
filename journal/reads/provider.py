"""Read side of the provider workspace: the triage list and the patient summary.

Nothing here decides scope: every queryset starts from `journal.permissions` (active shares,
per-category record filters), so these pages cannot show more than a share allows. Query counts
do not grow with the number of patients or entries (subqueries and prefetches, no loops).
"""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.cache import cache as django_cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    JSONField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Collate, Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from journal import chartdata, permissions
from journal import flags as flag_rules
from journal import outcomes as outcome_rules
from journal.catalogue import (
    FLAG_RULES,
    answer_label,
    symptom_label,
)
from journal.chartdata import CHART_CACHE_SECONDS, PERIODS, DashboardData, Period, local_day
from journal.models import (
    SEVERITY_CHOICES,
    BloodPressureReading,
    CheckIn,
    EntryRevision,
    Flag,
    PatientOwned,
    PostSessionReport,
    QuestionnaireResponse,
    Role,
    Route,
    Share,
    ShareCategory,
    SymptomRating,
    TreatmentSession,
    User,
)
from journal.outcomes import Outcome, Score
from journal.provider_charts import period_label as chart_period_label
from journal.provider_charts import provider_dashboard, provider_period
from journal.reads import outcomes as outcome_reads
from journal.reads.glance import Fact, glance_facts
from journal.reads.outcomes import BaselineMark
from journal.reads.patient import describe_snapshot
from journal.reads.shaped import shaped_rows, shaped_values
from journal.reads.triage import OpenFlagCounts, cached_open_flag_counts
from journal.services.entries import flag_values
from journal.timefmt import local_words

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The triage filter's kinds: every rule of the catalogue, and the retired per-entry low-mood
# kind that flags raised before DESIGN.md §3 changed still carry.
KIND_LABELS: dict[str, StrOrPromise] = {
    **{rule.kind: rule.name for rule in FLAG_RULES},
    flag_rules.LOW_MOOD: gettext_lazy("Low mood (earlier rule)"),
}
# Triage rows per page: ranked over all sharing patients, rendered a page at a time.
TRIAGE_PAGE_SIZE = 50
# Adherence on the triage list: reports filed for the last this many shown sessions.
ADHERENCE_SESSIONS = 5
# The triage list's orders and its "no entry for N days" choices.
TRIAGE_ORDERS: dict[str, StrOrPromise] = {
    "urgency": gettext_lazy("Most urgent first"),
    "last_entry": gettext_lazy("Last entry (newest first)"),
    "name": gettext_lazy("Name (A–Z)"),
}
QUIET_DAYS = (3, 7, 14)


def kind_label(kind: str) -> str:
    """A provider-facing name for a flag kind (unknown kinds are shown readably)."""
    return str(KIND_LABELS.get(kind, kind.replace("_", " ").capitalize()))


def category_labels(categories: frozenset[str] | list[str]) -> list[str]:
    """Category labels in the fixed order of `ShareCategory`."""
    return [label for value, label in ShareCategory.choices if value in categories]


# --- Triage ---------------------------------------------------------------------------------


@cache
def _share_labels(categories: frozenset[str], language: str | None = None) -> tuple[str, ...]:
    # At most 16 combinations per language; the triage ranks every sharing patient on each view.
    return tuple(str(label) for label in category_labels(categories))


@dataclass(frozen=True)
class TopFlag:
    """The most urgent open flag a row shows: severity first, then the newest."""

    pk: int
    kind: str
    severity: int
    title: str
    raised_at: datetime


@dataclass(frozen=True)
class Adherence:
    """Reports filed for the last `sessions` shown sessions (at most `ADHERENCE_SESSIONS`)."""

    reported: int
    sessions: int


@dataclass(frozen=True)
class TriageQuery:
    """What the triage list shows: flag kind, order, "no entry for N days", name search."""

    kind: str | None = None
    order: str = "urgency"
    quiet_days: int | None = None
    search: str = ""

    @property
    def needs_entries(self) -> bool:
        """True when ranking needs every patient's last entry, not only the shown rows'."""
        return self.order == "last_entry" or self.quiet_days is not None


@dataclass(eq=False)
class TriageRow:
    patient: User
    share: Share
    categories: list[str]
    last_entry_at: datetime | None
    open_count: int
    urgent: int
    high: int
    notable: int
    latest_flag_at: datetime | None
    # PHQ-9 against its baseline; None when the share leaves out mood & questionnaires.
    phq9: Outcome | None = None
    top_flag: TopFlag | None = None
    # None when the share does not show sessions (side effects or blood pressure).
    last_session_at: datetime | None = None
    shows_sessions: bool = False
    # None when the share does not show both sessions and their reports.
    adherence: Adherence | None = None

    @property
    def more_open(self) -> int:
        """Open flags besides the top one."""
        return max(self.open_count - 1, 0) if self.top_flag else 0


# Entry sources of "last entry": (model, time field, share categories that reveal it).
_MOOD, _SIDE_EFFECTS, _BP = (
    ShareCategory.MOOD.value,
    ShareCategory.SIDE_EFFECTS.value,
    ShareCategory.BLOOD_PRESSURE.value,
)
ENTRY_SOURCES: dict[str, tuple[type[Model], str, tuple[str, ...]]] = {
    "last_checkin": (CheckIn, "recorded_at", (_MOOD, _SIDE_EFFECTS)),
    "last_report": (PostSessionReport, "reported_at", (_MOOD, _SIDE_EFFECTS)),
    "last_questionnaire": (QuestionnaireResponse, "completed_at", (_MOOD,)),
    "last_reading": (BloodPressureReading, "measured_at", (_BP,)),
    "last_session": (TreatmentSession, "started_at", (_SIDE_EFFECTS, _BP)),
}


def _newest_shown(
    share: Share, scope: permissions.Scope, names: tuple[str, ...]
) -> datetime | None:
    """The newest of the `names` sources the share's scope shows: per source, the patient's
    newest entry counts only when a granting category is in scope and it falls on or after the
    scope's first instant (the newest entry on or after it is the newest overall when that one
    is inside)."""
    start = scope.window_start
    shown = [
        newest
        for name in names
        if (newest := getattr(share, name)) is not None
        and any(scope.allows(c) for c in ENTRY_SOURCES[name][2])
        and (start is None or newest >= start)
    ]
    return max(shown, default=None)


def _last_entry_at(share: Share, scope: permissions.Scope) -> datetime | None:
    """The newest entry the share's scope shows, over every source."""
    return _newest_shown(share, scope, tuple(ENTRY_SOURCES))


def _shows_sessions(scope: permissions.Scope) -> bool:
    return any(scope.allows(c) for c in ENTRY_SOURCES["last_session"][2])


def _shows_adherence(scope: permissions.Scope) -> bool:
    # Sessions (side effects or blood pressure) and their reports (mood or side effects).
    return _shows_sessions(scope) and any(scope.allows(c) for c in ENTRY_SOURCES["last_report"][2])


def _triage_order(flags: OpenFlagCounts) -> tuple:
    severity = flags.get("max_severity")
    latest = flags.get("latest_flag_at")
    return (
        severity is None,
        -(severity or 0),
        -flags.get("open_count", 0),
        latest is None,
        -latest.timestamp() if latest else 0.0,
    )


# Columns read per sharing patient. Every patient is ranked on every view, but only the rows
# of one page become model instances (`_row`); the patient's other columns stay deferred.
# The share columns the triage uses (categories, window, ids); the others stay deferred (the
# rows are read-only: nothing saves or reads them; active shares are never revoked).
_SHARE_SHOWN = {*permissions.SCOPE_SHARE_FIELDS, "expires_on"}
_SHARE_FIELDS = tuple(f.attname for f in Share._meta.concrete_fields if f.attname in _SHARE_SHOWN)
# `from_db` takes the values in the model's field order.
_PATIENT_SHOWN = {"id", "display_name", "time_zone"}
_PATIENT_FIELDS = tuple(
    f.attname for f in User._meta.concrete_fields if f.attname in _PATIENT_SHOWN
)
_COLUMNS = (*_SHARE_FIELDS, *(f"patient__{f}" for f in _PATIENT_FIELDS))
_NAME_AT = _COLUMNS.index("patient__display_name")
_PATIENT_AT = _COLUMNS.index("patient_id")
_PK_AT = _COLUMNS.index("id")
_ZONE_AT = _COLUMNS.index("patient__time_zone")

Ranked = list[tuple[tuple, OpenFlagCounts]]
# Per share id: the row's facts from `_facts` (newest entry per source, top open flag,
# sessions and reports for adherence).
Facts = dict[int, dict[str, Any]]


def _by_name(columns: tuple) -> tuple[str, int]:
    # The order the list falls back to for equal urgency (as `ORDER BY display_name, pk`,
    # case-insensitive so that it does not depend on the database's collation).
    return (columns[_NAME_AT].casefold(), columns[_PATIENT_AT])


def _share(columns: tuple) -> Share:
    """A read-only share (and its patient) from the ranked columns, without a query."""
    db = Share.objects.db
    n = len(_SHARE_FIELDS)
    share = Share.from_db(db, _SHARE_FIELDS, columns[:n])
    share.patient = User.from_db(db, _PATIENT_FIELDS, columns[n : n + len(_PATIENT_FIELDS)])
    return share


def _with_entries(share: Share, facts: dict[str, Any] | None) -> Share:
    for name in ENTRY_SOURCES:
        setattr(share, name, facts.get(name) if facts else None)
    return share


def _ranked(
    provider: User, query: TriageQuery, now: datetime | None
) -> tuple[Ranked, Facts | None]:
    """(share columns, open-flag counts) of every active share the query keeps, in its order;
    with the facts of every kept share when the order or filter needed them."""
    shares = permissions.active_share_values(provider, _COLUMNS, now)
    shares.sort(key=_by_name)
    zones = sorted({share[_ZONE_AT] for share in shares})
    # Counted over every share (one cache entry whatever the search), then narrowed.
    counts = cached_open_flag_counts(provider, zones, shares, _PATIENT_AT, query.kind)
    no_flags: OpenFlagCounts = {}
    needle = query.search.casefold()
    ranked = [
        (share, counts.get(share[_PATIENT_AT], no_flags))
        for share in shares
        if (not query.kind or share[_PATIENT_AT] in counts)
        and (not needle or needle in share[_NAME_AT].casefold())
    ]
    facts = None
    last: dict[int, datetime | None] = {}
    if query.needs_entries:
        # Every kept patient's last entry: one query for all of them, reused for the page.
        facts = _facts([_share(columns) for columns, _ in ranked], query.kind)
        for columns, _ in ranked:
            share = _with_entries(_share(columns), facts.get(columns[_PK_AT]))
            last[share.pk] = _last_entry_at(share, permissions.share_scope(share))
        if query.quiet_days is not None:
            cutoff = (now or timezone.now()) - timedelta(days=query.quiet_days)
            ranked = [
                item for item in ranked if (at := last[item[0][_PK_AT]]) is None or at < cutoff
            ]
    # Sorts are stable: ties keep the name order.
    if query.order == "last_entry":
        ranked.sort(key=lambda item: _newest_first(last[item[0][_PK_AT]]))
    elif query.order != "name":
        ranked.sort(key=lambda item: _triage_order(item[1]))
    return ranked, facts


def _newest_first(at: datetime | None) -> tuple[bool, float]:
    return (at is None, -at.timestamp() if at else 0.0)


def _newest(model: type[Model], time_field: str) -> Subquery:
    """SQL: the newest `time_field` of the outer share's patient (served by the model's
    `(patient, time)` index: one index probe per row, no date conversion)."""
    return Subquery(
        model._default_manager.filter(patient=OuterRef("patient"))
        .order_by(f"-{time_field}")
        .values(time_field)[:1],
        output_field=DateTimeField(),
    )


def _count(queryset: QuerySet) -> Subquery:
    """SQL: how many rows `queryset` has (a plain `COUNT`, so no `GROUP BY`: one row, 0 for
    none)."""
    counted = queryset.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def _shown_categories() -> Q:
    """SQL, inside a subquery of a share: the flag's category is one that share shows."""
    shown = Q()
    for category in permissions.DATA_CATEGORIES:
        field = permissions.SHARE_FIELD_BY_CATEGORY[category]
        shown |= Q(category=category) & Q(Exact(OuterRef(field), True))
    return shown


# "No start" as an instant, so that every subquery's window test is one plain comparison.
_NO_START = datetime(1970, 1, 1, tzinfo=UTC)
_TOP_FLAG = {
    "top_flag_id": ("pk", IntegerField()),
    "top_flag_kind": ("kind", None),
    "top_flag_severity": ("severity", IntegerField()),
    "top_flag_detail": ("detail", JSONField()),
    "top_flag_at": ("raised_at", DateTimeField()),
}


def _facts(
    shares: list[Share],
    kind: str | None,
    top: str = "search",
    scopes: Sequence[permissions.Scope] | None = None,
) -> Facts:
    """Per share, in one query (index probes per row, no loops): the patient's newest entry
    time per source (`ENTRY_SOURCES`), the top open flag in the shared categories since the
    share's start (of `kind` when given; with `top="standing"`, the one the share's kept
    standing names), the sessions since the start and how many of the last
    `ADHERENCE_SESSIONS` of them have a report.

    Building and compiling this query through the ORM cost about three times running it, so
    it is compiled once per shape (`journal.reads.shaped`): the number of shares, of distinct
    starts and of shares per start, and whether a kind is asked for."""
    if not shares:
        return {}
    if scopes is None:
        scopes = [permissions.share_scope(s) for s in shares]
    starts = {
        share.pk: scope.window_start or _NO_START
        for share, scope in zip(shares, scopes, strict=True)
    }
    # One branch per distinct start (a start is a local midnight: few distinct values), none
    # when no share has one. The expression is repeated in every subquery that compares with
    # it, so its size multiplies the cost of compiling the query.
    by_start: dict[datetime, list[int]] = defaultdict(list)
    for pk, start in starts.items():
        if start != _NO_START:
            by_start[start].append(pk)
    sizes = tuple(len(pks) for pks in by_start.values())
    values: list[Any] = [*([kind] if kind else []), *starts]
    ids = itertools.count(-1, -1)
    sentinels: list[Any] = [
        *([_KIND_SENTINEL] if kind else []),
        *itertools.islice(ids, len(starts)),
    ]
    for group, (start, pks) in enumerate(by_start.items()):
        values += [start, *pks]
        sentinels += [
            _NO_START_SENTINEL + timedelta(seconds=group),
            *itertools.islice(ids, len(pks)),
        ]
    rows = shaped_values(
        Share,
        ("triage-facts", bool(kind), len(starts), sizes, top),
        lambda given: _facts_query(given, bool(kind), len(starts), sizes, top),
        values,
        sentinels,
    )
    return {row["pk"]: row for row in rows}


# Values no real query holds, for compiling `_facts_query` once per shape (with negative ids):
# an instant before any entry, a kind no rule has.
_KIND_SENTINEL = "<any kind>"
_NO_START_SENTINEL = datetime(1901, 1, 1, tzinfo=UTC)


def _facts_query(
    values: Sequence[Any], kind: bool, n: int, sizes: tuple[int, ...], top: str = "search"
) -> QuerySet:
    """The `_facts` query from its values in order: the kind (when `kind`), the `n` share ids,
    then per distinct start the start and its `sizes[i]` share ids."""
    at = 1 if kind else 0
    ids = list(values[at : at + n])
    at += n
    branches = []
    for size in sizes:
        start, pks = values[at], list(values[at + 1 : at + 1 + size])
        at += 1 + size
        branches.append(When(pk__in=pks, then=Value(start)))
    window: Case | Value = (
        Case(*branches, default=Value(_NO_START), output_field=DateTimeField())
        if branches
        else Value(_NO_START, output_field=DateTimeField())
    )
    since = {"patient": OuterRef("patient")}
    open_flags = Flag.objects.filter(
        _shown_categories(),
        **since,
        acknowledged_at__isnull=True,
        raised_at__gte=OuterRef("window_start"),
    )
    if kind:
        open_flags = open_flags.filter(kind=values[0])
    ranked = open_flags.order_by("-severity", "-raised_at", "-pk")
    sessions = TreatmentSession.objects.filter(**since, started_at__gte=OuterRef("window_start"))
    last_sessions = (
        TreatmentSession.objects.filter(
            patient=OuterRef(OuterRef("patient")),
            started_at__gte=OuterRef(OuterRef("window_start")),
        )
        .order_by("-started_at", "-pk")
        .values("pk")[:ADHERENCE_SESSIONS]
    )
    reported = PostSessionReport.objects.filter(**since, session__in=last_sessions)
    return (
        Share.objects.filter(pk__in=ids)
        .order_by()
        .annotate(window_start=window)
        .annotate(
            **{
                name: _newest(model, time_field)
                for name, (model, time_field, _) in ENTRY_SOURCES.items()
            },
            **{
                name: (
                    F(f"standing__top_flag__{column}")
                    if top == "standing"
                    else Subquery(ranked.values(column)[:1], output_field=output)
                )
                for name, (column, output) in _TOP_FLAG.items()
            },
            sessions_shown=_count(sessions),
            sessions_reported=_count(reported),
        )
        .values("pk", *ENTRY_SOURCES, *_TOP_FLAG, "sessions_shown", "sessions_reported")
    )


def _rows(
    items: Ranked, kind: str | None, facts: Facts | None = None, top: str = "search"
) -> list[TriageRow]:
    """The rows of `items`; their top flags looked up (`top="search"`) or the ones their
    standings name (`"standing"`)."""
    shares = [_share(columns) for columns, _ in items]
    scopes = [permissions.share_scope(share) for share in shares]
    if facts is None:
        facts = _facts(shares, kind, top, scopes)
    rows = [
        _row(share, scope, flags, facts.get(share.pk))
        for share, scope, (_, flags) in zip(shares, scopes, items, strict=True)
    ]
    # PHQ-9 outcomes of the rows whose share shows questionnaires (three queries for all).
    windows = {}
    for row, scope in zip(rows, scopes, strict=True):
        if scope.allows(ShareCategory.MOOD):
            windows[row.patient.pk] = scope.window_start
    found = outcome_reads.phq9_by_patient(windows)
    for row in rows:
        row.phq9 = found.get(row.patient.pk)
    return rows


def _top_flag(facts: dict[str, Any] | None) -> TopFlag | None:
    if not facts or facts["top_flag_id"] is None:
        return None
    kind, detail = facts["top_flag_kind"], facts["top_flag_detail"] or {}
    return TopFlag(
        pk=facts["top_flag_id"],
        kind=kind,
        severity=facts["top_flag_severity"],
        title=flag_rules.clinical_title(kind, detail),
        raised_at=facts["top_flag_at"],
    )


def _row(
    share: Share,
    scope: permissions.Scope,
    flags: OpenFlagCounts,
    facts: dict[str, Any] | None,
) -> TriageRow:
    _with_entries(share, facts)
    adherence = None
    if facts and _shows_adherence(scope):
        adherence = Adherence(
            reported=facts["sessions_reported"],
            sessions=min(facts["sessions_shown"], ADHERENCE_SESSIONS),
        )
    return TriageRow(
        patient=share.patient,
        share=share,
        categories=list(_share_labels(scope.categories, get_language())),
        last_entry_at=_last_entry_at(share, scope),
        open_count=flags.get("open_count", 0),
        urgent=flags.get("urgent", 0),
        high=flags.get("high", 0),
        notable=flags.get("notable", 0),
        latest_flag_at=flags.get("latest_flag_at"),
        top_flag=_top_flag(facts),
        shows_sessions=_shows_sessions(scope),
        last_session_at=_newest_shown(share, scope, ("last_session",)),
        adherence=adherence,
    )


def triage(
    provider: User,
    kind: str | None = None,
    now: datetime | None = None,
    query: TriageQuery | None = None,
) -> list[TriageRow]:
    """Patients currently sharing with `provider`, most urgent first: highest open flag
    severity, then number of open flags, then the latest flag; open flags only from shared
    categories. With `kind`, only patients with open flags of that kind (counting only those).
    `query` (which wins over `kind`) also picks the order, "no entry for N days" and a name
    search.

    Without a filter the database ranks the shares by their kept standings
    (`RankedByStanding`). With one: at most four queries whatever the number of patients (the
    active shares, the flags' fingerprint, the open flags grouped by patient, skipped when
    cached under that fingerprint and these shares, each shown patient's facts: newest
    entries, top flag, adherence)."""
    query = query or TriageQuery(kind=kind)
    if ranks_by_standing(query):
        return _standing_rows(RankedByStanding(provider, query.order, now)[0:None])
    items, facts = _ranked(provider, query, now)
    return _rows(items, query.kind, facts)


def triage_page(
    provider: User,
    kind: str | None = None,
    number: str | int | None = None,
    per_page: int = TRIAGE_PAGE_SIZE,
    now: datetime | None = None,
    query: TriageQuery | None = None,
) -> Page:
    """One page of `triage` (ranked over all sharing patients; rows built for this page only).

    The plain list (most urgent first or by name, no filter) is ranked by the database from
    the shares' kept standings (`TriageStanding`): a count and one page of rows, whatever the
    number of patients. A filter by kind, name or last entry ranks in Python as `triage`."""
    query = query or TriageQuery(kind=kind)
    by_standing = ranks_by_standing(query)
    ranked: Any
    facts: Facts | None = None
    if by_standing:
        # Counted and sliced by the database (`Paginator` needs only `count()` and slices).
        first = (_page_number(number) - 1) * per_page
        ranked = RankedByStanding(provider, query.order, now, slice(first, first + per_page))
    else:
        ranked, facts = _ranked(provider, query, now)
    page: Page[Any] = Paginator(ranked, per_page).get_page(number)
    if by_standing:
        page.object_list = _standing_rows(list(page.object_list))
    else:
        page.object_list = _rows(list(page.object_list), query.kind, facts)
    return page


def _page_number(number: str | int | None) -> int:
    """The page `Paginator.get_page` shows for `number` when that page exists (1 for a
    missing or malformed number, as there)."""
    if number is None:
        return 1
    try:
        wanted = int(number)
    except ValueError:
        return 1
    return max(wanted, 1)


def ranks_by_standing(query: TriageQuery) -> bool:
    """Whether the database ranks this query from the kept standings (no kind, name or
    entry filter; urgency or name order)."""
    return (
        not query.kind
        and not query.search
        and not query.needs_entries
        and query.order in ("urgency", "name")
    )


# The standing's counts, after the share's and the patient's columns (`_COLUMNS`).
_STANDING = ("max_severity", "open_count", "urgent", "high", "notable", "latest_flag_at")
_STANDING_AT = len(_COLUMNS)
# Sentinels of `RankedByStanding`'s queries (values no real row holds): ids below zero, zone
# names no zone has, dates before any share.
_ZONE_SENTINEL = "<zone {}>"
_DAY_SENTINEL = date(1901, 1, 1)


class RankedByStanding:
    """The provider's active shares (`_COLUMNS`) with their standing (`_STANDING`), ranked by
    the database, as `Paginator` counts and slices them: by name, or the highest open
    severity, then the most open flags, then the newest flag (`_triage_order`), ties by name.

    Three queries for a page whatever the number of patients (the patients' time zones, the
    count, the page), two on PostgreSQL (the page carries its count: `expect`), each compiled
    once per shape (`journal.reads.shaped`)."""

    def __init__(
        self,
        provider: User,
        order: str,
        now: datetime | None = None,
        expect: slice | None = None,
    ) -> None:
        """`expect`: the slice the caller expects to ask for (the requested page). On
        PostgreSQL `count()` then reads that page too, counting with a window
        (`COUNT(*) OVER ()`), and the slice is answered from it: two queries a page instead of
        three, 1.1 ms less at 500 patients and 0.7 at 2,000. SQLite took longer that way
        (2.0 ms against 1.7, 4.7 against 3.2) and keeps the separate count."""
        self.provider = provider
        self.order = order
        now = now or timezone.now()
        zones = _sharing_zones(provider) if permissions.has_role(provider, Role.PROVIDER) else []
        self.today = permissions.local_dates(now, zones)
        self.default_today = now.astimezone(UTC).date()
        self.expect = expect if connection.vendor == "postgresql" else None
        self._read: tuple[int, list[tuple]] | None = None  # (start, rows) read by count()

    def _values(self) -> tuple[list[Any], list[Any]]:
        """(values, sentinels) of the queries, in `_active`'s order."""
        n = len(self.today)
        values = [self.provider.pk, *self.today, *self.today.values(), self.default_today]
        sentinels = [
            -1,
            *(_ZONE_SENTINEL.format(i) for i in range(n)),
            *(_DAY_SENTINEL + timedelta(days=i) for i in range(n + 1)),
        ]
        return values, sentinels

    def count(self) -> int:
        if not permissions.has_role(self.provider, Role.PROVIDER) or not self.today:
            return 0
        if self.expect is not None:
            start = self.expect.start or 0
            counted = self._page(start, self.expect.stop, counted=True)
            if counted:
                self._read = (start, [row[:-1] for row in counted])
                return int(counted[0][-1])
            if start == 0:
                return 0
            # Past the last page: `Paginator` will ask for the last page instead.
        values, sentinels = self._values()
        _, rows = shaped_rows(
            Share,
            ("triage-count", len(self.today)),
            lambda given: (
                _active(given)
                .order_by()
                .annotate(_all=Value(1))
                .values("_all")
                .annotate(n=Count("pk"))
                .values_list("n")
            ),
            values,
            sentinels,
        )
        return rows[0][0] if rows else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[tuple]:
        if not permissions.has_role(self.provider, Role.PROVIDER) or not self.today:
            return []
        start, stop = index.start or 0, index.stop
        if stop is not None and stop <= start:
            return []
        if self._read is not None and self.expect is not None and self._read[0] == start:
            # The read rows are `expect`, cut short only by the end of the ranking.
            read, wanted = self._read[1], self.expect.stop
            reached_end = wanted is None or len(read) < wanted - start
            if reached_end or (stop is not None and stop <= wanted):
                return read if stop is None else read[: stop - start]
        return self._page(start, stop)

    def _page(self, start: int, stop: int | None, counted: bool = False) -> list[tuple]:
        """Rows `start:stop` of the ranking; with `counted`, each ends with the number of
        active shares in all."""
        values, sentinels = self._values()
        order = self.order
        _, rows = shaped_rows(
            Share,
            ("triage-ranked", order, len(self.today), start, stop, counted),
            lambda given: _ranked_query(given, order, counted)[start:stop],
            values,
            sentinels,
        )
        return [tuple(row) for row in rows]


def _sharing_zones(provider: User) -> list[str]:
    """`permissions.sharing_zones`, compiled once."""
    _, rows = shaped_rows(
        Share,
        "triage-zones",
        lambda given: (
            Share.objects.filter(provider=given[0], revoked_at__isnull=True)
            .order_by()
            .values_list("patient__time_zone")
            .distinct()
        ),
        [provider.pk],
        [-1],
    )
    return sorted(row[0] for row in rows)


def _active(values: Sequence[Any]) -> QuerySet[Share]:
    """`permissions.shares_active_on` from `RankedByStanding._values`."""
    n = (len(values) - 2) // 2
    zones, days = values[1 : 1 + n], values[1 + n : 1 + 2 * n]
    return permissions.shares_active_on(values[0], dict(zip(zones, days, strict=True)), values[-1])


def _name_key() -> Lower | Collate:
    """SQL: the patient's name lowercased, compared by code point on every database (as
    `_by_name`; SQLite's `lower()` folds ASCII letters only)."""
    key = Lower("patient__display_name")
    return Collate(key, "C") if connection.vendor == "postgresql" else key


def _ranked_query(values: Sequence[Any], order: str, counted: bool = False) -> QuerySet:
    by_name = (_name_key(), "patient_id")
    ordering: tuple[Any, ...] = by_name
    if order == "urgency":
        ordering = (
            *(
                F(f"standing__{name}").desc(nulls_last=True)
                for name in ("max_severity", "open_count", "latest_flag_at")
            ),
            *by_name,
        )
    columns = (*_COLUMNS, *(f"standing__{name}" for name in _STANDING))
    query = _active(values).order_by(*ordering)
    if counted:
        query = query.annotate(_total=Window(Count("pk")))
        columns = (*columns, "_total")
    return query.values_list(*columns)


def _standing_rows(ranked: list[tuple]) -> list[TriageRow]:
    """The rows of `RankedByStanding` results: counts and top flag from the standing."""
    return _rows([_standing_item(row) for row in ranked], None, top="standing")


def _standing_item(row: tuple) -> tuple[tuple, OpenFlagCounts]:
    """(share columns, open-flag counts) of one `RankedByStanding` row."""
    columns, standing = row[:_STANDING_AT], row[_STANDING_AT:]
    if standing[0] is None:
        return columns, {}
    max_severity, open_count, urgent, high, notable, latest_flag_at = standing
    return columns, OpenFlagCounts(
        patient=columns[_PATIENT_AT],
        max_severity=max_severity,
        open_count=open_count,
        urgent=urgent,
        high=high,
        notable=notable,
        latest_flag_at=latest_flag_at,
    )


# --- Patient summary --------------------------------------------------------------------------


def _since(queryset: QuerySet, time_field: str, period: Period) -> QuerySet:
    """Rows of the period's local days (the chart period: the same days the charts show)."""
    queryset = queryset.filter(**{f"{time_field}__lt": period.end})
    return queryset.filter(**{f"{time_field}__gte": period.start}) if period.start else queryset


@dataclass
class FlagView:
    flag: Flag
    title: str
    severity_name: str
    is_open: bool
    # "Deleted by the patient on …" / "Changed by the patient on …; the rule no longer fires".
    withdrawn: str = ""
    # The flagged entry's earlier versions (and its values now), notes left out.
    history: list[RevisionView] = field(default_factory=list)


@dataclass(frozen=True)
class RevisionView:
    label: str
    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class OutcomeView:
    """One instrument's outcome for the provider: the line, and what the baseline form needs."""

    outcome: Outcome
    line: str
    mark: BaselineMark | None

    @property
    def instrument(self) -> str:
        return self.outcome.instrument

    @property
    def choices(self) -> list[Score]:
        """The shared questionnaires of this instrument, oldest first (baseline candidates)."""
        return list(self.outcome.scores)


def outcome_views(share: Share) -> list[OutcomeView]:
    """PHQ-9 and GAD-7 outcomes the share allows (none without mood & questionnaires)."""
    scope = permissions.share_scope(share)
    if not scope.allows(ShareCategory.MOOD):
        return []
    found = outcome_reads.for_scope(scope)
    marked = any(o.baseline_marked for o in found.values())
    marks = outcome_reads.baseline_marks(share.patient) if marked else {}
    return [
        OutcomeView(o, outcome_rules.provider_line(o), marks.get(name))
        for name, o in found.items()
        # GAD-7 only when there is one; PHQ-9 always (its absence is worth saying).
        if name == "phq9" or o.scores
    ]


@dataclass
class Summary:
    share: Share
    categories: frozenset[str]
    period: str
    period_label: str
    # The local days every table, fact and chart of the page covers (one period table).
    chart_period: Period
    # Reads the chart data the facts and the charts are both built from (`data`).
    load_data: Callable[[], DashboardData]
    facts: list[Fact] = field(default_factory=list)
    mood: dict[str, list[dict[str, Any]]] | None = None
    side_effects: dict[str, list[dict[str, Any]]] | None = None
    notes: list[dict[str, object]] | None = None
    flags: list[FlagView] = field(default_factory=list)
    # PHQ-9 / GAD-7 outcomes over the whole share (not the period): DESIGN.md §3b.
    outcomes: list[OutcomeView] = field(default_factory=list)
    # The key everything above is cached under (share, categories, period, data version):
    # what a page builds only from it may be cached under it too.
    cache_key: str = ""

    @cached_property
    def data(self) -> DashboardData:
        """The period's chart data, read only when something is built from it: a repeat view
        whose sections and charts are cached never loads it (an 18 KB cache read)."""
        return self.load_data()

    @property
    def category_labels(self) -> list[str]:
        return category_labels(self.categories)

    @property
    def open_flags(self) -> list[FlagView]:
        return [item for item in self.flags if item.is_open]

    @property
    def open_by_severity(self) -> list[tuple[str, int]]:
        """(severity name, open flags of it), most severe first."""
        # Counted by the severity's number: its name is a lazy translation, and hashing one
        # translates it (about 20 µs a flag).
        counts: dict[int, int] = defaultdict(int)
        names: dict[int, str] = {}
        for item in self.open_flags:
            counts[item.flag.severity] += 1
            names.setdefault(item.flag.severity, item.severity_name)
        return [(names[severity], n) for severity, n in sorted(counts.items(), reverse=True)]

    @property
    def closed_flags(self) -> list[FlagView]:
        return [item for item in self.flags if not item.is_open]


def _mood_section(share: Share, period: Period) -> dict[str, list[dict[str, Any]]]:
    """Every mood score of the period, newest first (the daily means are the chart's)."""
    checkins = _since(permissions.mood_checkins(share), "recorded_at", period)
    reports = _since(permissions.mood_reports(share), "reported_at", period)
    checkin, report = _("Check-in"), _("After-session report")
    rows = [
        {
            "at": c.recorded_at,
            "source": checkin,
            "mood": c.mood,
            "anxiety": c.anxiety,
            "pain": c.pain,
        }
        for c in checkins
    ] + [
        {
            "at": r.reported_at,
            "source": report,
            "mood": r.mood,
            "anxiety": None,
            "pain": None,
        }
        for r in reports
    ]
    rows.sort(key=lambda row: row["at"], reverse=True)
    return {"rows": rows}


def _ratings_text(ratings: list[tuple[str, int]]) -> list[str]:
    return [
        f"{symptom_label(code)}: {answer_label(code, severity)}"
        for code, severity in ratings
        if severity > 0
    ]


def _side_effect_section(share: Share, period: Period) -> dict[str, list[dict[str, Any]]]:
    """After-session reports (route, dose, overall bother: what the chart's matrix does not
    show) and check-ins with a symptom rated, newest first.

    Three flat queries of values (reports, their non-zero ratings, the check-ins' non-zero
    ratings with their time): a `Prefetch` cloned its queryset once per report and check-in,
    which made this the summary's most expensive read."""
    reports = _since(permissions.side_effect_reports(share), "reported_at", period)
    report_rows = list(
        reports.order_by("-session__started_at", "-id").values_list(
            "id", "session__started_at", "session__route", "session__dose_mg", "overall_bother"
        )
    )
    by_report: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for report_id, code, severity in (
        SymptomRating.objects.filter(report__in=reports.values("id"), severity__gt=0)
        .order_by("id")
        .values_list("report_id", "code", "severity")
    ):
        by_report[report_id].append((code, severity))
    checkins = _since(permissions.side_effect_checkins(share), "recorded_at", period)
    by_checkin: dict[int, tuple[datetime, list[tuple[str, int]]]] = {}
    for checkin_id, at, code, severity in (
        SymptomRating.objects.filter(checkin__in=checkins.values("id"), severity__gt=0)
        .order_by("-checkin__recorded_at", "-checkin_id", "id")
        .values_list("checkin_id", "checkin__recorded_at", "code", "severity")
    ):
        by_checkin.setdefault(checkin_id, (at, []))[1].append((code, severity))
    routes = dict(Route.choices)
    bother = dict(SEVERITY_CHOICES)
    return {
        "sessions": [
            {
                "started_at": started_at,
                "route": str(routes.get(route, route)),
                "dose_mg": dose_mg,
                "bother": str(bother.get(overall_bother, overall_bother)),
                "ratings": _ratings_text(by_report.get(report_id, [])),
            }
            for report_id, started_at, route, dose_mg, overall_bother in report_rows
        ],
        "checkins": [
            {"at": at, "ratings": _ratings_text(ratings)} for at, ratings in by_checkin.values()
        ],
    }


def _notes_section(share: Share, period: Period) -> list[dict[str, object]]:
    reports, checkins = permissions.shared_notes(share)
    report, checkin = _("After-session report"), _("Check-in")
    notes = [
        {"at": r.reported_at, "source": report, "text": r.note}
        for r in _since(reports, "reported_at", period)
    ] + [
        {"at": c.recorded_at, "source": checkin, "text": c.note}
        for c in _since(checkins, "recorded_at", period)
    ]
    notes.sort(key=lambda n: n["at"], reverse=True)
    return notes


def _withdrawn_text(flag: Flag, zone: ZoneInfo) -> str:
    if flag.withdrawn_at is None:
        return ""
    when = local_words(flag.withdrawn_at, zone)
    if flag.withdrawal.get("action") == "delete":
        return _("The patient deleted this entry on %(when)s.") % {"when": when}
    return _("The patient changed this entry on %(when)s; the rule no longer fires.") % {
        "when": when
    }


# A flag's link to the entry that raised it, by field name.
_ENTRY_FIELDS: dict[str, type[PatientOwned]] = {
    "report": PostSessionReport,
    "checkin": CheckIn,
    "reading": BloodPressureReading,
    "questionnaire": QuestionnaireResponse,
}


def _histories(flags: list[Flag], zone: ZoneInfo) -> dict[tuple[str, int], list[RevisionView]]:
    """Earlier versions of every flagged entry that was edited or deleted (one query), and the
    values each still-existing entry holds now. Notes are never included."""
    keys: set[tuple[str, int]] = {
        (f.entry_type, f.entry_id) for f in flags if f.entry_id is not None
    }
    if not keys:
        return {}
    patient_ids = {f.patient_id for f in flags}
    revisions = EntryRevision.objects.filter(
        patient_id__in=patient_ids,
        entry_type__in={k[0] for k in keys},
        entry_id__in={k[1] for k in keys},
    ).order_by("entry_type", "entry_id", "version", "id")
    out: dict[tuple[str, int], list[RevisionView]] = defaultdict(list)
    for rev in revisions:
        key = (rev.entry_type, rev.entry_id)
        if key not in keys:
            continue
        data = {k: v for k, v in rev.data.items() if k not in {"note", "note_shareable"}}
        label = (
            _("Version %(version)s, deleted %(when)s")
            if rev.action == "delete"
            else _("Version %(version)s, replaced %(when)s")
        ) % {"version": rev.version, "when": local_words(rev.changed_at, zone)}
        out[key].append(RevisionView(label, describe_snapshot(data)))
    # The edited entries that still exist, read only for flags with a history (one query per
    # kind of entry; most pages have none), not joined to every flag.
    wanted: dict[str, set[int]] = defaultdict(set)
    for flag in flags:
        if flag.entry_id is not None and (flag.entry_type, flag.entry_id) in out:
            for name in _ENTRY_FIELDS:
                if (entry_id := getattr(flag, f"{name}_id")) is not None:
                    wanted[name].add(entry_id)
    entries = {
        name: _ENTRY_FIELDS[name]._default_manager.in_bulk(ids) for name, ids in wanted.items()
    }
    with_now: set[tuple[str, int]] = set()  # entries whose values now are already listed
    for flag in flags:
        if flag.entry_id is None:
            continue
        key = (flag.entry_type, flag.entry_id)
        entry = next(
            (
                entries[name].get(getattr(flag, f"{name}_id"))
                for name in _ENTRY_FIELDS
                if name in entries and getattr(flag, f"{name}_id") is not None
            ),
            None,
        )
        if key in out and entry is not None and key not in with_now:
            with_now.add(key)
            out[key].append(
                RevisionView(
                    _("Now (version %(version)s)") % {"version": entry.version},
                    describe_snapshot(flag_values(entry)),
                )
            )
    return out


def flag_views(flags: QuerySet[Flag], zone: ZoneInfo | None = None) -> list[FlagView]:
    """Flags with clinical titles, withdrawal and the flagged entry's edit history; open ones
    first, then by severity and time."""
    zone = zone or ZoneInfo("UTC")
    rows = list(flags.select_related("acknowledged_by"))
    histories = _histories(rows, zone)
    items = [
        FlagView(
            flag=f,
            title=flag_rules.clinical_title(f.kind, f.detail),
            severity_name=f.severity_level.label,
            is_open=f.acknowledged_at is None,
            withdrawn=_withdrawn_text(f, zone),
            history=histories.get((f.entry_type, f.entry_id), []) if f.entry_id else [],
        )
        for f in rows
    ]
    items.sort(key=lambda v: (not v.is_open, -v.flag.severity, -v.flag.raised_at.timestamp()))
    return items


def shared_flag_views(share: Share, flag_ids: list[int]) -> list[FlagView]:
    """`flag_views` of the given flags the share shows (to redraw them after acknowledging)."""
    return flag_views(permissions.shared_flags(share).filter(pk__in=flag_ids), share.patient.zone)


def open_flag_count(share: Share) -> int:
    """How many of the share's flags are still open."""
    return permissions.shared_flags(share).filter(acknowledged_at__isnull=True).count()


@dataclass(frozen=True)
class _Sections:
    """What the summary shows: every part is read from rows the patient's data version covers
    (entries, questionnaires, marked baselines, flags with their acknowledgement and
    withdrawal), so it is cached under it."""

    facts: list[Fact]
    mood: dict[str, list[dict[str, Any]]] | None
    side_effects: dict[str, list[dict[str, Any]]] | None
    notes: list[dict[str, object]] | None
    outcomes: list[OutcomeView]
    flags: list[FlagView]


# Bump when `_Sections` or what it holds changes shape (the key's code digest covers this
# module and the outcome rules).
SUMMARY_CACHE_VERSION = 2


def _sections_key(share: Share, scope: permissions.Scope, period: Period, version: str) -> str:
    code = chartdata.code_digest(sys.modules[__name__], outcome_rules, outcome_reads)
    return chartdata.version_key(
        chartdata.scope_prefix(f"psummary:{SUMMARY_CACHE_VERSION}:{code}:{share.pk}", scope),
        scope,
        period,
        version,
    )


def _sections(
    share: Share,
    scope: permissions.Scope,
    period: Period,
    load_data: Callable[[], DashboardData],
    key: str,
) -> _Sections:
    """The summary's facts, entries tables and outcomes, cached like the provider's charts:
    under the share (id, start), its categories, the period's local dates and the patient's
    data version (`chartdata.version_key`), so any new, edited or deleted entry, flag
    acknowledged or withdrawn, a new share or a new day is a new key."""
    sections = django_cache.get(key)
    if sections is None:
        categories = scope.categories
        zone = share.patient.zone
        sections = _Sections(
            facts=glance_facts(load_data(), zone, chart_period_label(period), period.days),
            mood=_mood_section(share, period) if ShareCategory.MOOD in categories else None,
            side_effects=(
                _side_effect_section(share, period)
                if ShareCategory.SIDE_EFFECTS in categories
                else None
            ),
            notes=_notes_section(share, period) if ShareCategory.NOTES in categories else None,
            outcomes=outcome_views(share),
            flags=_period_flags(share, period),
        )
        django_cache.set(key, sections, CHART_CACHE_SECONDS)
    return sections


def patient_summary(share: Share, period: str, now: datetime | None = None) -> Summary:
    """Everything the share allows about its patient in `period` (the chart period: whole
    local days, never before the share's start), by category. Its figures (the glance facts)
    and the charts come from one `DashboardData`; its tables list the same days' rows. All of
    it is cached under the patient's data version (read once, before the data)."""
    scope = permissions.share_scope(share)
    zone = share.patient.zone
    today = local_day(now, zone) if now is not None else None
    chart_period = provider_period(scope, period, today)
    version = chartdata.data_version(share.patient)
    loaded: list[DashboardData] = []

    def load_data() -> DashboardData:
        if not loaded:
            loaded.append(provider_dashboard(scope, chart_period, version))
        return loaded[0]

    key = _sections_key(share, scope, chart_period, version)
    sections = _current_names(share, _sections(share, scope, chart_period, load_data, key))
    summary = Summary(
        share=share,
        categories=scope.categories,
        period=chart_period.key,
        period_label=PERIODS[chart_period.key].title,
        chart_period=chart_period,
        load_data=load_data,
        facts=sections.facts,
        mood=sections.mood,
        side_effects=sections.side_effects,
        notes=sections.notes,
        outcomes=sections.outcomes,
        flags=sections.flags,
        cache_key=key,
    )
    return summary


def _current_names(share: Share, sections: _Sections) -> _Sections:
    """The cached sections with today's names of the providers they mention (who acknowledged
    a flag, who marked a baseline): a renamed account is not part of the data version, and
    these are records of who did what. At most one query each, only when there are any."""
    ids = {
        item.flag.acknowledged_by_id
        for item in sections.flags
        if item.flag.acknowledged_by_id is not None
    }
    if ids:
        people = User.objects.in_bulk(ids)
        for item in sections.flags:
            if item.flag.acknowledged_by_id is not None:
                item.flag.acknowledged_by = people.get(item.flag.acknowledged_by_id)
    if any(view.mark is not None for view in sections.outcomes):
        marks = outcome_reads.baseline_marks(share.patient)
        outcomes = [replace(view, mark=marks.get(view.instrument)) for view in sections.outcomes]
        sections = replace(sections, outcomes=outcomes)
    return sections


def _period_flags(share: Share, period: Period) -> list[FlagView]:
    """Open flags whatever the period (a flag leaves only by acknowledgement), and the
    acknowledged ones raised in it."""
    shared = permissions.shared_flags(share)
    if period.start is not None:
        shared = shared.filter(Q(acknowledged_at__isnull=True) | Q(raised_at__gte=period.start))
    return flag_views(shared, share.patient.zone)
