"""Plain-language summaries and data tables for the charts: pure functions of chart data.

Each chart gets one sentence computed from its data and a table with the same numbers, for
screen readers and for people who prefer numbers. Means are rounded to one decimal before
they are compared, so every sentence adds up as printed. A sentence speaks to the patient
("your mood") or, in the provider workspace, about them ("the patient's mood"): the same
figures in both voices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from journal.catalogue import SEVERITY_LABELS
from journal.charts.types import (
    BloodPressureData,
    DurabilityData,
    MoodSeries,
    QuestionnaireData,
    Reading,
    SeverityMatrix,
    SymptomData,
)
from journal.durability import fall_back, fall_back_sentence

CONTEXT_LABELS = {
    "before": "Before dose",
    "after40": "About 40 minutes after dose",
    "discharge": "At discharge",
    "home": "At home",
}
POST_DOSE = ("after40", "discharge")
# Days 0–2 after a session (0 = the session day) count as "early" for durability.
EARLY_DAYS = 3

Audience = Literal["patient", "provider"]


@dataclass(frozen=True)
class Voice:
    """How a sentence names the person whose journal it describes."""

    owner: str  # possessive where the person is first named: "your", "the patient's"
    their: str  # possessive once the person is named: "your", "their"
    subject: str  # at the start of a sentence: "You", "The patient"


VOICES: dict[Audience, Voice] = {
    "patient": Voice("your", "your", "You"),
    "provider": Voice("the patient's", "their", "The patient"),
}


@dataclass(frozen=True)
class Table:
    """A data table: the first cell of each row is its row header."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Rise:
    """The biggest post-dose rise at one session over its before-dose reading."""

    day: date
    before: Reading
    after: Reading

    @property
    def systolic(self) -> int:
        return self.after.systolic - self.before.systolic

    @property
    def diastolic(self) -> int:
        return self.after.diastolic - self.before.diastolic


def day_text(day: date) -> str:
    """'3 Mar 2025'."""
    return f"{day.day} {day:%b %Y}"


def _short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _one(value: float) -> str:
    return f"{value:.1f}"


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _severity(value: int | None) -> str:
    return "not rated" if value is None else f"{SEVERITY_LABELS.get(value, value)} ({value})"


# --- Mood --------------------------------------------------------------------------------


def average_mood(series: MoodSeries) -> float | None:
    """The period's mood as every page states it: the mean of the daily means (each local day
    with entries weighs the same), to one decimal; None without entries."""
    if not series.days:
        return None
    return round(sum(d.mood for d in series.days) / len(series.days), 1)


def mood_summary(
    series: MoodSeries,
    previous_mean: float | None,
    period_label: str,
    period_days: int | None,
    *,
    audience: Audience = "patient",
) -> str:
    """Average daily mood over the period and its change against the previous period."""
    voice = VOICES[audience]
    average = average_mood(series)
    if average is None:
        return f"No mood entries in {period_label} yet."
    days = _plural(len(series.days), "day")
    opening = (
        f"Over {period_label} {voice.owner} average daily mood"
        if period_days
        else f"Across all {voice.owner} entries {voice.their} average daily mood"
    ) + f" was {_one(average)} out of 10 ({days} with entries)"
    if not period_days:
        return opening + "."
    before = f"the {period_days} days before"
    if previous_mean is None:
        return f"{opening}; there are no entries in {before} to compare with."
    previous = round(previous_mean, 1)
    change = round(average - previous, 1)
    if change == 0:
        return f"{opening}, about the same as in {before} ({_one(previous)})."
    direction = "up" if change > 0 else "down"
    return f"{opening}, {direction} {_one(abs(change))} from {_one(previous)} in {before}."


