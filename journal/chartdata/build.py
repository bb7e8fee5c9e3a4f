"""Rows → the plain chart data of `journal.charts.types` (pure: no queries, no Django state).

Rows are the tuples `journal.chartdata` reads with `values_list`; days are local to `zone`.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from journal.catalogue import (
    CHECK_IN,
    POST_SESSION,
    QUESTIONNAIRES,
    SYMPTOMS,
    is_side_effect,
    symptom_label,
)
from journal.chartdata.periods import Period, daily_means, local_day, rolling_means
from journal.charts.types import (
    BloodPressureData,
    DurabilityData,
    Interval,
    MoodDay,
    MoodSeries,
    QuestionnaireData,
    Reading,
    ReadingGroup,
    ScoreBand,
    ScoreSeries,
    SessionColumn,
    SeverityMatrix,
    SymptomData,
    SymptomSeries,
    Thresholds,
)
from journal.durability import pre_session_level
from journal.models import Route


def mood_points(checkins: list[tuple], reports: list[tuple]) -> list[tuple[datetime, float]]:
    """(instant, mood) of check-ins and reports together."""
    return [(row[0], float(row[1])) for row in checkins] + [
        (row[0], float(row[1])) for row in reports
    ]


def build_mood_series(
    period: Period,
    zone: ZoneInfo,
    checkins: list[tuple],
    reports: list[tuple],
    session_starts: list[datetime],
) -> MoodSeries:
    """Daily mood means with the rolling mean (rows may start up to 6 days before the period)."""
    moods = daily_means(mood_points(checkins, reports), zone)
    rolling = rolling_means({day: mean for day, (mean, _) in moods.items()})
    anxiety = daily_means(((r[0], r[2]) for r in checkins if r[2] is not None), zone)
    pain = daily_means(((r[0], r[3]) for r in checkins if r[3] is not None), zone)
    first = period.first_day
    days = tuple(
        MoodDay(
            day=day,
            mood=round(mean, 3),
            entries=count,
            rolling=round(rolling[day], 3),
            anxiety=round(anxiety[day][0], 3) if day in anxiety else None,
            pain=round(pain[day][0], 3) if day in pain else None,
        )
        for day, (mean, count) in moods.items()
        if (first is None or day >= first) and day <= period.last_day
    )
    sessions = tuple(local_day(s, zone) for s in session_starts)
    return MoodSeries(first_day=first, last_day=period.last_day, days=days, sessions=sessions)


def build_durability(
    zone: ZoneInfo,
    checkins: list[tuple],
    reports: list[tuple],
    session_starts: list[datetime],
) -> DurabilityData:
    """Mood by days since the most recent session, one interval per session, with the mood
    level before each session (`journal.durability.pre_session_level`, from the rows given)."""
    starts = sorted(session_starts)
    points = mood_points(checkins, reports)
    buckets: dict[datetime, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for instant, mood in points:
        index = bisect.bisect_right(starts, instant) - 1
        if index < 0:
            continue  # before the first known session
        session = starts[index]
        since = (local_day(instant, zone) - local_day(session, zone)).days
        buckets[session][since].append(mood)
    daily = {day: mean for day, (mean, _) in daily_means(points, zone).items()}
    session_days = [local_day(s, zone) for s in starts]
    taken = set(session_days)
    intervals = tuple(
        Interval(
            session_day=session_days[n],
            points=tuple(
                (since, round(sum(v) / len(v), 3)) for since, v in sorted(buckets[session].items())
            ),
            pre_session=pre_session_level(daily, session_days[n], taken),
            next_session_day=session_days[n + 1] if n + 1 < len(starts) else None,
        )
        for n, session in enumerate(starts)
        if session in buckets
    )
    return DurabilityData(intervals=intervals)


def build_severity_matrix(
    zone: ZoneInfo, sessions: list[tuple], ratings: list[tuple]
) -> SeverityMatrix:
    """Sessions with a report (columns) × acute symptoms rated in any of them (rows)."""
    columns = [s for s in sessions if s[3] is not None]
    index = {s[0]: i for i, s in enumerate(columns)}
    cells: dict[str, dict[int, int]] = defaultdict(dict)
    for session_id, code, severity in ratings:
        if session_id in index and is_side_effect(code):
            cells[code][index[session_id]] = severity
    known = [s.code for s in SYMPTOMS if s.asked == POST_SESSION]
    codes = [c for c in known if c in cells] + sorted(c for c in cells if c not in known)
    return SeverityMatrix(
        columns=tuple(
            SessionColumn(
                day=local_day(s[1], zone),
                # Words as plain text in the active language: the data's repr keys the cache.
                route=str(Route(s[2]).label) if s[2] in Route else s[2],
            )
            for s in columns
        ),
        rows=tuple((code, str(symptom_label(code))) for code in codes),
        values=tuple(tuple(cells[code].get(i) for i in range(len(columns))) for code in codes),
    )


def build_symptoms(period: Period, zone: ZoneInfo, ratings: list[tuple]) -> SymptomData:
    """Worst severity per local day for each between-session symptom rated in a check-in."""
    worst: dict[str, dict[date, int]] = defaultdict(dict)
    for recorded_at, code, severity in ratings:
        if not is_side_effect(code):
            continue
        day = local_day(recorded_at, zone)
        worst[code][day] = max(severity, worst[code].get(day, 0))
    known = [s.code for s in SYMPTOMS if s.asked == CHECK_IN]
    codes = [c for c in known if c in worst] + sorted(c for c in worst if c not in known)
    return SymptomData(
        first_day=period.first_day,
        last_day=period.last_day,
        series=tuple(
            SymptomSeries(code, str(symptom_label(code)), tuple(sorted(worst[code].items())))
            for code in codes
        ),
    )


def build_blood_pressure(
    zone: ZoneInfo, readings: list[tuple], flagged: set[int], thresholds: Thresholds
) -> BloodPressureData:
    """Readings grouped by session (or by local day outside a session), oldest first."""
    groups: dict[tuple, list[Reading]] = defaultdict(list)
    order: dict[tuple, tuple[date, datetime]] = {}
    for pk, session_id, session_start, measured_at, context, sys_, dia, pulse in readings:
        if session_id is not None:
            key: tuple = ("session", session_id)
            day = local_day(session_start, zone)
        else:
            day = local_day(measured_at, zone)
            key = ("day", day)
        order.setdefault(key, (day, measured_at))
        groups[key].append(
            Reading(
                at=measured_at.astimezone(zone).replace(tzinfo=None),
                context=context,
                systolic=sys_,
                diastolic=dia,
                pulse=pulse,
                flagged=pk in flagged,
            )
        )
    keys = sorted(groups, key=lambda k: order[k])
    return BloodPressureData(
        groups=tuple(
            ReadingGroup(day=order[k][0], is_session=k[0] == "session", readings=tuple(groups[k]))
            for k in keys
        ),
        thresholds=thresholds,
    )


def build_questionnaires(period: Period, zone: ZoneInfo, rows: list[tuple]) -> QuestionnaireData:
    """PHQ-9 and GAD-7 totals by local day, with each instrument's standard bands."""
    by_instrument: dict[str, list[tuple[date, int, str]]] = defaultdict(list)
    for instrument, completed_at, total, band in rows:
        by_instrument[instrument].append((local_day(completed_at, zone), total, band))
    return QuestionnaireData(
        first_day=period.first_day,
        last_day=period.last_day,
        series=tuple(
            ScoreSeries(
                code=q.code,
                title=str(q.title),
                max_total=q.max_total,
                bands=tuple(ScoreBand(b.low, b.high, str(b.label)) for b in q.bands),
                points=tuple(by_instrument.get(q.code, ())),
            )
            for q in QUESTIONNAIRES.values()
        ),
    )
