"""Plain export data and the one function that reads it from the database.

Category rules (the same ones sharing and charts use):

- ``mood``: mood of reports and check-ins, check-in anxiety and pain, questionnaires (PHQ-9,
  GAD-7) and mood flags;
- ``side_effects``: symptom ratings, the report's overall "bother" rating, side-effect flags;
- ``blood_pressure``: readings and blood-pressure flags;
- ``notes``: report and check-in notes the patient marked shareable.

Sessions (time, route, dose) are the context of side effects and blood pressure and are
included with either (as `journal.permissions.shared_sessions` decides for providers); session
notes are private (they cannot be marked shareable) and only the patient's own export carries
them. What an export covers comes from a `journal.permissions.Scope`: `own_scope` (every
category, private notes included) for the patient, `share_scope` (the share's categories, from
its start, shareable notes only) for a provider, so an export cannot disagree with the
provider's pages.
A field outside the categories is ``None`` here *and* the writers drop its column or section,
so "not shared" never looks like "empty".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from journal.models import (
    BloodPressureReading,
    CheckIn,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    SymptomRating,
    TreatmentSession,
)
from journal.outcomes import Outcome
from journal.permissions import ALL_CATEGORIES, Scope
from journal.reads import outcomes as outcome_reads

MOOD = "mood"
SIDE_EFFECTS = "side_effects"
BLOOD_PRESSURE = "blood_pressure"
NOTES = "notes"


@dataclass(frozen=True)
class SessionRow:
    id: int
    started_at: dt.datetime
    route: str
    route_label: str
    dose_mg: Decimal | None
    note: str | None  # None: not included (private session notes in a provider's export)


@dataclass(frozen=True)
class ReportRow:
    id: int
    session_id: int
    reported_at: dt.datetime
    mood: int | None
    overall_bother: int | None
    note: str | None
    note_shareable: bool | None


@dataclass(frozen=True)
class RatingRow:
    id: int
    report_id: int | None
    checkin_id: int | None
    code: str
    severity: int


@dataclass(frozen=True)
class CheckInRow:
    id: int
    recorded_at: dt.datetime
    mood: int | None
    anxiety: int | None
    pain: int | None
    note: str | None
    note_shareable: bool | None


@dataclass(frozen=True)
class ReadingRow:
    id: int
    session_id: int | None
    report_id: int | None
    measured_at: dt.datetime
    context: str
    context_label: str
    systolic: int
    diastolic: int
    pulse: int | None


@dataclass(frozen=True)
class QuestionnaireRow:
    id: int
    instrument: str
    completed_at: dt.datetime
    answers: tuple[int, ...]
    difficulty: int | None
    total: int
    band: str


@dataclass(frozen=True)
class FlagRow:
    id: int
    kind: str
    category: str
    severity: int
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None
    report_id: int | None
    checkin_id: int | None
    reading_id: int | None
    questionnaire_id: int | None
    detail: dict[str, Any] = field(default_factory=dict)
    disposition: str = ""
    withdrawn_at: dt.datetime | None = None
    entry_type: str = ""
    entry_id: int | None = None


@dataclass(frozen=True)
class ExportData:
    """Everything one export may contain, already limited to the reader's categories."""

    patient_id: int
    patient_name: str
    time_zone: str
    start: dt.date | None
    end: dt.date | None
    categories: frozenset[str]
    include_private_notes: bool
    generated_at: dt.datetime
    sessions: tuple[SessionRow, ...] = ()
    reports: tuple[ReportRow, ...] = ()
    ratings: tuple[RatingRow, ...] = ()
    checkins: tuple[CheckInRow, ...] = ()
    readings: tuple[ReadingRow, ...] = ()
    questionnaires: tuple[QuestionnaireRow, ...] = ()
    flags: tuple[FlagRow, ...] = ()
    # PHQ-9 / GAD-7 outcomes over the whole scope (not the period): DESIGN.md §3b.
    outcomes: tuple[Outcome, ...] = ()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def has(self, category: str) -> bool:
        """True when `category` is part of this export."""
        return category in self.categories

    @property
    def notes_included(self) -> bool:
        return self.include_private_notes or NOTES in self.categories

    def local(self, moment: dt.datetime) -> dt.datetime:
        """`moment` in the patient's zone."""
        return moment.astimezone(self.zone)


