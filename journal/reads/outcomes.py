"""Outcomes as a reader may see them: `journal.outcomes` over the questionnaires a scope covers.

Scope rules (the clinic outcomes page follows the same ones):
- questionnaires: only with the *mood & questionnaires* category, and only those inside the
  scope's window (a share's start date);
- sessions: their start times only, as the clock (session number, weeks since the first
  session, which questionnaire is the baseline) — never their dose, route or note; inside the
  window only: when sessions lie before it, the outcome is a *partial course* (no automatic
  baseline, numbers counted from the window's start) and nothing before it is read;
- a provider-marked baseline counts only when its questionnaire is inside the scope.
One query for any number of patients (`load`); a marked baseline's who and when, one more.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import CharField, Count, DateTimeField, IntegerField, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import get_language, gettext

from journal import outcome_summaries, outcomes
from journal.chartdata import CHART_CACHE_SECONDS, code_digest
from journal.charts import CHART_VERSION, DEFAULT_VARIANT, Variant, variant_srcs
from journal.charts.outcomes import response_chart, response_curve_data
from journal.models import (
    MarkedBaseline,
    QuestionnaireResponse,
    ShareCategory,
    TreatmentSession,
    User,
)
from journal.outcome_summaries import response_summary, response_table
from journal.outcomes import Outcome, ScoreInput
from journal.permissions import Scope, own_scope
from journal.reads.shaped import shaped_rows
from journal.summaries import Audience, Table

INSTRUMENTS = ("phq9", "gad7")


@dataclass(frozen=True)
class BaselineMark:
    """Who chose a baseline other than the automatic one, for the patient and providers."""

    instrument: str
    questionnaire_id: int
    marked_by: str
    marked_at: datetime


def for_scope(scope: Scope) -> dict[str, Outcome]:
    """PHQ-9 and GAD-7 outcomes of the scope's patient ({} without the mood category), in one
    query. Scores carry the patient's local times (tables show the patient's days)."""
    if not scope.allows(ShareCategory.MOOD):
        return {}
    patient = scope.patient
    found = load({patient.pk: scope.window_start}, INSTRUMENTS, zone=patient.zone)
    return found[patient.pk]


def baseline_marks(patient: User) -> dict[str, BaselineMark]:
    """The provider-marked baselines of `patient`, by instrument (one query)."""
    return {
        m.instrument: BaselineMark(
            m.instrument,
            m.questionnaire_id,
            m.marked_by.display_name if m.marked_by else gettext("a provider who has left"),
            m.marked_at,
        )
        for m in MarkedBaseline.objects.filter(patient=patient).select_related("marked_by")
    }


def _inside(windows: dict[int, datetime | None], field: str) -> Q:
    """SQL: rows of these patients at or after each one's window start."""
    whole = [pid for pid, start in windows.items() if start is None]
    q = Q(patient_id__in=whole)
    for pid, start in windows.items():
        if start is not None:
            q |= Q(patient_id=pid, **{f"{field}__gte": start})
    return q


def _before(windows: dict[int, datetime | None], field: str) -> Q:
    """SQL: rows of these patients before each one's window start (none without a window)."""
    q = Q(pk__in=[])
    for pid, start in windows.items():
        if start is not None:
            q |= Q(patient_id=pid, **{f"{field}__lt": start})
    return q


@dataclass
class Courses:
    """What outcomes are computed from, for many patients (see `courses`)."""

    scores: dict[tuple[int, str], list[ScoreInput]]  # (patient id, instrument) -> scores
    starts: dict[int, list[datetime]]  # patient id -> session starts inside the window
    marks: dict[tuple[int, str], int]  # (patient id, instrument) -> marked questionnaire id
    partial: set[int]  # patients with sessions before their window


# An instant before any entry, for compiling `_courses_query` once per shape.
_SENTINEL_START = datetime(1901, 1, 1, tzinfo=UTC)


