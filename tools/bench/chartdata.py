"""A year of chart input for the in-process render timing (the chart functions called directly).

When `journal.chartdata` (the read side of the charts) is available, each chart gets the
measured patient's real year of data from it; otherwise the mood chart gets a synthetic year of
daily values built from `journal.charts.types` so the render cost can still be measured.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

from journal.models import User


def _synthetic_mood_year() -> object:
    from journal.charts.types import MoodDay, MoodSeries

    last = date.today()
    first = last - timedelta(days=364)
    days = []
    window: list[float] = []
    for offset in range(365):
        mood = 5 + 2 * math.sin(offset / 9) + (offset % 3) * 0.3
        window = [*window[-6:], mood]
        days.append(
            MoodDay(
                day=first + timedelta(days=offset),
                mood=round(mood, 2),
                entries=1 + offset % 3,
                rolling=round(sum(window) / len(window), 2),
                anxiety=round(10 - mood, 2),
                pain=2.0,
            )
        )
    sessions = tuple(first + timedelta(days=d) for d in range(0, 365, 7))
    return MoodSeries(first_day=first, last_day=last, days=tuple(days), sessions=sessions)


def year_of_chart_data(patient: User | None) -> dict[str, tuple[Callable, object, str]]:
    """chart name -> (render function, a year of its input data, where the data came from)."""
    try:
        from journal.charts import CHARTS
    except ImportError:
        return {}
    real = _real_year(patient, CHARTS) if patient is not None else {}
    if real:
        return real
    return {"mood": (CHARTS["mood"].render, _synthetic_mood_year(), "synthetic year")}


def _real_year(patient: User, charts: dict) -> dict[str, tuple[Callable, object, str]]:
    try:
        from journal import chartdata
    except ImportError:
        return {}
    loader = getattr(chartdata, "chart_data", None)
    parse_period = getattr(chartdata, "parse_period", None)
    if loader is None or parse_period is None:
        return {}
    period = parse_period("365", patient.zone)
    from journal.permissions import own_scope

    scope = own_scope(patient).narrowed({"mood", "side_effects", "blood_pressure"})
    found = {}
    for name, spec in charts.items():
        data = loader(scope, name, period)
        found[name] = (spec.render, data, "patient 1, 365 days")
    return found
