"""Blood pressure per session: before vs after dose, clinic thresholds, flagged readings."""

from __future__ import annotations

import numpy as np
from matplotlib.transforms import blended_transform_factory

from journal.charts._base import (
    BLUE,
    GREEN,
    INK,
    MUTED,
    PURPLE,
    VERMILLION,
    Key,
    add_text_batch,
    day_label,
    empty_chart,
    fast_yticks,
    figure,
    legend,
    margins,
    title,
    to_svg,
)
from journal.charts.types import BloodPressureData

BP_TITLE = "Blood pressure at each session"
# context: (label, marker, colour, offset within the session's slot)
CONTEXTS: dict[str, tuple[str, str, str, float]] = {
    "before": ("Before dose", "o", BLUE, -0.27),
    "after40": ("About 40 min after dose", "^", VERMILLION, -0.09),
    "discharge": ("At discharge", "s", GREEN, 0.09),
    "home": ("At home", "D", PURPLE, 0.27),
}
MAX_GROUPS = 10


def blood_pressure_chart(data: BloodPressureData) -> bytes:
    """Each reading as a bar from diastolic to systolic, shaped by when it was taken."""
    groups = [g for g in data.groups if g.readings]
    if not groups:
        return empty_chart(BP_TITLE, "No blood pressure readings in this period yet.")
    hidden = max(0, len(groups) - MAX_GROUPS)
    groups = groups[hidden:]
    limits = data.thresholds
    xs: list[float] = []
    rows: list[tuple[str, int, int, bool]] = []
    for index, group in enumerate(groups):
        for reading in group.readings:
            context = reading.context if reading.context in CONTEXTS else "home"
            xs.append(index + CONTEXTS[context][3])
            rows.append((context, reading.systolic, reading.diastolic, reading.flagged))
    x = np.array(xs, float)
    systolic = np.array([r[1] for r in rows], float)
    diastolic = np.array([r[2] for r in rows], float)
    contexts = np.array([r[0] for r in rows])
    flagged = np.array([r[3] for r in rows], bool)
    low = min(float(diastolic.min()), limits.predose_diastolic) - 10
    high = max(float(systolic.max()), limits.severe_systolic) + 12
    subtitle = "Upper filled marker: systolic · lower hollow marker: diastolic (mmHg)"
    if hidden:
        subtitle += f" · latest {len(groups)} of {len(groups) + hidden}"
    with figure(3.9) as fig:
        title(fig, BP_TITLE, subtitle)
        margins(fig, left=0.45, right=1.35, top=0.75, bottom=1.05)
        ax = fig.add_subplot()
        ax.set_xlim(-0.6, len(groups) - 0.4)
        ax.set_ylim(low, high)
        step = 20 if high - low > 100 else 10
        fast_yticks(ax, list(range(int(low) // step * step + step, int(high) + 1, step)))
        ax.set_xticks([])
        bars_x = np.repeat(x, 3)
        bars_y = np.column_stack([diastolic, systolic, np.full(len(x), np.nan)]).ravel()
        bars_x[2::3] = np.nan
        ax.plot(bars_x, bars_y, color=MUTED, linewidth=1.2)
        keys: list[Key] = []
        for context, (label, marker, color, _) in CONTEXTS.items():
            mask = contexts == context
            if not mask.any():
                continue
            ax.scatter(x[mask], systolic[mask], marker=marker, s=38, c=color, zorder=3)
            ax.scatter(
                x[mask],
                diastolic[mask],
                marker=marker,
                s=34,
                facecolors="#ffffff",
                edgecolors=color,
                linewidths=1.4,
                zorder=3,
            )
            keys.append(Key(label, color, linewidth=0, marker=marker))
        if flagged.any():
            ax.scatter(
                x[flagged],
                systolic[flagged],
                marker="o",
                s=190,
                facecolors="none",
                edgecolors=INK,
                linewidths=1.5,
                zorder=4,
            )
            add_text_batch(
                ax,
                x[flagged],
                systolic[flagged] + (high - low) * 0.055,
                ["!"] * int(flagged.sum()),
                size=10,
                weight="bold",
                va="bottom",
            )
            keys.append(Key("Flagged (!)", INK, linewidth=0, marker="o", filled=False))
        lines = [
            (limits.severe_systolic, VERMILLION, "-", f"{limits.severe_systolic} severe"),
            (limits.severe_diastolic, VERMILLION, "-", f"{limits.severe_diastolic} severe"),
            (limits.predose_systolic, MUTED, "--", f"{limits.predose_systolic} pre-dose limit"),
            (limits.predose_diastolic, MUTED, "--", f"{limits.predose_diastolic} pre-dose limit"),
        ]
        for value, color, style, _ in lines:
            ax.axhline(value, color=color, linestyle=style, linewidth=1, zorder=1)
        edge = blended_transform_factory(ax.transAxes, ax.transData)
        add_text_batch(
            ax,
            [1.01] * len(lines),
            [v for v, *_ in lines],
            [t for *_, t in lines],
            ha="left",
            size=8,
            colors=[c for _, c, _, _ in lines],
            transform=edge,
        )
        centers = np.arange(len(groups))
        add_text_batch(
            ax,
            centers,
            [low - (high - low) * 0.03] * len(groups),
            [day_label(g.day) for g in groups],
            va="top",
            size=8.5,
        )
        add_text_batch(
            ax,
            centers,
            [low - (high - low) * 0.1] * len(groups),
            ["session" if g.is_session else "home" for g in groups],
            va="top",
            size=7.5,
            colors=MUTED,
        )
        legend(fig, keys)
        return to_svg(fig)
