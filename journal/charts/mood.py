"""Mood over time, and durability of response (mood against days since a session)."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from journal.charts._base import (
    BLUE,
    INK,
    MUTED,
    ORANGE,
    PRINT_WIDTH_IN,
    PURPLE,
    WIDTH_IN,
    Key,
    add_text_batch,
    broken_segments,
    day_label,
    empty_chart,
    fast_xticks,
    fast_yticks,
    figure,
    legend,
    margins,
    set_day_axis,
    title,
    to_svg,
)
from journal.charts.types import DurabilityData, MoodSeries

MOOD_TITLE = "Mood over time"
DURABILITY_TITLE = "Mood in the days after each session"
# Markers on every point only while they stay distinguishable (and cheap).
MARKER_LIMIT = 60
DAILY = "#7a8a99"
SESSION_STYLE = (0, (2, 2))
FALL_BACK_STYLE = (0, (6, 3))


def mood_chart(series: MoodSeries, *, printed: bool = False) -> bytes:
    """Daily mean mood, its 7-day rolling mean, session markers, optional anxiety and pain
    (`printed`: at the PDF's text width and a shorter height)."""
    if not series.days:
        return empty_chart(MOOD_TITLE, "No mood entries in this period yet.")
    days = series.days
    first = series.first_day or min(days[0].day, *(series.sessions or (days[0].day,)))
    x = np.fromiter((d.day.toordinal() for d in days), float, len(days))
    mood = np.fromiter((d.mood for d in days), float, len(days))
    rolling = np.fromiter((d.rolling for d in days), float, len(days))
    few = len(days) <= MARKER_LIMIT
    keys: list[Key] = []
    size = (1.85, PRINT_WIDTH_IN) if printed else (3.6, WIDTH_IN)
    with figure(*size) as fig:
        title(fig, MOOD_TITLE, "0 = worst, 10 = best; daily mean of check-ins and reports")
        top, bottom = (0.55, 0.47) if printed else (0.75, 0.95)
        margins(fig, left=0.4, right=0.2, top=top, bottom=bottom)
        ax = fig.add_subplot()
        ax.set_ylim(-0.3, 10.3)
        fast_yticks(ax, [0, 2, 4, 6, 8, 10])
        set_day_axis(ax, first, series.last_day)
        sessions = [d.toordinal() for d in series.sessions]
        if sessions:
            sx, sy = broken_segments(sessions, -0.3, 10.3)
            ax.plot(sx, sy, color=MUTED, linewidth=0.9, linestyle=SESSION_STYLE)
            keys.append(Key("Session", MUTED, SESSION_STYLE, 0.9))
        ax.plot(x, mood, color=DAILY, linewidth=0.9, marker="o" if few else "", markersize=3.5)
        keys.append(Key("Daily mood", DAILY, "-", 0.9, "o" if few else ""))
        # A single day still needs a visible mark, so the average gets a marker then.
        ax.plot(x, rolling, color=BLUE, linewidth=2.4, marker="" if len(days) > 1 else "s")
        keys.append(Key("7-day average", BLUE, "-", 2.4))
        for attr, label, color, style, marker in (
            ("anxiety", "Anxiety (0 = none)", ORANGE, (0, (5, 2)), "^"),
            ("pain", "Pain (0 = none)", PURPLE, (0, (1, 1.5)), "v"),
        ):
            values = [getattr(d, attr) for d in days]
            if all(v is None for v in values):
                continue
            y = np.array([np.nan if v is None else v for v in values], float)
            ax.plot(
                x,
                y,
                color=color,
                linewidth=1.3,
                linestyle=style,
                marker=marker if few or len(days) == 1 else "",
                markersize=3.5,
            )
            keys.append(Key(label, color, style, 1.3, marker))
        legend(fig, keys)
        return to_svg(fig)


def durability_chart(data: DurabilityData) -> bytes:
    """One line per interval between sessions: mood against days since that session."""
    intervals = [i for i in data.intervals if i.points]
    if not intervals:
        return empty_chart(DURABILITY_TITLE, "No mood entries after a session in this period yet.")
    longest = max(p[0] for i in intervals for p in i.points)
    count = len(intervals)
    # Older intervals light grey, newer darker; the latest is also thicker and labelled,
    # so the ordering does not depend on seeing colour.
    shades = np.linspace(0.78, 0.35, count) if count > 1 else np.array([0.35])
    colors = [(s, s, s) for s in shades[:-1]] + [BLUE]
    widths = [1.1] * (count - 1) + [2.6]
    segments = [np.array(i.points, float) for i in intervals]
    with figure(3.6) as fig:
        title(
            fig,
            DURABILITY_TITLE,
            "Each line starts on a session day (day 0) and runs to the next session",
        )
        margins(fig, left=0.45, right=0.2, top=0.75, bottom=1.05)
        ax = fig.add_subplot()
        ax.set_ylim(-0.3, 10.3)
        fast_yticks(ax, [0, 2, 4, 6, 8, 10])
        ax.set_xlim(-0.5, max(longest, 1) + 0.5)
        step = next(s for s in (1, 2, 5, 7, 14, 28, 56, 112) if longest // s <= 8)
        day_marks = list(range(0, longest + 1, step))
        fast_xticks(ax, day_marks, [str(d) for d in day_marks])
        ax.add_collection(LineCollection(segments, colors=colors, linewidths=widths))
        total_points = sum(len(s) for s in segments)
        if total_points <= 4 * MARKER_LIMIT:
            stacked = np.concatenate(segments)
            sizes = np.concatenate(
                [np.full(len(s), w * 6) for s, w in zip(segments, widths, strict=True)]
            )
            point_colors = [c for s, c in zip(segments, colors, strict=True) for _ in range(len(s))]
            ax.scatter(
                stacked[:, 0], stacked[:, 1], s=sizes, c=point_colors, zorder=3, linewidths=0
            )
        if count > 1:
            mean = _mean_by_day(segments)
            ax.plot(mean[:, 0], mean[:, 1], color=INK, linewidth=1.6, linestyle=(0, (4, 2)))
        fall_back = data.fall_back_day
        if fall_back is not None:
            ax.plot(
                [fall_back, fall_back],
                [-0.3, 10.3],
                color=ORANGE,
                linewidth=1.4,
                linestyle=FALL_BACK_STYLE,
            )
        add_text_batch(
            ax, [0.5], [-0.16], ["Days since the session"], size=9, transform=ax.transAxes, va="top"
        )
        keys = [Key(f"Latest: session on {day_label(intervals[-1].session_day)}", BLUE, "-", 2.6)]
        if count > 1:
            keys += [
                Key("Average of all sessions", INK, (0, (4, 2)), 1.6),
                Key("Earlier sessions (lighter = older)", "#999999", "-", 1.1),
            ]
        if fall_back is not None:
            keys.append(
                Key(f"Typical fall-back day (day {fall_back:g})", ORANGE, FALL_BACK_STYLE, 1.4)
            )
        legend(fig, keys)
        return to_svg(fig)


def _mean_by_day(segments: list[np.ndarray]) -> np.ndarray:
    stacked = np.concatenate(segments)
    days = np.unique(stacked[:, 0])
    means = [stacked[stacked[:, 0] == d, 1].mean() for d in days]
    return np.column_stack([days, means])