def _courses_query(values: Sequence[Any], instruments: tuple[str, ...], whole: int) -> QuerySet:
    """The union `courses` runs, from its values in order: the ids of the `whole` patients
    seen without a window, then (id, window start) of each other patient."""
    windows: dict[int, datetime | None] = dict.fromkeys(values[:whole])
    pairs = values[whole:]
    windows.update(zip(pairs[::2], pairs[1::2], strict=True))
    ids = list(windows)
    number, instant, text = IntegerField(), DateTimeField(), CharField()
    none = Value("", output_field=text)
    questionnaires = (
        QuestionnaireResponse.objects.filter(
            _inside(windows, "completed_at"), instrument__in=instruments
        )
        .order_by()
        .values_list(Value("q"), "patient_id", "pk", "completed_at", "total", "instrument")
    )
    sessions = (
        TreatmentSession.objects.filter(_inside(windows, "started_at"))
        .order_by()
        .values_list(
            Value("s"), "patient_id", "pk", "started_at", Value(0, output_field=number), none
        )
    )
    earlier = (
        TreatmentSession.objects.filter(_before(windows, "started_at"))
        .order_by()
        .values("patient_id")
        .annotate(n=Count("pk"))
        .values_list(
            Value("p"),
            "patient_id",
            "n",
            Value(None, output_field=instant),
            Value(0, output_field=number),
            none,
        )
    )
    marked = (
        MarkedBaseline.objects.filter(patient_id__in=ids, instrument__in=instruments)
        .order_by()
        .values_list(
            Value("m"),
            "patient_id",
            "questionnaire_id",
            Value(None, output_field=instant),
            Value(0, output_field=number),
            "instrument",
        )
    )
    return questionnaires.union(sessions, earlier, marked, all=True)


def courses(
    windows: dict[int, datetime | None],
    instruments: tuple[str, ...] = INSTRUMENTS,
    *,
    zone: ZoneInfo | None = None,
) -> Courses:
    """The courses of many patients at once: `windows` maps each patient id to the start of
    what the reader may see (None: everything). The caller has checked the mood category. One
    query whatever the number of patients: the questionnaires and session times inside each
    window, a count of the sessions before it (no row, no time) and the marked baselines, as
    one UNION ALL. `zone`: give scores that zone's local times."""
    found = Courses(defaultdict(list), defaultdict(list), {}, set())
    if not windows:
        return found
    # Compiled once per shape (`journal.reads.shaped`): building and compiling this union
    # through the ORM cost more than running it.
    whole = [pid for pid, start in windows.items() if start is None]
    started = [(pid, start) for pid, start in windows.items() if start is not None]
    values: list[Any] = [*whole, *itertools.chain.from_iterable(started)]
    ids = itertools.count(-1, -1)
    sentinels: list[Any] = [next(ids) for _ in whole]
    for n, _ in enumerate(started):
        sentinels += [next(ids), _SENTINEL_START + timedelta(seconds=n)]
    _, rows = shaped_rows(
        QuestionnaireResponse,
        ("outcome-courses", instruments, len(whole), len(started)),
        lambda given: _courses_query(given, instruments, len(whole)),
        values,
        sentinels,
    )
    for kind, patient_id, pk, at, total, instrument in rows:
        if kind == "s":
            found.starts[patient_id].append(at)
        elif kind == "m":
            found.marks[patient_id, instrument] = pk
        elif kind == "p":
            found.partial.add(patient_id)
        else:
            found.scores[patient_id, instrument].append(
                ScoreInput(pk, at.astimezone(zone) if zone else at, total)
            )
    return found


def load(
    windows: dict[int, datetime | None],
    instruments: tuple[str, ...] = INSTRUMENTS,
    *,
    zone: ZoneInfo | None = None,
) -> dict[int, dict[str, Outcome]]:
    """Outcomes of many patients at once, by patient and instrument (one query, `courses`)."""
    found = courses(windows, instruments, zone=zone)
    return {
        pid: {
            name: outcomes.outcome(
                name,
                found.scores[pid, name],
                found.starts[pid],
                marked_baseline_id=found.marks.get((pid, name)),
                partial_course=pid in found.partial,
            )
            for name in instruments
        }
        for pid in windows
    }


def phq9_by_patient(windows: dict[int, datetime | None]) -> dict[int, Outcome]:
    """PHQ-9 outcomes of many patients (one query, `load`)."""
    return {pid: found["phq9"] for pid, found in load(windows, ("phq9",)).items()}


# The patient's own view --------------------------------------------------------------------

# A missing baseline is worth asking for while treatment is about to start or has just started.
BASELINE_PROMPT_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class PatientOutcome:
    outcome: Outcome
    sentence: str
    mark: BaselineMark | None
    # "before": no session yet and no recent questionnaire; "recent": a session in the last
    # two weeks and no baseline; "": nothing to ask.
    prompt: str


