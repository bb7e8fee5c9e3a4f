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
from decimal import Decimal
from typing import Any, Literal

from django.utils import dateformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from journal.catalogue import SEVERITY_LABELS, band_label
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
    "before": gettext_lazy("Before dose"),
    "after40": gettext_lazy("About 40 minutes after dose"),
    "discharge": gettext_lazy("At discharge"),
    "home": gettext_lazy("At home"),
}
POST_DOSE = ("after40", "discharge")
# Days 0–2 after a session (0 = the session day) count as "early" for durability.
EARLY_DAYS = 3

# Who a sentence is about: the patient reads "your mood", a provider "the patient's mood".
# Each voice has its own whole sentences (word order differs between languages).
Audience = Literal["patient", "provider"]


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
    """'3 Mar 2025' (the month in the reader's language)."""
    return dateformat.format(day, "j M Y")


def _short_day(day: date) -> str:
    return dateformat.format(day, "j M")


def _one(value: float) -> str:
    """One decimal, rounded as before, with the reader's decimal mark ("7.8", "7,8").
    (Django's number_format cuts a float's digits instead of rounding, so round first.)"""
    return number_format(Decimal(f"{value:.1f}"), 1)


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _severity(value: int | None) -> str:
    if value is None:
        return _("not rated")
    return f"{SEVERITY_LABELS.get(value, value)} ({value})"


# --- Mood --------------------------------------------------------------------------------


def average_mood(series: MoodSeries) -> float | None:
    """The period's mood as every page states it: the mean of the daily means (each local day
    with entries weighs the same), to one decimal; None without entries."""
    if not series.days:
        return None
    return round(sum(d.mood for d in series.days) / len(series.days), 1)


def _mood_sentence(audience: Audience, ending: str, count: int) -> str:
    """The untranslated-yet whole sentence for one voice and one ending (see mood_summary)."""
    patient = audience == "patient"
    if ending == "all":
        if patient:
            return ngettext(
                "Across all your entries your average daily mood was %(mean)s out of 10 "
                "(%(count)s day with entries).",
                "Across all your entries your average daily mood was %(mean)s out of 10 "
                "(%(count)s days with entries).",
                count,
            )
        return ngettext(
            "Across all the patient's entries their average daily mood was %(mean)s out of 10 "
            "(%(count)s day with entries).",
            "Across all the patient's entries their average daily mood was %(mean)s out of 10 "
            "(%(count)s days with entries).",
            count,
        )
    if ending == "nothing_before":
        if patient:
            return ngettext(
                "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s day "
                "with entries); there are no entries in the %(before)s days before to compare "
                "with.",
                "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s days "
                "with entries); there are no entries in the %(before)s days before to compare "
                "with.",
                count,
            )
        return ngettext(
            "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
            "day with entries); there are no entries in the %(before)s days before to compare "
            "with.",
            "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
            "days with entries); there are no entries in the %(before)s days before to compare "
            "with.",
            count,
        )
    if ending == "same":
        if patient:
            return ngettext(
                "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s day "
                "with entries), about the same as in the %(before)s days before (%(previous)s).",
                "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s days "
                "with entries), about the same as in the %(before)s days before (%(previous)s).",
                count,
            )
        return ngettext(
            "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
            "day with entries), about the same as in the %(before)s days before (%(previous)s).",
            "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
            "days with entries), about the same as in the %(before)s days before (%(previous)s).",
            count,
        )
    if ending == "up":
        if patient:
            return ngettext(
                "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s day "
                "with entries), up %(change)s from %(previous)s in the %(before)s days before.",
                "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s days "
                "with entries), up %(change)s from %(previous)s in the %(before)s days before.",
                count,
            )
        return ngettext(
            "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
            "day with entries), up %(change)s from %(previous)s in the %(before)s days before.",
            "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
            "days with entries), up %(change)s from %(previous)s in the %(before)s days before.",
            count,
        )
    if patient:
        return ngettext(
            "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s day with "
            "entries), down %(change)s from %(previous)s in the %(before)s days before.",
            "Over %(period)s your average daily mood was %(mean)s out of 10 (%(count)s days "
            "with entries), down %(change)s from %(previous)s in the %(before)s days before.",
            count,
        )
    return ngettext(
        "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
        "day with entries), down %(change)s from %(previous)s in the %(before)s days before.",
        "Over %(period)s the patient's average daily mood was %(mean)s out of 10 (%(count)s "
        "days with entries), down %(change)s from %(previous)s in the %(before)s days before.",
        count,
    )


