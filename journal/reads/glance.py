"""The provider summary's "at a glance" facts: a few sentences read from the same chart data
(`journal.chartdata.DashboardData`, local-day periods) the charts below them are drawn from, so
a figure stated here and in a chart's sentence is one number. Pure: no queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    """One decimal, with the active language's decimal mark ("7.5", "7,5")."""
    return f"{value:.1f}".replace(".", get_format("DECIMAL_SEPARATOR"))


def mood_fact(data: DashboardData, period_label: str, period_days: int | None) -> Fact | None:
    """Mean daily mood over the period (`summaries.average_mood`, as the mood chart says it)."""
    if data.mood is None:
        return None
    average = average_mood(data.mood)
    label = _("Mood")
    if average is None:
        return Fact(label, _("No mood entries in %(period)s.") % {"period": period_label})
    days = len(data.mood.days)
    values = {"mean": _one(average), "period": period_label, "days": days}
    if period_days and data.previous_mood is not None:
        values.update(previous=_one(round(data.previous_mood, 1)), before=period_days)
        text = ngettext(
            "%(mean)s out of 10 on average over %(period)s (mean of daily means, %(days)s day "
            "with entries); %(previous)s in the %(before)s days before.",
            "%(mean)s out of 10 on average over %(period)s (mean of daily means, %(days)s days "
            "with entries); %(previous)s in the %(before)s days before.",
            days,
        )
    else:
        text = ngettext(
            "%(mean)s out of 10 on average over %(period)s (mean of daily means, %(days)s day "
            "with entries).",
            "%(mean)s out of 10 on average over %(period)s (mean of daily means, %(days)s days "
            "with entries).",
            days,
        )
    return Fact(label, text % values)


def last_checkin_fact(data: DashboardData, zone: ZoneInfo, period_label: str) -> Fact | None:
    """The period's newest check-in: its time in the patient's zone (zone written) and mood."""
    if data.mood is None:
        return None
    label = _("Last check-in")
    if data.last_checkin is None:
        return Fact(label, _("No check-in in %(period)s.") % {"period": period_label})
    at, mood = data.last_checkin
    text = _("%(when)s, mood %(mood)s out of 10.") % {"when": local_stamp(at, zone), "mood": mood}
    return Fact(label, text)


def _last_session(data: BloodPressureData) -> ReadingGroup | None:
    return next((g for g in reversed(data.groups) if g.is_session and g.readings), None)


def session_bp_fact(data: DashboardData, period_label: str) -> Fact | None:
    """Before- and after-dose readings of the period's last session with readings."""
    if data.blood_pressure is None:
        return None
    group = _last_session(data.blood_pressure)
    label = _("Last session's BP")
    if group is None:
        return Fact(label, _("No session readings in %(period)s.") % {"period": period_label})
    plain = _("%(systolic)s/%(diastolic)s %(context)s")
    flagged = _("%(systolic)s/%(diastolic)s %(context)s (flagged)")
    parts = [
        (flagged if r.flagged else plain)
        % {
            "systolic": r.systolic,
            "diastolic": r.diastolic,
            "context": str(CONTEXT_LABELS.get(r.context, r.context)).lower(),
        }
        for r in sorted(group.readings, key=lambda r: r.at)
    ]
    text = _("%(day)s: %(readings)s (mmHg).") % {
        "day": day_text(group.day),
        "readings": "; ".join(parts),
    }
    return Fact(label, text)


def _bother_words(value: float) -> str:
    return f"{_one(value)} ({SEVERITY_LABELS[round(value)]})"


def bother_text(bother: BotherMeans, period_label: str, period_days: int | None) -> str:
    """The period's mean overall bother after sessions against the period before, in words."""
    if bother.current is None:
        return _("No after-session reports in %(period)s.") % {"period": period_label}
    n = bother.current_reports
    text = ngettext(
        "Mean overall bother after sessions %(bother)s of 4 over %(count)s report in %(period)s",
        "Mean overall bother after sessions %(bother)s of 4 over %(count)s reports in %(period)s",
        n,
    ) % {"bother": _bother_words(bother.current), "count": n, "period": period_label}
    if not period_days:
        return text + "."
    values = {"text": text, "days": period_days}
    if bother.previous is None:
        return _("%(text)s; no reports in the %(days)s days before to compare with.") % values
    change = round(bother.current, 1) - round(bother.previous, 1)
    values.update(previous=_one(bother.previous), count=bother.previous_reports)
    if abs(change) < 0.05:
        return _("%(text)s, about the same as in the %(days)s days before (%(previous)s).") % values
    if change > 0:
        return (
            _("%(text)s, higher than in the %(days)s days before (%(previous)s over %(count)s).")
            % values
        )
    return (
        _("%(text)s, lower than in the %(days)s days before (%(previous)s over %(count)s).")
        % values
    )


def bother_fact(data: DashboardData, period_label: str, period_days: int | None) -> Fact | None:
    """Side-effect burden: mean overall bother, this period against the previous one."""
    if data.bother is None:
        return None
    return Fact(_("Side-effect burden"), bother_text(data.bother, period_label, period_days))


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
