"""When mood falls back after a session: pure functions of the durability chart's data.

Definitions (the provider summary states the result as an observation, nothing more):

- **Pre-session level** of a session on local day D: the mean of the daily mean moods of the
  local days D−3, D−2 and D−1 that have mood entries and are not themselves session days (a
  day with an earlier session carries that session's after-dose mood, not the level before).
  None when none of those days qualifies. Only rows the chart read count, so a provider's
  level never leans on entries from before the share's start.
- **Usable interval**: one with a pre-session level and at least one daily mood after the
  session day (days 1, 2, … until the next session starts).
- **Fall-back day**: the first day after the session (day 1 or later) whose daily mean mood is
  at or below the pre-session level. An interval without one did not fall back before the next
  session (or, for the latest interval with no next session, has not so far).
- **Typical fall-back day**: the median of the fall-back days of the intervals that fell back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from journal.charts.types import DurabilityData

PRE_SESSION_DAYS = 3
MIN_INTERVALS = 2
# English here (tests compare it); returned in the reader's language.
NOT_ENOUGH = gettext_noop("Not enough intervals to say when mood falls back.")


def pre_session_level(
    daily: Mapping[date, float], session_day: date, session_days: Collection[date]
) -> float | None:
    """Mean daily mood of the 3 days before `session_day` that have entries and no session."""
    days = [session_day - timedelta(days=n) for n in range(1, PRE_SESSION_DAYS + 1)]
    values = [daily[d] for d in days if d in daily and d not in session_days]
    return round(sum(values) / len(values), 3) if values else None


@dataclass(frozen=True)
class FallBack:
    """Fall-back days of the usable intervals, and how many of them did not fall back."""

    days: tuple[int, ...]  # one per interval that fell back, oldest interval first
    not_before_next: int  # intervals that did not fall back before the next session
    not_yet: int  # the latest interval (no next session known) that has not fallen back so far

    @property
    def usable(self) -> int:
        return len(self.days) + self.not_before_next + self.not_yet

    @property
    def typical_day(self) -> float | None:
        """Median fall-back day, or None when no interval fell back."""
        return median(self.days) if self.days else None


def fall_back(data: DurabilityData) -> FallBack:
    """The fall-back day of every usable interval (see the module docstring)."""
    days: list[int] = []
    not_before_next = not_yet = 0
    for interval in data.intervals:
        level = interval.pre_session
        after = [(since, mood) for since, mood in interval.points if since >= 1]
        if level is None or not after:
            continue
        day = next((since for since, mood in after if mood <= level), None)
        if day is not None:
            days.append(day)
        elif interval.next_session_day is None:
            not_yet += 1
        else:
            not_before_next += 1
    return FallBack(tuple(days), not_before_next, not_yet)


def typical_fall_back_day(result: FallBack) -> float | None:
    """The median fall-back day, or None when it rests on fewer than 2 usable intervals."""
    return result.typical_day if result.usable >= MIN_INTERVALS else None


def _day(value: float) -> str:
    return f"{value:g}"


def fall_back_sentence(result: FallBack) -> str:
    """The typical fall-back day as an observation, with how many intervals it rests on. A
    clinical line for providers: its clauses in brackets are separate messages."""
    if result.usable < MIN_INTERVALS:
        return _(NOT_ENOUGH)
    others = []
    if result.not_before_next:
        others.append(
            ngettext(
                "%(count)s interval did not fall back before the next session",
                "%(count)s intervals did not fall back before the next session",
                result.not_before_next,
            )
            % {"count": result.not_before_next}
        )
    if result.not_yet:
        others.append(_("the latest interval has not fallen back so far"))
    typical = result.typical_day
    if typical is None:
        return ngettext(
            "Mood did not fall back to its pre-session level in any of the %(count)s interval "
            "with a pre-session level (%(detail)s).",
            "Mood did not fall back to its pre-session level in any of the %(count)s intervals "
            "with a pre-session level (%(detail)s).",
            result.usable,
        ) % {"count": result.usable, "detail": "; ".join(others)}
    count = len(result.days)
    if count == 1:
        basis = _("1 interval")
    else:
        basis = ngettext("median of %(count)s interval", "median of %(count)s intervals", count) % {
            "count": count
        }
    return _(
        "Mood typically fell back to its pre-session level on day %(day)s after a session "
        "(%(detail)s)."
    ) % {"day": _day(typical), "detail": "; ".join([basis, *others])}
