"""Plain data the chart, summary and table functions take (no Django, no database).

Days are the patient's local calendar days; `journal.chartdata` builds these from rows.
All containers are tuples of frozen dataclasses so `repr()` is stable and can key a cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from journal.thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class MoodDay:
    """One local day of mood: mean of that day's check-in and report moods (0–10)."""

    day: date
    mood: float
    entries: int
    # Mean of the daily means of this day and the six before it that have entries.
    rolling: float
    anxiety: float | None = None
    pain: float | None = None


@dataclass(frozen=True, slots=True)
class MoodSeries:
    first_day: date | None  # None: "all time", the axis starts at the first entry
    last_day: date
    days: tuple[MoodDay, ...]
    sessions: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class SessionColumn:
    day: date
    route: str  # human label, e.g. "IV infusion"


@dataclass(frozen=True, slots=True)
class SeverityMatrix:
    """Acute side effects: one column per session with a report, one row per symptom."""

    columns: tuple[SessionColumn, ...]
    rows: tuple[tuple[str, str], ...]  # (code, label)
    # values[row][column]: 0–4, or None when that symptom was not rated for that session.
    values: tuple[tuple[int | None, ...], ...]


@dataclass(frozen=True, slots=True)
class SymptomSeries:
    """One between-session symptom: the worst rating per local day with a check-in rating."""

    code: str
    label: str
    points: tuple[tuple[date, int], ...]


@dataclass(frozen=True, slots=True)
class SymptomData:
    first_day: date | None
    last_day: date
    series: tuple[SymptomSeries, ...]


@dataclass(frozen=True, slots=True)
class Reading:
    at: datetime  # local wall time in the patient's zone
    context: str  # ReadingContext value: before, after40, discharge, home
    systolic: int
    diastolic: int
    pulse: int | None
    flagged: bool


@dataclass(frozen=True, slots=True)
class ReadingGroup:
    """The readings of one session, or of one local day of readings outside a session."""

    day: date
    is_session: bool
    readings: tuple[Reading, ...]


@dataclass(frozen=True, slots=True)
class BloodPressureData:
    groups: tuple[ReadingGroup, ...]
    thresholds: Thresholds


@dataclass(frozen=True, slots=True)
class Interval:
    """Mood after one session: (days since the session, mean mood that day) until the next.

    `pre_session`: the mood level before the session (`journal.durability.pre_session_level`);
    `next_session_day`: the local day of the next session read, None for the latest."""

    session_day: date
    points: tuple[tuple[int, float], ...]
    pre_session: float | None = None
    next_session_day: date | None = None


@dataclass(frozen=True, slots=True)
class DurabilityData:
    intervals: tuple[Interval, ...]
    # The typical fall-back day (`journal.durability`), drawn as a dashed line; set only on a
    # provider's read, so the patient's own chart never shows it.
    fall_back_day: float | None = None


@dataclass(frozen=True, slots=True)
class ScoreBand:
    low: int
    high: int
    label: str


@dataclass(frozen=True, slots=True)
class ScoreSeries:
    code: str
    title: str
    max_total: int
    bands: tuple[ScoreBand, ...]
    points: tuple[tuple[date, int, str], ...]  # (local day, total, band label)


@dataclass(frozen=True, slots=True)
class QuestionnaireData:
    first_day: date | None
    last_day: date
    series: tuple[ScoreSeries, ...]


@dataclass(frozen=True, slots=True)
class ResponsePoint:
    """One questionnaire on the response curve, placed in the course of treatment."""

    completed_at: datetime
    session_number: int  # sessions started by then (0: before the first)
    weeks: float | None  # since the first session (negative before it); None without sessions
    total: int
    is_baseline: bool = False


@dataclass(frozen=True, slots=True)
class ResponseCurveData:
    """One instrument's scores from the baseline on (all scores when there is none)."""

    code: str  # "phq9", "gad7"
    title: str  # "PHQ-9"
    max_total: int
    baseline: int | None  # None: no baseline, so no 50 % line
    points: tuple[ResponsePoint, ...]
    x: Literal["session", "weeks"] = "session"
    baseline_marked: bool = False  # chosen by a provider rather than by the rule
