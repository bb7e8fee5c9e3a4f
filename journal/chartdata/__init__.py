"""The read side of charts: a patient's rows → the plain data `journal.charts` draws.

Every public function takes a `journal.permissions.Scope` (whose data, which categories, from
which day: `own_scope` for the patient's own pages, `share_scope` for a provider) and a `Period`.
Data of a category outside the scope is never queried. Session dates and routes are read
for every chart (they are the frame every category is drawn against); dose and notes never.

Days are the patient's local calendar days (`User.time_zone`). Query counts are fixed: each
data kind is one query whatever the number of entries, and bucketing happens in Python.

The scope's first instant (`Scope.window_start`, a share's start) is a hard lower bound: no
query reads a row timed before it, including the context rows a period otherwise reads from before
its start (the 7-day average's first days, the previous period's mean mood, the session a
durability interval counts from). A previous period reaching before it has no mean (None), and
a blood-pressure reading taken within the bound under a session that started before it is
grouped by its own day. A scope without a first day reads exactly as the patient's own pages do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, When
from django.utils.translation import get_language

from journal.chartdata.build import (
    build_blood_pressure,
    build_durability,
    build_mood_series,
    build_questionnaires,
    build_severity_matrix,
    build_symptoms,
    mood_points,
)
from journal.chartdata.periods import (
    DEFAULT_PERIOD,
    PERIOD_CHOICES,
    PERIODS,
    PROVIDER_DEFAULT_PERIOD,
    ROLLING_DAYS,
    Period,
    PeriodChoice,
    daily_means,
    local_day,
    local_midnight,
    make_period,
    mean_of_days,
    parse_period,
    rolling_means,
)
from journal.chartdata.version import code_digest, data_version
from journal.charts import CHART_VERSION, CHARTS, DEFAULT_VARIANT, Variant
from journal.charts.types import (
    BloodPressureData,
    DurabilityData,
    MoodSeries,
    QuestionnaireData,
    SeverityMatrix,
    SymptomData,
)
from journal.durability import fall_back, typical_fall_back_day
from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    ShareCategory,
    SymptomRating,
    TreatmentSession,
    User,
)
from journal.permissions import ALL_CATEGORIES, Scope

__all__ = [
    "ALL_CATEGORIES",
    "DEFAULT_PERIOD",
    "PERIODS",
    "PERIOD_CHOICES",
    "PROVIDER_DEFAULT_PERIOD",
    "BotherMeans",
    "DashboardData",
    "Period",
    "PeriodChoice",
    "blood_pressure_data",
    "bother_means",
    "chart_cache_key",
    "chart_data",
    "chart_svg",
    "code_digest",
    "daily_means",
    "dashboard_data",
    "data_version",
    "durability_data",
    "local_day",
    "local_midnight",
    "make_period",
    "mood_series",
    "parse_period",
    "questionnaire_data",
    "rolling_means",
    "scope_prefix",
    "side_effect_matrix",
    "symptom_data",
    "version_key",
]

MOOD = ShareCategory.MOOD.value
SIDE_EFFECTS = ShareCategory.SIDE_EFFECTS.value
BLOOD_PRESSURE = ShareCategory.BLOOD_PRESSURE.value
CHART_CACHE_SECONDS = 7 * 24 * 3600


def _in_period(field: str, start: datetime | None, end: datetime) -> Q:
    q = Q(**{f"{field}__lt": end})
    return q & Q(**{f"{field}__gte": start}) if start is not None else q


def _since(start: datetime | None, not_before: datetime | None) -> datetime | None:
    """The later of a lower bound and `not_before` (None: no bound)."""
    if not_before is None:
        return start
    return not_before if start is None else max(start, not_before)


# --- Queries (one per kind of row) -------------------------------------------------------


def _sessions(patient: User, start: datetime | None, end: datetime) -> list[tuple]:
    """(id, started_at, route, report id or None) of sessions in [start, end), oldest first."""
    return list(
        TreatmentSession.objects.filter(_in_period("started_at", start, end), patient=patient)
        .order_by("started_at", "id")
        .values_list("id", "started_at", "route", "report__id")
    )


def _session_before(
    patient: User, start: datetime | None, not_before: datetime | None = None
) -> datetime | None:
    if start is None or (not_before is not None and start <= not_before):
        return None  # nothing to look for, or nothing that may be looked at
    bound = Q(started_at__gte=not_before) if not_before is not None else Q()
    return (
        TreatmentSession.objects.filter(bound, patient=patient, started_at__lt=start)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def _mood_rows(
    patient: User, start: datetime | None, end: datetime
) -> tuple[list[tuple], list[tuple]]:
    """Check-ins (recorded_at, mood, anxiety, pain) and reports (reported_at, mood)."""
    checkins = list(
        CheckIn.objects.filter(_in_period("recorded_at", start, end), patient=patient)
        .order_by("recorded_at")
        .values_list("recorded_at", "mood", "anxiety", "pain")
    )
    reports = list(
        PostSessionReport.objects.filter(_in_period("reported_at", start, end), patient=patient)
        .order_by("reported_at")
        .values_list("reported_at", "mood")
    )
    return checkins, reports


# --- Public read functions ---------------------------------------------------------------


def _require(category: str, scope: Scope) -> None:
    if not scope.allows(category):
        raise PermissionDenied(f"The {category} category is not available.")


def _rolling_start(period: Period, not_before: datetime | None = None) -> datetime | None:
    start = None if period.start is None else period.start - timedelta(days=ROLLING_DAYS + 1)
    return _since(start, not_before)


def mood_series(
    scope: Scope,
    period: Period,
) -> MoodSeries:
    """Daily mood (mean of check-ins and reports), 7-day rolling mean, session days."""
    _require(MOOD, scope)
    patient, not_before = scope.patient, scope.window_start
    zone = patient.zone
    checkins, reports = _mood_rows(patient, _rolling_start(period, not_before), period.end)
    sessions = [s[1] for s in _sessions(patient, _since(period.start, not_before), period.end)]
    return build_mood_series(period, zone, checkins, reports, sessions)


def durability_data(
    scope: Scope,
    period: Period,
) -> DurabilityData:
    """Mood against days since the most recent session, one interval per session."""
    _require(MOOD, scope)
    patient, not_before = scope.patient, scope.window_start
    start = _since(period.start, not_before)
    checkins, reports = _mood_rows(patient, start, period.end)
    sessions = [s[1] for s in _sessions(patient, start, period.end)]
    before = _session_before(patient, start, not_before)
    data = build_durability(
        patient.zone, checkins, reports, [before, *sessions] if before else sessions
    )
    if scope.share_id is None:
        return data
    # Providers' chart marks the typical fall-back day their summary states.
    return replace(data, fall_back_day=typical_fall_back_day(fall_back(data)))


def questionnaire_data(
    scope: Scope,
    period: Period,
) -> QuestionnaireData:
    """PHQ-9 and GAD-7 totals over the period."""
    _require(MOOD, scope)
    patient, not_before = scope.patient, scope.window_start
    rows = list(
        QuestionnaireResponse.objects.filter(
            _in_period("completed_at", _since(period.start, not_before), period.end),
            patient=patient,
        )
        .order_by("completed_at", "id")
        .values_list("instrument", "completed_at", "total", "band")
    )
    return build_questionnaires(period, patient.zone, rows)


def _report_ratings(patient: User, period: Period, not_before: datetime | None) -> list[tuple]:
    return list(
        SymptomRating.objects.filter(
            _in_period("report__session__started_at", _since(period.start, not_before), period.end),
            report__patient=patient,
        ).values_list("report__session_id", "code", "severity")
    )


def side_effect_matrix(
    scope: Scope,
    period: Period,
) -> SeverityMatrix:
    """Acute side effects per session with a report in the period."""
    _require(SIDE_EFFECTS, scope)
    patient, not_before = scope.patient, scope.window_start
    sessions = _sessions(patient, _since(period.start, not_before), period.end)
    return build_severity_matrix(
        patient.zone, sessions, _report_ratings(patient, period, not_before)
    )


def _checkin_ratings(patient: User, period: Period, not_before: datetime | None) -> list[tuple]:
    return list(
        SymptomRating.objects.filter(
            _in_period("checkin__recorded_at", _since(period.start, not_before), period.end),
            checkin__patient=patient,
        ).values_list("checkin__recorded_at", "code", "severity")
    )


def symptom_data(
    scope: Scope,
    period: Period,
) -> SymptomData:
    """Between-session symptoms: worst rating per local day."""
    _require(SIDE_EFFECTS, scope)
    patient, not_before = scope.patient, scope.window_start
    return build_symptoms(period, patient.zone, _checkin_ratings(patient, period, not_before))


def blood_pressure_data(
    scope: Scope,
    period: Period,
) -> BloodPressureData:
    """Readings grouped per session, flags from the stored flag rows, clinic thresholds."""
    _require(BLOOD_PRESSURE, scope)
    patient, not_before = scope.patient, scope.window_start
    start = _since(period.start, not_before)
    rows = BloodPressureReading.objects.filter(
        _in_period("measured_at", start, period.end), patient=patient
    )
    session_fields = ("session_id", "session__started_at")
    if not_before is not None:
        # A reading within the bound taken under a session from before it: that session is
        # not read, and the reading is grouped by its own day.
        in_bound = Q(session__started_at__gte=not_before)
        rows = rows.annotate(
            bounded_session=Case(When(in_bound, then=F("session_id")), default=None),
            bounded_session_start=Case(When(in_bound, then=F("session__started_at")), default=None),
        )
        session_fields = ("bounded_session", "bounded_session_start")
    readings = list(
        rows.order_by("measured_at", "id").values_list(
            "id", *session_fields, "measured_at", "context", "systolic", "diastolic", "pulse"
        )
    )
    flagged = set(
        Flag.objects.filter(
            _in_period("reading__measured_at", start, period.end), patient=patient
        ).values_list("reading_id", flat=True)
    )
    return build_blood_pressure(patient.zone, readings, flagged, ClinicSettings.load_thresholds())


LOADERS = {
    "mood": mood_series,
    "durability": durability_data,
    "questionnaires": questionnaire_data,
    "side-effects": side_effect_matrix,
    "symptoms": symptom_data,
    "blood-pressure": blood_pressure_data,
}


def chart_data(scope: Scope, name: str, period: Period) -> object:
    """The plain data of chart `name` within `scope` (KeyError for an unknown name)."""
    return LOADERS[name](scope, period)


def chart_cache_key(
    patient: User, name: str, period: Period, data: object, variant: Variant = DEFAULT_VARIANT
) -> str:
    """A cache key derived from the data itself and the drawing's variant: any new or edited
    entry changes it, and each size and theme is a picture of its own.

    The SVG is a pure function of the data, so data read with and without `not_before` that
    happens to be equal may share a picture; data that differs hashes differently. A picture's
    words are in the active language, so each language has its own."""
    digest = hashlib.sha256(f"{patient.pk}|{name}|{period.key}|{data!r}".encode()).hexdigest()
    return f"chart:{CHART_VERSION}:{get_language()}:{name}:{variant.key}:{digest}"


def version_key(prefix: str, scope: Scope, period: Period, version: str) -> str:
    """A cache key from the patient's data version (`data_version`), the period's local
    dates and the scope's categories: cheap to compute, and any change to the rows changes it.
    What is cached under it is written in the active language, which the key names too."""
    cats = ",".join(sorted(scope.categories))
    return (
        f"{prefix}:{CHART_VERSION}:{get_language()}:{scope.patient.pk}:{period.key}:"
        f"{period.first_day}:"
        f"{period.last_day}:{cats}:{version}"
    )


def scope_prefix(prefix: str, scope: Scope) -> str:
    """`prefix` with what else of the scope decides a picture: its first instant (a provider's
    share start bounds the rows read) and whether a provider reads it (their charts may draw
    more, e.g. the durability fall-back day)."""
    not_before = scope.window_start
    if not_before is not None:
        prefix += f":from:{not_before.isoformat()}"
    return prefix + (":share" if scope.share_id is not None else "")


def chart_svg(scope: Scope, name: str, period: Period, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """SVG of one chart in one variant (size, theme), from the cache when the same data was
    drawn before.

    Two levels: the data-version key answers a repeat view with one aggregate query and no
    chart data loaded; on a miss, the data is loaded and the content-derived key
    (`chart_cache_key`) still saves the render when this chart's own data did not change
    (e.g. a new blood-pressure reading does not redraw the mood chart)."""
    if name not in CHARTS:
        raise KeyError(name)
    patient = scope.patient
    prefix = scope_prefix(f"chartv:{name}:{variant.key}", scope)
    fast_key = version_key(prefix, scope, period, data_version(patient))
    svg = cache.get(fast_key)
    if svg is not None:
        return svg
    data = chart_data(scope, name, period)
    key = chart_cache_key(patient, name, period, data, variant)
    svg = cache.get(key)
    if svg is None:
        svg = CHARTS[name].render(data, variant=variant)
        cache.set(key, svg, CHART_CACHE_SECONDS)
    cache.set(fast_key, svg, CHART_CACHE_SECONDS)
    return svg


# --- Everything the dashboard shows, with a fixed number of queries ----------------------


@dataclass(frozen=True)
class BotherMeans:
    """Mean overall bother (0–4) of the reports of sessions in a period and in the period
    before it (None: no report, or a previous period that may not be read)."""

    current: float | None
    current_reports: int
    previous: float | None
    previous_reports: int


@dataclass(frozen=True)
class DashboardData:
    """Each chart's data (None when its category is not allowed), the previous mood mean, the
    newest check-in of the period and the side-effect burden of its sessions."""

    period: Period
    mood: MoodSeries | None = None
    previous_mood: float | None = None
    # (recorded_at, mood) of the period's newest check-in, from the rows the mood chart reads.
    last_checkin: tuple[datetime, int] | None = None
    # Read by `bother_means` for the pages that state it (the provider summary).
    bother: BotherMeans | None = None
    durability: DurabilityData | None = None
    questionnaires: QuestionnaireData | None = None
    side_effects: SeverityMatrix | None = None
    symptoms: SymptomData | None = None
    blood_pressure: BloodPressureData | None = None

    def for_chart(self, name: str) -> object | None:
        """The data of chart `name` ('side-effects' → side_effects)."""
        return getattr(self, name.replace("-", "_"))


class _DashboardParts(TypedDict, total=False):
    mood: MoodSeries
    previous_mood: float | None
    last_checkin: tuple[datetime, int] | None
    durability: DurabilityData
    questionnaires: QuestionnaireData
    side_effects: SeverityMatrix
    symptoms: SymptomData
    blood_pressure: BloodPressureData


def _previous_period(
    period: Period, zone: ZoneInfo, not_before: datetime | None
) -> tuple[date, datetime] | None:
    """First day and start of the period just before `period`; None for all time, or when it
    reaches before `not_before` (its mean would lean on days that may not be read)."""
    previous = period.previous(zone)
    if previous is None or previous.first_day is None or previous.start is None:
        return None
    if not_before is not None and previous.start < not_before:
        return None
    return previous.first_day, previous.start


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def bother_means(scope: Scope, period: Period) -> BotherMeans:
    """Overall bother of the reports of sessions in the period and in the one before it (one
    query; the previous period only when it may be read, as for the previous mood mean)."""
    _require(SIDE_EFFECTS, scope)
    patient, not_before = scope.patient, scope.window_start
    zone = patient.zone
    previous = _previous_period(period, zone, not_before)
    start = previous[1] if previous is not None else _since(period.start, not_before)
    rows = list(
        PostSessionReport.objects.filter(
            _in_period("session__started_at", start, period.end), patient=patient
        ).values_list("session__started_at", "overall_bother")
    )
    current = [b for at, b in rows if period.start is None or at >= period.start]
    earlier = [b for at, b in rows if period.start is not None and at < period.start]
    return BotherMeans(
        current=_mean(current),
        current_reports=len(current),
        previous=_mean(earlier) if previous is not None else None,
        previous_reports=len(earlier),
    )


def dashboard_data(
    scope: Scope,
    period: Period,
) -> DashboardData:
    """All chart data for the scope's categories (one query per kind of row, at most ~10),
    nothing before the scope's first instant (the previous mood mean is None when that period
    reaches before it)."""
    patient, not_before = scope.patient, scope.window_start
    zone = patient.zone
    sessions = _sessions(patient, _since(period.start, not_before), period.end)
    starts = [s[1] for s in sessions]
    parts: _DashboardParts = {}
    if scope.allows(MOOD):
        previous = _previous_period(period, zone, not_before)
        rolling_since = _rolling_start(period, not_before)
        # A previous period means this one has a first day, so `rolling_since` is set too.
        since = (
            rolling_since
            if previous is None or rolling_since is None
            else min(previous[1], rolling_since)
        )
        checkins, reports = _mood_rows(patient, since, period.end)
        parts["mood"] = build_mood_series(period, zone, checkins, reports, starts)
        if previous is not None:
            earlier = [r for r in checkins if r[0] < period.start]
            earlier_reports = [r for r in reports if r[0] < period.start]
            prev_days = daily_means(mood_points(earlier, earlier_reports), zone)
            parts["previous_mood"] = mean_of_days(
                {d: m for d, (m, _) in prev_days.items() if d >= previous[0]}
            )
        current = [r for r in checkins if period.start is None or r[0] >= period.start]
        current_reports = [r for r in reports if period.start is None or r[0] >= period.start]
        parts["last_checkin"] = (current[-1][0], current[-1][1]) if current else None
        before = _session_before(patient, _since(period.start, not_before), not_before)
        parts["durability"] = build_durability(
            zone, current, current_reports, [before, *starts] if before else starts
        )
        parts["questionnaires"] = questionnaire_data(scope, period)
    if scope.allows(SIDE_EFFECTS):
        parts["side_effects"] = build_severity_matrix(
            zone, sessions, _report_ratings(patient, period, not_before)
        )
        parts["symptoms"] = symptom_data(scope, period)
    if scope.allows(BLOOD_PRESSURE):
        parts["blood_pressure"] = blood_pressure_data(scope, period)
    return DashboardData(period=period, **parts)
