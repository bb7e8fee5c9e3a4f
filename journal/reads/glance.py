"""The provider summary's "at a glance" facts: a few sentences read from the same chart data
(`journal.chartdata.DashboardData`, local-day periods) the charts below them are drawn from, so
a figure stated here and in a chart's sentence is one number. Pure: no queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from journal.catalogue import SEVERITY_LABELS
from journal.chartdata import BotherMeans, DashboardData
from journal.charts.types import BloodPressureData, ReadingGroup
from journal.summaries import CONTEXT_LABELS, average_mood, day_text
from journal.timefmt import local_stamp


@dataclass(frozen=True)
class Fact:
    """One line of the glance block: a short label and what it says."""

    label: str
    text: str


def _one(value: float) -> str:
    return f"{value:.1f}"


def mood_fact(data: DashboardData, period_label: str, period_days: int | None) -> Fact | None:
    """Mean daily mood over the period (`summaries.average_mood`, as the mood chart says it)."""
    if data.mood is None:
        return None
    average = average_mood(data.mood)
    if average is None:
        return Fact("Mood", f"No mood entries in {period_label}.")
    days = len(data.mood.days)
    text = (
        f"{_one(average)} out of 10 on average over {period_label} "
        f"(mean of daily means, {days} day{'s' if days != 1 else ''} with entries)"
    )
    if period_days and data.previous_mood is not None:
        text += f"; {_one(round(data.previous_mood, 1))} in the {period_days} days before"
    return Fact("Mood", text + ".")


def last_checkin_fact(data: DashboardData, zone: ZoneInfo, period_label: str) -> Fact | None:
    """The period's newest check-in: its time in the patient's zone (zone written) and mood."""
    if data.mood is None:
        return None
    if data.last_checkin is None:
        return Fact("Last check-in", f"No check-in in {period_label}.")
    at, mood = data.last_checkin
    return Fact("Last check-in", f"{local_stamp(at, zone)}, mood {mood} out of 10.")


def _last_session(data: BloodPressureData) -> ReadingGroup | None:
    return next((g for g in reversed(data.groups) if g.is_session and g.readings), None)


def session_bp_fact(data: DashboardData, period_label: str) -> Fact | None:
    """Before- and after-dose readings of the period's last session with readings."""
    if data.blood_pressure is None:
        return None
    group = _last_session(data.blood_pressure)
    if group is None:
        return Fact("Last session's BP", f"No session readings in {period_label}.")
    parts = [
        f"{r.systolic}/{r.diastolic} {CONTEXT_LABELS.get(r.context, r.context).lower()}"
        + (" (flagged)" if r.flagged else "")
        for r in sorted(group.readings, key=lambda r: r.at)
    ]
    return Fact("Last session's BP", f"{day_text(group.day)}: {'; '.join(parts)} (mmHg).")


def _bother_words(value: float) -> str:
    return f"{_one(value)} ({SEVERITY_LABELS[round(value)]})"


def bother_text(bother: BotherMeans, period_label: str, period_days: int | None) -> str:
    """The period's mean overall bother after sessions against the period before, in words."""
    if bother.current is None:
        return f"No after-session reports in {period_label}."
    n = bother.current_reports
    text = (
        f"Mean overall bother after sessions {_bother_words(bother.current)} of 4 over "
        f"{n} report{'s' if n != 1 else ''} in {period_label}"
    )
    if not period_days:
        return text + "."
    before = f"the {period_days} days before"
    if bother.previous is None:
        return f"{text}; no reports in {before} to compare with."
    change = round(bother.current, 1) - round(bother.previous, 1)
    if abs(change) < 0.05:
        trend = f"about the same as in {before} ({_one(bother.previous)})"
    else:
        trend = (
            f"{'higher' if change > 0 else 'lower'} than in {before} "
            f"({_one(bother.previous)} over {bother.previous_reports})"
        )
    return f"{text}, {trend}."


def bother_fact(data: DashboardData, period_label: str, period_days: int | None) -> Fact | None:
    """Side-effect burden: mean overall bother, this period against the previous one."""
    if data.bother is None:
        return None
    return Fact("Side-effect burden", bother_text(data.bother, period_label, period_days))


def glance_facts(
    data: DashboardData, zone: ZoneInfo, period_label: str, period_days: int | None
) -> list[Fact]:
    """The facts a share allows, in reading order (absent categories give no line)."""
    found = [
        mood_fact(data, period_label, period_days),
        last_checkin_fact(data, zone, period_label),
        session_bp_fact(data, period_label),
        bother_fact(data, period_label, period_days),
    ]
    return [fact for fact in found if fact is not None]
