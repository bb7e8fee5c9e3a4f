"""Mood over time, and durability of response (mood against days since a session)."""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from journal.charts._base import (
    BLUE,
    DAILY,
    DEFAULT_VARIANT,
    DESKTOP,
    INK,
    MUTED,
    ORANGE,
    PRINT_WIDTH_IN,
    PURPLE,
    Key,
    Look,
    Variant,
    add_text_batch,
    broken_segments,
    day_label,
    empty_chart,
    fast_xticks,
    fast_yticks,
    figure,
    header_height,
    legend,
    legend_height,
    look,
    set_day_axis,
    title,
    to_svg,
)
from journal.charts.types import DurabilityData, MoodSeries

# Words are lazy here and read (`str`) when a chart is drawn, in the active language.
MOOD_TITLE = gettext_lazy("Mood over time")
DURABILITY_TITLE = gettext_lazy("Mood in the days after each session")
# Mood (high = good) and anxiety and pain (high = bad) never share an axis: each panel
# names its scale and which way is better.
MOOD_PANEL = gettext_lazy("Mood, 0–10 (higher = better mood)")
WORSE_PANEL = gettext_lazy("Anxiety and pain, 0–10 (higher = worse)")
MOOD_SUBTITLE = gettext_lazy("Daily mean of check-ins and reports")
# Markers on every point only while they stay distinguishable (and cheap).
MARKER_LIMIT = 60
SESSION_STYLE = (0, (2, 2))
FALL_BACK_STYLE = (0, (6, 3))
PANEL_NAME_IN = 0.26  # room above a panel for its name


def panel_name(ax: Axes, text: str, size: float) -> None:
    """The panel's name (its scale and direction) just above its top left corner."""
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    above = ax.transAxes + ScaledTranslation(0, 0.06, fig.dpi_scale_trans)
    add_text_batch(
        ax, [0.0], [1.0], [text], ha="left", va="bottom", size=size, weight="bold", transform=above
    )


def _worse_lines(series: MoodSeries) -> list[tuple[str, str, str, tuple, str]]:
    """(attribute, label, colour, style, marker) of anxiety and pain, where recorded."""
    return [
        line
        for line in (
            ("anxiety", _("Anxiety"), ORANGE, (0, (5, 2)), "^"),
            ("pain", _("Pain"), PURPLE, (0, (1, 1.5)), "v"),
        )
        if any(getattr(d, line[0]) is not None for d in series.days)
    ]


def mood_chart(
    series: MoodSeries, *, printed: bool = False, variant: Variant = DEFAULT_VARIANT
) -> bytes:
    """Daily mean mood, its 7-day rolling mean and session markers in one panel; anxiety and
    pain, where recorded, in a panel of their own below (`printed`: at the PDF's text width)."""
    lk: Look = DESKTOP if printed else look(variant)
    heading, subtitle = str(MOOD_TITLE), str(MOOD_SUBTITLE)
    if not series.days:
        return empty_chart(heading, _("No mood entries in this period yet."), variant=variant)
    days = series.days
    first = series.first_day or min(days[0].day, *(series.sessions or (days[0].day,)))
    x = np.fromiter((d.day.toordinal() for d in days), float, len(days))
    mood = np.fromiter((d.mood for d in days), float, len(days))
    rolling = np.fromiter((d.rolling for d in days), float, len(days))
    few = len(days) <= MARKER_LIMIT
    worse = _worse_lines(series)
    keys: list[Key] = []
    if series.sessions:
        keys.append(Key(_("Session"), MUTED, SESSION_STYLE, 0.9))
    keys.append(Key(_("Daily mood"), DAILY, "-", 0.9, "o" if few else ""))
    keys.append(Key(_("7-day average"), BLUE, "-", 2.4))
    keys += [Key(label, color, style, 1.3, marker) for _attr, label, color, style, marker in worse]
    width = PRINT_WIDTH_IN if printed else lk.width
    legend_size = lk.text if lk.phone else 8.5
    if printed:
        # The PDF keeps to one page: the two panels side by side, as tall as one.
        top, mood_h, worse_h, gap = 0.55 + 0.22, 0.72, 0.0, 0.0
    else:
        top = header_height(heading, subtitle, lk) if lk.phone else 0.75
        top += PANEL_NAME_IN if lk.phone else 0.2
        mood_h, worse_h, gap = 1.9, 1.1, 0.45
    bottom = 0.32 + legend_height(width, keys, legend_size) + 0.1
    height = top + mood_h + (gap + worse_h if worse else 0) + bottom
    left, right = (0.4, 0.2) if not lk.phone else (0.32, 0.12)
    with figure(height, width, variant) as fig:
        title(fig, heading, subtitle, lk)
        plot_w = (width - left - right) / width
        name_size = lk.text + (0 if lk.phone else 0.5)
        if printed and worse:
            side_w = 2.85 / width
            mood_w = plot_w - side_w - 0.45 / width
            ax = fig.add_axes((left / width, bottom / height, mood_w, mood_h / height))
            beside = fig.add_axes(
                (1 - right / width - side_w, bottom / height, side_w, mood_h / height)
            )
            panels = [(ax, str(MOOD_PANEL)), (beside, str(WORSE_PANEL))]
            name_size = 8.5
        else:
            ax = fig.add_axes((left / width, 1 - (top + mood_h) / height, plot_w, mood_h / height))
            panels = [(ax, str(MOOD_PANEL))]
            if worse:
                below = fig.add_axes(
                    (left / width, bottom / height, plot_w, worse_h / height), sharex=ax
                )
                panels.append((below, str(WORSE_PANEL)))
        for panel, name in panels:
            panel.set_ylim(-0.3, 10.3)
            ticks = [0, 5, 10] if panel is not ax or lk.phone or printed else [0, 2, 4, 6, 8, 10]
            fast_yticks(panel, ticks, size=lk.text)
            panel_name(panel, name, name_size)
            panel.set_gid("panel-mood" if panel is ax else "panel-anxiety-pain")
            sessions = [d.toordinal() for d in series.sessions]
            if sessions:
                sx, sy = broken_segments(sessions, -0.3, 10.3)
                panel.plot(sx, sy, color=MUTED, linewidth=0.9, linestyle=SESSION_STYLE)
        if printed:
            for panel, _name in panels:
                set_day_axis(panel, first, series.last_day, lk)
        last = panels[-1][0]
        if not printed:
            set_day_axis(last, first, series.last_day, lk)
            if worse:
                ax.set_xticks([])
        # Markers at 0 and 10 reach past the panel's edges: never clip them.
        ax.plot(
            x,
            mood,
            color=DAILY,
            linewidth=0.9,
            marker="o" if few else "",
            markersize=3.5,
            clip_on=False,
        )
        # A single day still needs a visible mark, so the average gets a marker then.
        ax.plot(x, rolling, color=BLUE, linewidth=2.4, marker="" if len(days) > 1 else "s")
        for attr, _label, color, style, marker in worse:
            values = [getattr(d, attr) for d in days]
            y = np.array([np.nan if v is None else v for v in values], float)
            last.plot(
                x,
                y,
                color=color,
                linewidth=1.3,
                linestyle=style,
                marker=marker if few or len(days) == 1 else "",
                markersize=3.5,
                clip_on=False,
            )
        legend(fig, keys, 0.12, legend_size)
        return to_svg(fig, variant)