def period_bounds(
    start: dt.date | None, end: dt.date | None, zone: zoneinfo.ZoneInfo
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """UTC instants [from, until) covering local days `start`..`end` inclusive in `zone`."""
    since = dt.datetime.combine(start, dt.time.min, zone) if start else None
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, zone) if end else None
    return since, until


def _in_period(field_name: str, since: dt.datetime | None, until: dt.datetime | None) -> Q:
    q = Q()
    if since is not None:
        q &= Q(**{f"{field_name}__gte": since})
    if until is not None:
        q &= Q(**{f"{field_name}__lt": until})
    return q


def _note(note: str, shareable: bool, *, private_ok: bool, notes_shared: bool) -> str | None:
    if private_ok:
        return note
    if notes_shared:
        return note if shareable else ""
    return None


def _ratings_of(report_qs: QuerySet, checkin_qs: QuerySet) -> QuerySet[SymptomRating]:
    """The ratings of these reports and check-ins, oldest first, in one query. A UNION ALL of
    two parts, each served by its parent's index: `report IN (…) OR checkin IN (…)` made
    PostgreSQL scan every patient's ratings (1.7x slower exports on the 1M-row data set)."""
    of_reports = SymptomRating.objects.filter(report__in=report_qs).order_by()
    of_checkins = SymptomRating.objects.filter(checkin__in=checkin_qs).order_by()
    return of_reports.union(of_checkins, all=True).order_by("id")