def mood_table(series: MoodSeries, period_label: str) -> Table:
    """One row per day with entries, newest first."""
    show_anxiety = any(d.anxiety is not None for d in series.days)
    show_pain = any(d.pain is not None for d in series.days)
    # Each scale says which way is better, as the chart's panels do.
    columns = ["Day", "Mood (daily mean, 0–10, higher = better)", "Entries", "7-day average"]
    columns += ["Anxiety (0–10, higher = worse)"] * show_anxiety
    columns += ["Pain (0–10, higher = worse)"] * show_pain
    rows = []
    for d in reversed(series.days):
        row = [day_text(d.day), _one(d.mood), str(d.entries), _one(d.rolling)]
        if show_anxiety:
            row.append("–" if d.anxiety is None else _one(d.anxiety))
        if show_pain:
            row.append("–" if d.pain is None else _one(d.pain))
        rows.append(tuple(row))
    caption = f"Daily mood, {period_label}, newest first"
    if series.sessions:
        caption += f"; sessions on {', '.join(_short_day(s) for s in series.sessions[-12:])}"
        if len(series.sessions) > 12:
            caption += " and earlier"
    return Table(caption, tuple(columns), tuple(rows))


def durability_summary(data: DurabilityData, *, audience: Audience = "patient") -> str:
    """Mood early after a session (days 0–2) against later in the interval."""
    intervals = [i for i in data.intervals if i.points]
    if not intervals:
        return "No mood entries after a session in this period yet."
    early = [m for i in intervals for since, m in i.points if since < EARLY_DAYS]
    later = [m for i in intervals for since, m in i.points if since >= EARLY_DAYS]
    count = _plural(len(intervals), "session")
    early_text = f"{_one(sum(early) / len(early))} on days 0–2 after a session" if early else ""
    later_text = f"{_one(sum(later) / len(later))} from day 3 on" if later else ""
    opening = f"Across {count}, {VOICES[audience].owner} mood averaged"
    if early and later:
        return f"{opening} {early_text} and {later_text}."
    if early:
        return f"{opening} {early_text} (no entries from day 3 on yet)."
    return f"{opening} {later_text} after a session (no entries on days 0–2)."


def durability_table(data: DurabilityData) -> Table:
    """One row per (session, day since it) with the mean mood that day."""
    rows = tuple(
        (day_text(i.session_day), str(since), _one(mood))
        for i in reversed(data.intervals)
        for since, mood in i.points
    )
    return Table(
        "Mood by days since each session (day 0 is the session day), newest session first",
        ("Session", "Days since the session", "Mood (mean, 0–10)"),
        rows,
    )


def questionnaire_summary(data: QuestionnaireData, period_label: str) -> str:
    """The latest PHQ-9 and GAD-7 with band, and the change since the first in the period."""
    parts = []
    for series in data.series:
        if not series.points:
            continue
        day, total, band = series.points[-1]
        text = f"latest {series.title}: {total} ({band}) on {_short_day(day)}"
        if len(series.points) > 1:
            first_day, first_total, _ = series.points[0]
            change = total - first_total
            if change == 0:
                text += f", unchanged since {_short_day(first_day)}"
            else:
                direction = "up" if change > 0 else "down"
                text += f", {direction} {abs(change)} from {first_total} on {_short_day(first_day)}"
        parts.append(text)
    if not parts:
        return f"No PHQ-9 or GAD-7 questionnaires in {period_label} yet."
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def questionnaire_table(data: QuestionnaireData, period_label: str) -> Table:
    """Every questionnaire in the period, newest first."""
    rows = sorted(
        ((day, s.title, total, band) for s in data.series for day, total, band in s.points),
        key=lambda r: (r[0], r[1]),
        reverse=True,
    )
    return Table(
        f"PHQ-9 and GAD-7 totals, {period_label}, newest first",
        ("Date", "Questionnaire", "Total", "Band"),
        tuple((day_text(d), title, f"{total}", band) for d, title, total, band in rows),
    )


# --- Side effects ------------------------------------------------------------------------