def mood_summary(
    series: MoodSeries,
    previous_mean: float | None,
    period_label: str,
    period_days: int | None,
    *,
    audience: Audience = "patient",
) -> str:
    """Average daily mood over the period and its change against the previous period."""
    average = average_mood(series)
    if average is None:
        return _("No mood entries in %(period)s yet.") % {"period": period_label}
    count = len(series.days)
    values: dict[str, Any] = {
        "period": period_label,
        "mean": _one(average),
        "count": count,
        "before": period_days,
    }
    if not period_days:
        return _mood_sentence(audience, "all", count) % values
    if previous_mean is None:
        return _mood_sentence(audience, "nothing_before", count) % values
    previous = round(previous_mean, 1)
    change = round(average - previous, 1)
    values.update(previous=_one(previous), change=_one(abs(change)))
    if change == 0:
        return _mood_sentence(audience, "same", count) % values
    return _mood_sentence(audience, "up" if change > 0 else "down", count) % values


def mood_table(series: MoodSeries, period_label: str) -> Table:
    """One row per day with entries, newest first."""
    show_anxiety = any(d.anxiety is not None for d in series.days)
    show_pain = any(d.pain is not None for d in series.days)
    # Each scale says which way is better, as the chart's panels do.
    columns = [
        _("Day"),
        _("Mood (daily mean, 0–10, higher = better)"),
        _("Entries"),
        _("7-day average"),
    ]
    columns += [_("Anxiety (0–10, higher = worse)")] * show_anxiety
    columns += [_("Pain (0–10, higher = worse)")] * show_pain
    rows = []
    for d in reversed(series.days):
        row = [day_text(d.day), _one(d.mood), str(d.entries), _one(d.rolling)]
        if show_anxiety:
            row.append("–" if d.anxiety is None else _one(d.anxiety))
        if show_pain:
            row.append("–" if d.pain is None else _one(d.pain))
        rows.append(tuple(row))
    values = {
        "period": period_label,
        "sessions": ", ".join(_short_day(s) for s in series.sessions[-12:]),
    }
    if len(series.sessions) > 12:
        caption = _("Daily mood, %(period)s, newest first; sessions on %(sessions)s and earlier")
    elif series.sessions:
        caption = _("Daily mood, %(period)s, newest first; sessions on %(sessions)s")
    else:
        caption = _("Daily mood, %(period)s, newest first")
    return Table(caption % values, tuple(columns), tuple(rows))


def _durability_sentence(audience: Audience, which: str, count: int) -> str:
    patient = audience == "patient"
    if which == "both":
        if patient:
            return ngettext(
                "Across %(count)s session, your mood averaged %(early)s on days 0–2 after a "
                "session and %(later)s from day 3 on.",
                "Across %(count)s sessions, your mood averaged %(early)s on days 0–2 after a "
                "session and %(later)s from day 3 on.",
                count,
            )
        return ngettext(
            "Across %(count)s session, the patient's mood averaged %(early)s on days 0–2 after a "
            "session and %(later)s from day 3 on.",
            "Across %(count)s sessions, the patient's mood averaged %(early)s on days 0–2 after "
            "a session and %(later)s from day 3 on.",
            count,
        )
    if which == "early":
        if patient:
            return ngettext(
                "Across %(count)s session, your mood averaged %(early)s on days 0–2 after a "
                "session (no entries from day 3 on yet).",
                "Across %(count)s sessions, your mood averaged %(early)s on days 0–2 after a "
                "session (no entries from day 3 on yet).",
                count,
            )
        return ngettext(
            "Across %(count)s session, the patient's mood averaged %(early)s on days 0–2 after a "
            "session (no entries from day 3 on yet).",
            "Across %(count)s sessions, the patient's mood averaged %(early)s on days 0–2 after "
            "a session (no entries from day 3 on yet).",
            count,
        )
    if patient:
        return ngettext(
            "Across %(count)s session, your mood averaged %(later)s from day 3 on after a "
            "session (no entries on days 0–2).",
            "Across %(count)s sessions, your mood averaged %(later)s from day 3 on after a "
            "session (no entries on days 0–2).",
            count,
        )
    return ngettext(
        "Across %(count)s session, the patient's mood averaged %(later)s from day 3 on after a "
        "session (no entries on days 0–2).",
        "Across %(count)s sessions, the patient's mood averaged %(later)s from day 3 on after a "
        "session (no entries on days 0–2).",
        count,
    )