def _prompt(o: Outcome, first_session: datetime | None, now: datetime) -> str:
    if o.baseline is not None:
        return ""
    if first_session is None:
        recent = o.latest is not None and now - o.latest.completed_at <= outcomes.BASELINE_WINDOW
        return "" if recent else "before"
    return "recent" if now - first_session <= BASELINE_PROMPT_WINDOW else ""


def patient_outcomes(patient: User, now: datetime | None = None) -> list[PatientOutcome]:
    """The patient's PHQ-9 and GAD-7 since treatment began, in their words (one query, and one
    more to say who chose a marked baseline)."""
    now = now or timezone.now()
    found = for_scope(own_scope(patient))
    marks = baseline_marks(patient) if any(o.baseline_marked for o in found.values()) else {}
    first = _first_session(found)
    views = []
    for name, o in found.items():
        prompt = _prompt(o, first, now)
        if name != "phq9" and not o.scores and not prompt:
            continue
        views.append(
            PatientOutcome(
                o,
                outcomes.patient_sentence(o),
                marks.get(name) if o.baseline_marked else None,
                prompt,
            )
        )
    return views


def _first_session(found: dict[str, Outcome]) -> datetime | None:
    """When treatment began, as far as the outcomes know (None: no session yet)."""
    for o in found.values():
        if o.first_session is not None:
            return o.first_session
    return None


# The response curve, as pages show it ------------------------------------------------------

AXES = ("session", "weeks")


@dataclass(frozen=True)
class Curve:
    """One instrument's response curve for a page: where its pictures are, its sentence, its
    table. `weeks_src` is empty when weeks since the first session are unknown."""

    outcome: Outcome
    table: Table
    src: str
    weeks_src: str
    alt: str

    @property
    def srcs(self) -> dict[str, str]:
        """The phone and dark drawings of the curve by session (`charts.variant_srcs`)."""
        return variant_srcs(self.src)


def curves(
    found: list[Outcome],
    audience: Audience,
    url: Callable[[str, str], str],
    cache_key: str = "",
) -> dict[str, Curve]:
    """The curves worth drawing (scores and at least one session), by instrument;
    `url(instrument, axis)` gives a picture's address. With `cache_key`, a key that changes
    whenever `found` or the language does (the provider summary's), the tables are cached
    under it: their dates and numbers in words cost more than reading them back."""
    # The tables' own code is in the key too: a deploy that changes them is a new key.
    key = f"{cache_key}:response-tables:{code_digest(outcome_summaries)}" if cache_key else ""
    tables: dict[str, Table] = (cache.get(key) if key else None) or {}
    built = False
    drawn = {}
    for o in found:
        if not o.scores or o.state == outcomes.NO_SESSIONS:
            continue
        table = tables.get(o.instrument)
        if table is None:
            table = tables[o.instrument] = response_table(o)
            built = True
        drawn[o.instrument] = Curve(
            outcome=o,
            table=table,
            src=url(o.instrument, "session"),
            weeks_src="" if o.partial_course else url(o.instrument, "weeks"),
            alt=gettext(
                "Line chart of %(title)s scores by session, lower is better, with the "
                "baseline marked and lines at half the baseline (response) and at 5 "
                "(remission). %(summary)s"
            )
            % {"title": o.title, "summary": response_summary(o, audience=audience)},
        )
    if built and key:
        cache.set(key, tables, CHART_CACHE_SECONDS)
    return drawn


def curve_svg(patient: User, o: Outcome, axis: str, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """The picture of one curve (`axis`: "session" or "weeks") in one variant (size, theme),
    cached under a key derived from everything it draws (as `chartdata.chart_cache_key`
    does): a new, edited or re-marked score redraws it; an unchanged one costs a cache read."""
    data = response_curve_data(o, "weeks" if axis == "weeks" else "session")
    digest = hashlib.sha256(f"{patient.pk}|{axis}|{data!r}".encode()).hexdigest()
    key = f"chart:{CHART_VERSION}:{get_language()}:outcome-{o.instrument}:{variant.key}:{digest}"
    svg = cache.get(key)
    if svg is None:
        svg = response_chart(data, variant=variant)
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg
