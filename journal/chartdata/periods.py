"""Periods of whole local days and the pure day arithmetic charts need (no queries)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class PeriodChoice:
    """One period a page offers: its GET value, length in local days and its names (lazy
    text: read in the active language wherever it is shown, even from a form's choices)."""

    key: str
    days: int | None  # None: everything
    button: str  # the patient's Trends page buttons
    title: str  # the provider summary's period menu and headings


def _names(button: StrOrPromise, title: StrOrPromise) -> tuple[str, str]:
    """A period's lazy names, typed as the text they read as."""
    return cast(str, button), cast(str, title)


# The one table of periods: every page that offers a period takes it from here.
PERIODS: dict[str, PeriodChoice] = {
    p.key: p
    for p in (
        PeriodChoice(
            "30",
            30,
            *_names(pgettext_lazy("period", "30 days"), pgettext_lazy("period", "Last 30 days")),
        ),
        PeriodChoice(
            "90",
            90,
            *_names(pgettext_lazy("period", "90 days"), pgettext_lazy("period", "Last 90 days")),
        ),
        PeriodChoice(
            "365",
            365,
            *_names(pgettext_lazy("period", "365 days"), pgettext_lazy("period", "Last 12 months")),
        ),
        PeriodChoice(
            "all",
            None,
            *_names(pgettext_lazy("period", "All"), pgettext_lazy("period", "Everything shared")),
        ),
    )
}
# GET value → number of local days (None: everything).
PERIOD_CHOICES: dict[str, int | None] = {key: p.days for key, p in PERIODS.items()}
DEFAULT_PERIOD = "30"
# Providers open a summary on a longer view than the patient's own Trends page.
PROVIDER_DEFAULT_PERIOD = "90"
ROLLING_DAYS = 7


# --- Periods and local days --------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days `first_day`..`last_day` as aware instants [start, end)."""

    key: str
    days: int | None
    first_day: date | None  # None: from the first entry
    last_day: date
    start: datetime | None
    end: datetime

    @property
    def label(self) -> str:
        """How sentences name the period: 'the last 30 days' or 'your whole journal' (in the
        active language)."""
        if not self.days:
            return gettext("your whole journal")
        return ngettext("the last %(days)d day", "the last %(days)d days", self.days) % {
            "days": self.days
        }

    def previous(self, zone: ZoneInfo) -> Period | None:
        """The period of the same length just before this one (None for all time)."""
        if self.days is None or self.first_day is None:
            return None
        last = self.first_day - timedelta(days=1)
        return make_period(last - timedelta(days=self.days - 1), last, zone, key="previous")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day, in UTC (so differences are real elapsed time)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The patient's calendar day an instant falls on."""
    return instant.astimezone(zone).date()


def make_period(first_day: date | None, last_day: date, zone: ZoneInfo, key: str) -> Period:
    """A period of whole local days in `zone` (first_day None: no lower bound)."""
    days = None if first_day is None else (last_day - first_day).days + 1
    return Period(
        key=key,
        days=days,
        first_day=first_day,
        last_day=last_day,
        start=None if first_day is None else local_midnight(first_day, zone),
        end=local_midnight(last_day + timedelta(days=1), zone),
    )


def parse_period(value: str | None, zone: ZoneInfo, today: date | None = None) -> Period:
    """The period named by a GET value ('30', '90', '365', 'all'); anything else: 30 days."""
    key = value if value in PERIOD_CHOICES else DEFAULT_PERIOD
    today = today or local_day(timezone.now(), zone)
    days = PERIOD_CHOICES[key]
    first = None if days is None else today - timedelta(days=days - 1)
    return make_period(first, today, zone, key=key)


# --- Pure aggregation --------------------------------------------------------------------


def daily_means(
    points: Iterable[tuple[datetime, float]], zone: ZoneInfo
) -> dict[date, tuple[float, int]]:
    """Mean value and count per local day of (instant, value) points."""
    sums: dict[date, list[float]] = defaultdict(lambda: [0.0, 0])
    for instant, value in points:
        bucket = sums[local_day(instant, zone)]
        bucket[0] += value
        bucket[1] += 1
    return {day: (total / count, int(count)) for day, (total, count) in sorted(sums.items())}


def rolling_means(daily: dict[date, float], window: int = ROLLING_DAYS) -> dict[date, float]:
    """For each day, the mean of the daily values of it and the `window - 1` days before it."""
    days = sorted(daily)
    result: dict[date, float] = {}
    low = 0
    running = 0.0
    for high, day in enumerate(days):
        running += daily[day]
        while days[low] <= day - timedelta(days=window):
            running -= daily[days[low]]
            low += 1
        result[day] = running / (high - low + 1)
    return result


def mean_of_days(daily: dict[date, float]) -> float | None:
    """Average of daily values (each day weighs the same), or None without days."""
    return sum(daily.values()) / len(daily) if daily else None