def read_export_data(
    scope: Scope,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ExportData:
    """Read the scope's patient's rows for local days `start`..`end` (None: open), limited to
    its categories, its private-notes choice and its first day (nothing before it is read).

    Callers authorise first. A fixed number of queries, whatever the amount of data.
    """
    patient, include_private_notes, not_before = (
        scope.patient,
        scope.private_notes,
        scope.window_start,
    )
    cats = scope.categories & ALL_CATEGORIES
    zone = patient.zone
    since, until = period_bounds(start, end, zone)
    if not_before is not None and (since is None or since < not_before):
        since = not_before
    mood, side, bp = MOOD in cats, SIDE_EFFECTS in cats, BLOOD_PRESSURE in cats
    notes_shared = NOTES in cats
    any_notes = include_private_notes or notes_shared
    generated_at = now or timezone.now()

    sessions: tuple[SessionRow, ...] = ()
    if side or bp:
        sessions = tuple(
            SessionRow(
                id=s.pk,
                started_at=s.started_at,
                route=s.route,
                route_label=s.get_route_display(),
                dose_mg=s.dose_mg,
                note=s.note if include_private_notes else None,
            )
            for s in TreatmentSession.objects.filter(
                _in_period("started_at", since, until), patient=patient
            ).order_by("started_at", "pk")
        )

    reports: tuple[ReportRow, ...] = ()
    checkins: tuple[CheckInRow, ...] = ()
    report_qs = PostSessionReport.objects.filter(
        _in_period("reported_at", since, until), patient=patient
    )
    checkin_qs = CheckIn.objects.filter(_in_period("recorded_at", since, until), patient=patient)
    if mood or side or any_notes:
        reports = tuple(
            ReportRow(
                id=r.pk,
                session_id=r.session_id,
                reported_at=r.reported_at,
                mood=r.mood if mood else None,
                overall_bother=r.overall_bother if side else None,
                note=_note(
                    r.note,
                    r.note_shareable,
                    private_ok=include_private_notes,
                    notes_shared=notes_shared,
                ),
                note_shareable=r.note_shareable if include_private_notes else None,
            )
            for r in report_qs.order_by("reported_at", "pk")
        )
        checkins = tuple(
            CheckInRow(
                id=c.pk,
                recorded_at=c.recorded_at,
                mood=c.mood if mood else None,
                anxiety=c.anxiety if mood else None,
                pain=c.pain if mood else None,
                note=_note(
                    c.note,
                    c.note_shareable,
                    private_ok=include_private_notes,
                    notes_shared=notes_shared,
                ),
                note_shareable=c.note_shareable if include_private_notes else None,
            )
            for c in checkin_qs.order_by("recorded_at", "pk")
        )

    ratings: tuple[RatingRow, ...] = ()
    if side:
        ratings = tuple(
            RatingRow(
                id=r.pk,
                report_id=r.report_id,
                checkin_id=r.checkin_id,
                code=r.code,
                severity=r.severity,
            )
            for r in _ratings_of(report_qs, checkin_qs)
        )

    readings: tuple[ReadingRow, ...] = ()
    if bp:
        readings = tuple(
            ReadingRow(
                id=r.pk,
                session_id=r.session_id,
                report_id=r.report_id,
                measured_at=r.measured_at,
                context=r.context,
                context_label=r.get_context_display(),
                systolic=r.systolic,
                diastolic=r.diastolic,
                pulse=r.pulse,
            )
            for r in BloodPressureReading.objects.filter(
                _in_period("measured_at", since, until), patient=patient
            ).order_by("measured_at", "pk")
        )

    questionnaires: tuple[QuestionnaireRow, ...] = ()
    if mood:
        questionnaires = tuple(
            QuestionnaireRow(
                id=q.pk,
                instrument=q.instrument,
                completed_at=q.completed_at,
                answers=tuple(q.answers or ()),
                difficulty=q.difficulty,
                total=q.total,
                band=q.band,
            )
            for q in QuestionnaireResponse.objects.filter(
                _in_period("completed_at", since, until), patient=patient
            ).order_by("completed_at", "pk")
        )

    flag_categories = [c for c in (MOOD, SIDE_EFFECTS, BLOOD_PRESSURE) if c in cats]
    flags = tuple(
        FlagRow(
            id=f.pk,
            kind=f.kind,
            category=f.category,
            severity=f.severity,
            raised_at=f.raised_at,
            acknowledged_at=f.acknowledged_at,
            report_id=f.report_id,
            checkin_id=f.checkin_id,
            reading_id=f.reading_id,
            questionnaire_id=f.questionnaire_id,
            detail=dict(f.detail or {}),
            disposition=f.disposition,
            withdrawn_at=f.withdrawn_at,
            entry_type=f.entry_type,
            entry_id=f.entry_id,
        )
        for f in Flag.objects.filter(
            _in_period("raised_at", since, until),
            patient=patient,
            category__in=flag_categories,
        ).order_by("raised_at", "pk")
    )

    return ExportData(
        patient_id=patient.pk,
        patient_name=patient.display_name,
        time_zone=patient.time_zone,
        start=start,
        end=end,
        categories=cats,
        include_private_notes=include_private_notes,
        generated_at=generated_at,
        sessions=sessions,
        reports=reports,
        ratings=ratings,
        checkins=checkins,
        readings=readings,
        questionnaires=questionnaires,
        flags=flags,
        outcomes=tuple(
            o for name, o in outcome_reads.for_scope(scope).items() if name == "phq9" or o.scores
        )
        if mood
        else (),
    )


# Bump when `ExportData` or what it holds changes shape (the key's code digest covers this
# module and the outcome rules).
EXPORT_CACHE_VERSION = 1


def export_key(scope: Scope, start: dt.date | None, end: dt.date | None) -> str:
    """What decides an export's data, for cache keys: the patient's data version
    (`chartdata.data_version`: every entry, flag acknowledgement and withdrawal, marked
    baseline and the time zone), the scope (share, its first day, categories, private notes),
    the patient's name, the dates and the code that reads it."""
    import sys

    from journal import outcomes
    from journal.chartdata import code_digest, data_version

    patient = scope.patient
    name = hashlib.sha256(patient.display_name.encode()).hexdigest()[:12]
    cats = ",".join(sorted(scope.categories))
    code = code_digest(sys.modules[__name__], outcomes, outcome_reads)
    return (
        f"{EXPORT_CACHE_VERSION}:{code}:{get_language()}:{patient.pk}:{scope.share_id}:"
        f"{scope.window_start}:"
        f"{cats}:{scope.private_notes}:{start}:{end}:{name}:{data_version(patient)}"
    )


def cached_export_data(
    scope: Scope, *, start: dt.date | None = None, end: dt.date | None = None
) -> ExportData:
    """`read_export_data`, cached under `export_key`, for the one-page PDF, which people
    download again and again; `generated_at` is always this request's."""
    from journal.chartdata import CHART_CACHE_SECONDS

    key = f"export:{export_key(scope, start, end)}"
    data = cache.get(key)
    if data is None:
        data = read_export_data(scope, start=start, end=end)
        cache.set(key, data, CHART_CACHE_SECONDS)
    return replace(data, generated_at=timezone.now())