def _most_frequent(
    values: Sequence[Sequence[int | None]],
) -> tuple[int, int, int, int] | None:
    """(row index, times rated ≥ Mild, times rated, worst) of the most frequent symptom."""
    best: tuple[int, int, int, int] | None = None
    best_rank: tuple[int, int] | None = None
    for index, row in enumerate(values):
        rated = [v for v in row if v is not None]
        present = [v for v in rated if v >= 1]
        if not present:
            continue
        # More often first; ties go to the heavier total, then to catalogue order.
        rank = (len(present), sum(present))
        if best_rank is None or rank > best_rank:
            best_rank = rank
            best = (index, len(present), len(rated), max(present))
    return best


def side_effect_summary(
    matrix: SeverityMatrix, period_label: str, *, audience: Audience = "patient"
) -> str:
    """The most frequent acute side effect, how often and how bad at worst."""
    sessions = len(matrix.columns)
    if not sessions:
        return f"No post-session reports in {period_label} yet."
    found = _most_frequent(matrix.values)
    if found is None:
        return (
            f"{VOICES[audience].subject} reported no side effects after the "
            f"{_plural(sessions, 'session')} with a report in {period_label}."
        )
    index, present, rated, worst = found
    label = matrix.rows[index][1]
    return (
        f"Across {_plural(sessions, 'session')} with a report, the most frequent side effect "
        f"was {label}: Mild or worse after {present} of the {rated} sessions where it was "
        f"rated (worst: {SEVERITY_LABELS[worst]})."
    )


def side_effect_table(matrix: SeverityMatrix) -> Table:
    """One row per session, one column per symptom, severity written out."""
    rows = tuple(
        (
            f"{day_text(column.day)} ({column.route})",
            *(_severity(matrix.values[r][c]) for r in range(len(matrix.rows))),
        )
        for c, column in reversed(list(enumerate(matrix.columns)))
    )
    return Table(
        "Side effects after each session (worst since the session), newest first",
        ("Session", *(label for _, label in matrix.rows)),
        rows,
    )


def symptom_summary(data: SymptomData, period_label: str, *, audience: Audience = "patient") -> str:
    """The most frequent between-session symptom and its worst rating."""
    series = [s for s in data.series if s.points]
    if not series:
        return f"No between-session symptoms rated in {period_label} yet."
    found = _most_frequent([[v for _, v in s.points] for s in series])
    if found is None:
        return (
            f"{VOICES[audience].subject} rated every between-session symptom as None "
            f"in {period_label}."
        )
    index, present, rated, worst = found
    return (
        f"Between sessions, the most frequent symptom was {series[index].label}: Mild or worse "
        f"on {present} of the {rated} days it was rated (worst: {SEVERITY_LABELS[worst]})."
    )


def symptom_table(data: SymptomData, period_label: str) -> Table:
    """One row per day with a rating, one column per symptom (worst that day)."""
    series = [s for s in data.series if s.points]
    by_day = [dict(s.points) for s in series]
    days = sorted({d for s in series for d, _ in s.points}, reverse=True)
    return Table(
        f"Between-session symptoms, worst rating per day, {period_label}, newest first",
        ("Day", *(s.label for s in series)),
        tuple((day_text(d), *(_severity(values.get(d)) for values in by_day)) for d in days),
    )


# --- Blood pressure ----------------------------------------------------------------------


def largest_rise(data: BloodPressureData) -> Rise | None:
    """The session whose post-dose reading rose most (systolic, then diastolic) over baseline."""
    best: Rise | None = None
    for group in data.groups:
        if not group.is_session:
            continue
        before = [r for r in group.readings if r.context == "before"]
        after = [r for r in group.readings if r.context in POST_DOSE]
        if not before or not after:
            continue
        baseline = max(before, key=lambda r: r.at)  # the reading closest to the dose
        for reading in after:
            rise = Rise(group.day, baseline, reading)
            if best is None or (rise.systolic, rise.diastolic) > (best.systolic, best.diastolic):
                best = rise
    return best