def durability_summary(data: DurabilityData, *, audience: Audience = "patient") -> str:
    """Mood early after a session (days 0–2) against later in the interval."""
    intervals = [i for i in data.intervals if i.points]
    if not intervals:
        return _("No mood entries after a session in this period yet.")
    early = [m for i in intervals for since, m in i.points if since < EARLY_DAYS]
    later = [m for i in intervals for since, m in i.points if since >= EARLY_DAYS]
    values = {
        "count": len(intervals),
        "early": _one(sum(early) / len(early)) if early else "",
        "later": _one(sum(later) / len(later)) if later else "",
    }
    which = "both" if early and later else "early" if early else "later"
    return _durability_sentence(audience, which, len(intervals)) % values


def durability_table(data: DurabilityData) -> Table:
    """One row per (session, day since it) with the mean mood that day."""
    rows = tuple(
        (day_text(i.session_day), str(since), _one(mood))
        for i in reversed(data.intervals)
        for since, mood in i.points
    )
    return Table(
        _("Mood by days since each session (day 0 is the session day), newest session first"),
        (_("Session"), _("Days since the session"), _("Mood (mean, 0–10)")),
        rows,
    )


def questionnaire_summary(data: QuestionnaireData, period_label: str) -> str:
    """The latest PHQ-9 and GAD-7 with band, and the change since the first in the period."""
    parts = []
    for series in data.series:
        if not series.points:
            continue
        day, total, band = series.points[-1]
        values: dict[str, Any] = {
            "title": series.title,
            "total": total,
            "band": band_label(band),
            "day": _short_day(day),
        }
        if len(series.points) > 1:
            first_day, first_total, _band = series.points[0]
            change = total - first_total
            values.update(change=abs(change), first=first_total, first_day=_short_day(first_day))
            if change == 0:
                text = _(
                    "latest %(title)s: %(total)s (%(band)s) on %(day)s, unchanged since "
                    "%(first_day)s"
                )
            elif change > 0:
                text = _(
                    "latest %(title)s: %(total)s (%(band)s) on %(day)s, up %(change)s from "
                    "%(first)s on %(first_day)s"
                )
            else:
                text = _(
                    "latest %(title)s: %(total)s (%(band)s) on %(day)s, down %(change)s from "
                    "%(first)s on %(first_day)s"
                )
        else:
            text = _("latest %(title)s: %(total)s (%(band)s) on %(day)s")
        parts.append(text % values)
    if not parts:
        return _("No PHQ-9 or GAD-7 questionnaires in %(period)s yet.") % {"period": period_label}
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
        _("PHQ-9 and GAD-7 totals, %(period)s, newest first") % {"period": period_label},
        (_("Date"), _("Questionnaire"), _("Total"), _("Band")),
        tuple((day_text(d), title, f"{total}", band_label(band)) for d, title, total, band in rows),
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
        return _("No post-session reports in %(period)s yet.") % {"period": period_label}
    found = _most_frequent(matrix.values)
    if found is None:
        values = {"count": sessions, "period": period_label}
        if audience == "patient":
            return (
                ngettext(
                    "You reported no side effects after the %(count)s session with a report in "
                    "%(period)s.",
                    "You reported no side effects after the %(count)s sessions with a report in "
                    "%(period)s.",
                    sessions,
                )
                % values
            )
        return (
            ngettext(
                "The patient reported no side effects after the %(count)s session with a report "
                "in %(period)s.",
                "The patient reported no side effects after the %(count)s sessions with a report "
                "in %(period)s.",
                sessions,
            )
            % values
        )
    index, present, rated, worst = found
    return ngettext(
        "Across %(count)s session with a report, the most frequent side effect was %(label)s: "
        "Mild or worse after %(present)s of the %(rated)s sessions where it was rated (worst: "
        "%(worst)s).",
        "Across %(count)s sessions with a report, the most frequent side effect was %(label)s: "
        "Mild or worse after %(present)s of the %(rated)s sessions where it was rated (worst: "
        "%(worst)s).",
        sessions,
    ) % {
        "count": sessions,
        "label": matrix.rows[index][1],
        "present": present,
        "rated": rated,
        "worst": SEVERITY_LABELS[worst],
    }


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
        _("Side effects after each session (worst since the session), newest first"),
        (_("Session"), *(label for _code, label in matrix.rows)),
        rows,
    )