def durability_chart(data: DurabilityData, *, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """One line per interval between sessions: mood against days since that session."""
    lk = look(variant)
    intervals = [i for i in data.intervals if i.points]
    heading = str(DURABILITY_TITLE)
    if not intervals:
        return empty_chart(
            heading, _("No mood entries after a session in this period yet."), variant=variant
        )
    longest = max(p[0] for i in intervals for p in i.points)
    count = len(intervals)
    # Older intervals fainter, newer stronger; the latest is also thicker, coloured and
    # labelled, so the ordering does not depend on seeing colour (and reads in both themes).
    alphas = np.linspace(0.25, 0.6, count - 1) if count > 1 else np.array([])
    ink = to_rgb(INK)
    colors: list = [(*ink, a) for a in alphas] + [to_rgba(BLUE)]
    widths = [1.1] * (count - 1) + [2.6]
    segments = [np.array(i.points, float) for i in intervals]
    fall_back = data.fall_back_day
    latest = _("Latest: session on %(day)s") % {"day": day_label(intervals[-1].session_day)}
    keys = [Key(latest, BLUE, "-", 2.6)]
    if count > 1:
        keys += [
            Key(_("Average of all sessions"), INK, (0, (4, 2)), 1.6),
            Key(_("Earlier sessions (fainter = older)"), INK + "66", "-", 1.1),
        ]
    if fall_back is not None:
        typical = _("Typical fall-back day (day %(day)s)") % {"day": f"{fall_back:g}"}
        keys.append(Key(typical, ORANGE, FALL_BACK_STYLE, 1.4))
    subtitle = _("Each line starts on a session day (day 0) and runs to the next session")
    legend_size = lk.text if lk.phone else 8.5
    top = (header_height(heading, subtitle, lk) if lk.phone else 0.75) + PANEL_NAME_IN
    plot_h = 1.9
    axis_name_in = 0.32 + lk.text * 1.5 / 72
    bottom = axis_name_in + legend_height(lk.width, keys, legend_size) + 0.12
    height = top + plot_h + bottom
    left, right = (0.45, 0.2) if not lk.phone else (0.32, 0.12)
    with figure(height, lk.width, variant) as fig:
        title(fig, heading, subtitle, lk)
        ax = fig.add_axes(
            (
                left / lk.width,
                bottom / height,
                (lk.width - left - right) / lk.width,
                plot_h / height,
            )
        )
        ax.set_ylim(-0.3, 10.3)
        fast_yticks(ax, [0, 5, 10] if lk.phone else [0, 2, 4, 6, 8, 10], size=lk.text)
        panel_name(ax, str(MOOD_PANEL), lk.text + (0 if lk.phone else 0.5))
        ax.set_xlim(-0.5, max(longest, 1) + 0.5)
        most = 5 if lk.phone else 8
        step = next(s for s in (1, 2, 5, 7, 14, 28, 56, 112) if longest // s <= most)
        day_marks = list(range(0, longest + 1, step))
        fast_xticks(ax, day_marks, [str(d) for d in day_marks], lk.text)
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
        if fall_back is not None:
            ax.plot(
                [fall_back, fall_back],
                [-0.3, 10.3],
                color=ORANGE,
                linewidth=1.4,
                linestyle=FALL_BACK_STYLE,
            )
        under = ax.transAxes + ScaledTranslation(0, -0.32, fig.dpi_scale_trans)
        add_text_batch(
            ax, [0.5], [0.0], [_("Days since the session")], size=lk.text, transform=under, va="top"
        )
        legend(fig, keys, 0.12, legend_size)
        return to_svg(fig, variant)


def _mean_by_day(segments: list[np.ndarray]) -> np.ndarray:
    stacked = np.concatenate(segments)
    days = np.unique(stacked[:, 0])
    means = [stacked[stacked[:, 0] == d, 1].mean() for d in days]
    return np.column_stack([days, means])