def blood_pressure_summary(data: BloodPressureData, period_label: str) -> str:
    """The largest post-dose rise and how many readings were flagged."""
    readings = [r for g in data.groups for r in g.readings]
    if not readings:
        return f"No blood pressure readings in {period_label} yet."
    flagged = sum(r.flagged for r in readings)
    total = len(readings)
    if flagged == 0:
        flag_text = f"none of the {_plural(total, 'reading')} was flagged"
    else:
        verb = "was" if flagged == 1 else "were"
        flag_text = f"{flagged} of {_plural(total, 'reading')} {verb} flagged"
    rise = largest_rise(data)
    if rise is None:
        return (
            f"No session in {period_label} has both a before-dose and an after-dose reading "
            f"yet; {flag_text}."
        )
    if rise.systolic <= 0 and rise.diastolic <= 0:
        return f"No after-dose reading was higher than its before-dose reading; {flag_text}."
    return (
        f"The largest rise after a dose was {_signed(rise.systolic)}/{_signed(rise.diastolic)} "
        f"mmHg on {_short_day(rise.day)} ({rise.before.systolic}/{rise.before.diastolic} "
        f"before, {rise.after.systolic}/{rise.after.diastolic} after); {flag_text}."
    )


def _when(at: datetime) -> str:
    return f"{day_text(at.date())} {at:%H:%M}"


def blood_pressure_table(data: BloodPressureData, period_label: str) -> Table:
    """Every reading, newest first, with its context and whether it was flagged."""
    rows = sorted(
        ((r, g) for g in data.groups for r in g.readings), key=lambda rg: rg[0].at, reverse=True
    )
    return Table(
        f"Blood pressure readings (mmHg), {period_label}, newest first",
        ("Measured", "Session", "When", "Systolic/diastolic", "Pulse (/min)", "Flagged"),
        tuple(
            (
                _when(r.at),
                day_text(g.day) if g.is_session else "No session",
                CONTEXT_LABELS.get(r.context, r.context),
                f"{r.systolic}/{r.diastolic}",
                "–" if r.pulse is None else str(r.pulse),
                "Yes" if r.flagged else "No",
            )
            for r, g in rows
        ),
    )


# --- Panels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """What the dashboard shows for one chart besides the picture."""

    name: str
    summary: str
    table: Table
    has_data: bool
    # A further observation shown next to the chart (the provider's fall-back day).
    note: str = ""


def panel(
    name: str,
    data: Any,
    *,
    period_label: str,
    period_days: int | None = None,
    previous_mood: float | None = None,
    audience: Audience = "patient",
) -> Panel:
    """Summary sentence and table of chart `name` for its data, worded for `audience`."""
    if name == "mood":
        return Panel(
            name,
            mood_summary(data, previous_mood, period_label, period_days, audience=audience),
            mood_table(data, period_label),
            bool(data.days),
        )
    if name == "durability":
        return Panel(
            name,
            durability_summary(data, audience=audience),
            durability_table(data),
            any(i.points for i in data.intervals),
            fall_back_sentence(fall_back(data)) if audience == "provider" else "",
        )
    if name == "questionnaires":
        return Panel(
            name,
            questionnaire_summary(data, period_label),
            questionnaire_table(data, period_label),
            any(s.points for s in data.series),
        )
    if name == "side-effects":
        return Panel(
            name,
            side_effect_summary(data, period_label, audience=audience),
            side_effect_table(data),
            bool(data.columns and data.rows),
        )
    if name == "symptoms":
        return Panel(
            name,
            symptom_summary(data, period_label, audience=audience),
            symptom_table(data, period_label),
            any(s.points for s in data.series),
        )
    if name == "blood-pressure":
        return Panel(
            name,
            blood_pressure_summary(data, period_label),
            blood_pressure_table(data, period_label),
            any(g.readings for g in data.groups),
        )
    raise KeyError(name)