def symptom_summary(data: SymptomData, period_label: str, *, audience: Audience = "patient") -> str:
    """The most frequent between-session symptom and its worst rating."""
    series = [s for s in data.series if s.points]
    if not series:
        return _("No between-session symptoms rated in %(period)s yet.") % {"period": period_label}
    found = _most_frequent([[v for _day, v in s.points] for s in series])
    if found is None:
        if audience == "patient":
            return _("You rated every between-session symptom as None in %(period)s.") % {
                "period": period_label
            }
        return _("The patient rated every between-session symptom as None in %(period)s.") % {
            "period": period_label
        }
    index, present, rated, worst = found
    return _(
        "Between sessions, the most frequent symptom was %(label)s: Mild or worse on "
        "%(present)s of the %(rated)s days it was rated (worst: %(worst)s)."
    ) % {
        "label": series[index].label,
        "present": present,
        "rated": rated,
        "worst": SEVERITY_LABELS[worst],
    }


def symptom_table(data: SymptomData, period_label: str) -> Table:
    """One row per day with a rating, one column per symptom (worst that day)."""
    series = [s for s in data.series if s.points]
    by_day = [dict(s.points) for s in series]
    days = sorted({d for s in series for d, _value in s.points}, reverse=True)
    return Table(
        _("Between-session symptoms, worst rating per day, %(period)s, newest first")
        % {"period": period_label},
        (_("Day"), *(s.label for s in series)),
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


def _flagged_clause(flagged: int, total: int) -> str:
    """ "none of the 4 readings was flagged", "2 of 4 readings were flagged": a clause of its
    own, after a semicolon."""
    values = {"flagged": flagged, "total": total}
    if flagged == 0:
        return (
            ngettext(
                "none of the %(total)s reading was flagged",
                "none of the %(total)s readings was flagged",
                total,
            )
            % values
        )
    if total == 1:
        return _("%(flagged)s of %(total)s reading was flagged") % values
    return (
        ngettext(
            "%(flagged)s of %(total)s readings was flagged",
            "%(flagged)s of %(total)s readings were flagged",
            flagged,
        )
        % values
    )


def blood_pressure_summary(data: BloodPressureData, period_label: str) -> str:
    """The largest post-dose rise and how many readings were flagged."""
    readings = [r for g in data.groups for r in g.readings]
    if not readings:
        return _("No blood pressure readings in %(period)s yet.") % {"period": period_label}
    flag_text = _flagged_clause(sum(r.flagged for r in readings), len(readings))
    rise = largest_rise(data)
    if rise is None:
        return _(
            "No session in %(period)s has both a before-dose and an after-dose reading yet; "
            "%(flagged)s."
        ) % {"period": period_label, "flagged": flag_text}
    if rise.systolic <= 0 and rise.diastolic <= 0:
        return _("No after-dose reading was higher than its before-dose reading; %(flagged)s.") % {
            "flagged": flag_text
        }
    return _(
        "The largest rise after a dose was %(rise)s mmHg on %(day)s (%(before)s before, "
        "%(after)s after); %(flagged)s."
    ) % {
        "rise": f"{_signed(rise.systolic)}/{_signed(rise.diastolic)}",
        "day": _short_day(rise.day),
        "before": f"{rise.before.systolic}/{rise.before.diastolic}",
        "after": f"{rise.after.systolic}/{rise.after.diastolic}",
        "flagged": flag_text,
    }


def _when(at: datetime) -> str:
    return f"{day_text(at.date())} {at:%H:%M}"


def blood_pressure_table(data: BloodPressureData, period_label: str) -> Table:
    """Every reading, newest first, with its context and whether it was flagged."""
    rows = sorted(
        ((r, g) for g in data.groups for r in g.readings), key=lambda rg: rg[0].at, reverse=True
    )
    return Table(
        _("Blood pressure readings (mmHg), %(period)s, newest first") % {"period": period_label},
        (
            _("Measured"),
            _("Session"),
            _("When"),
            _("Systolic/diastolic"),
            _("Pulse (/min)"),
            _("Flagged"),
        ),
        tuple(
            (
                _when(r.at),
                day_text(g.day) if g.is_session else _("No session"),
                str(CONTEXT_LABELS.get(r.context, r.context)),
                f"{r.systolic}/{r.diastolic}",
                "–" if r.pulse is None else str(r.pulse),
                _("Yes") if r.flagged else _("No"),
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
