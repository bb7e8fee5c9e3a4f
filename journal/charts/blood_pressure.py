"""Blood pressure per session: systolic and diastolic in panels of their own, before vs after
dose, each panel with the clinic's flag levels for its quantity, flagged readings marked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from matplotlib.axes import Axes
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from journal.charts._base import (
    BLUE,
    DEFAULT_VARIANT,
    DESKTOP,
    GREEN,
    INK,
    MUTED,
    PHONE,
    PHONE_WIDTH_IN,
    PRINT_WIDTH_IN,
    PURPLE,
    VERMILLION,
    WIDTH_IN,
    Key,
    Variant,
    add_text_batch,
    day_label,
    empty_chart,
    fast_yticks,
    figure,
    header_height,
    legend,
    legend_height,
    margins,
    title,
    to_svg,
)
from journal.charts.types import BloodPressureData, Thresholds

BP_TITLE = gettext_lazy("Blood pressure at each session")
# context: (label, marker, colour, offset within the session's slot); labels read when drawn.
CONTEXTS: dict[str, tuple[Any, str, str, float]] = {
    "before": (gettext_lazy("Before dose"), "o", BLUE, -0.27),
    "after40": (gettext_lazy("About 40 min after dose"), "^", VERMILLION, -0.09),
    "discharge": (gettext_lazy("At discharge"), "s", GREEN, 0.09),
    "home": (gettext_lazy("At home"), "D", PURPLE, 0.27),
}
# The two quantities, by their stable keys (SVG ids use the key, never the words).
QUANTITIES = {"Systolic": gettext_lazy("Systolic"), "Diastolic": gettext_lazy("Diastolic")}
MAX_GROUPS = 10
PHONE_GROUPS = 5
PANEL_IN = 1.35  # height of each panel (systolic, diastolic), inches
GAP_IN = 0.45  # between the panels: room for the lower panel's name


@dataclass(frozen=True, slots=True)
class Layout:
    """Figure geometry in inches: the page's, or the PDF's (wider, shorter panels)."""

    width: float
    top: float
    panel: float
    gap: float
    bottom: float
    right: float = 1.3  # room for the flag levels' names (on a phone, their values only)
    text: float = 8.5
    small: float = 7.5


SCREEN = Layout(WIDTH_IN, top=0.9, panel=PANEL_IN, gap=GAP_IN, bottom=0.8)
PRINT = Layout(PRINT_WIDTH_IN, top=0.72, panel=0.62, gap=0.3, bottom=0.55)
PHONE_LAYOUT = Layout(
    PHONE_WIDTH_IN,
    top=0.0,  # set from the wrapped header
    panel=1.35,
    gap=0.5,
    bottom=0.0,  # set from the legend's rows
    right=0.5,
    text=11,
    small=11,
)


@dataclass(frozen=True, slots=True)
class ThresholdLine:
    """One clinic flag level, drawn in the panel of the quantity it applies to."""

    value: int
    label: str  # names the quantity: "Systolic 180"
    note: str  # which readings it applies to, never what to do about a dose
    color: str
    style: str
    gid: str = ""  # the line's SVG id: "threshold-systolic-180", in every language


def threshold_lines(t: Thresholds) -> dict[str, tuple[ThresholdLine, ...]]:
    """The systolic and the diastolic flag levels, each labelled by its own quantity."""

    def levels(quantity: str, very_high: int, before_dose: int) -> tuple[ThresholdLine, ...]:
        name = str(QUANTITIES[quantity])
        return (
            ThresholdLine(
                very_high,
                f"{name} {very_high}",
                _("very high"),
                VERMILLION,
                "-",
                f"threshold-{quantity.lower()}-{very_high}",
            ),
            ThresholdLine(
                before_dose,
                f"{name} {before_dose}",
                _("before-dose reference"),
                MUTED,
                "--",
                f"threshold-{quantity.lower()}-{before_dose}",
            ),
        )

    return {
        "Systolic": levels("Systolic", t.severe_systolic, t.predose_systolic),
        "Diastolic": levels("Diastolic", t.severe_diastolic, t.predose_diastolic),
    }


def blood_pressure_chart(
    data: BloodPressureData, *, printed: bool = False, variant: Variant = DEFAULT_VARIANT
) -> bytes:
    """Systolic and diastolic in panels of their own, each reading shaped by when it was
    taken, each panel with its own flag levels (`printed`: the PDF's width and height; on a
    phone the levels' values label the lines and the legend says what each line is)."""
    groups = [g for g in data.groups if g.readings]
    heading = str(BP_TITLE)
    if not groups:
        return empty_chart(
            heading, _("No blood pressure readings in this period yet."), variant=variant
        )
    phone = variant.phone and not printed
    max_groups = PHONE_GROUPS if phone else MAX_GROUPS
    hidden = max(0, len(groups) - max_groups)
    groups = groups[hidden:]
    xs: list[float] = []
    rows: list[tuple[str, int, int, bool]] = []
    sessions: list[list[int]] = []  # each session's readings (indexes), left to right
    for index, group in enumerate(groups):
        first = len(xs)
        for reading in group.readings:
            context = reading.context if reading.context in CONTEXTS else "home"
            xs.append(index + CONTEXTS[context][3])
            rows.append((context, reading.systolic, reading.diastolic, reading.flagged))
        if group.is_session and len(xs) - first > 1:
            sessions.append(sorted(range(first, len(xs)), key=xs.__getitem__))
    x = np.array(xs, float)
    contexts = np.array([r[0] for r in rows])
    flagged = np.array([r[3] for r in rows], bool)
    values = {
        "Systolic": np.array([r[1] for r in rows], float),
        "Diastolic": np.array([r[2] for r in rows], float),
    }
    lines = threshold_lines(data.thresholds)
    subtitle = _("mmHg · systolic above, diastolic below · lines: the clinic's flag levels")
    if hidden:
        subtitle += " · " + _("latest %(shown)s of %(total)s") % {
            "shown": len(groups),
            "total": len(groups) + hidden,
        }
    size = PRINT if printed else SCREEN
    level_keys: list[Key] = []
    if phone:
        t = data.thresholds
        level_keys = [
            Key(
                _("Very high: %(level)s") % {"level": f"{t.severe_systolic}/{t.severe_diastolic}"},
                VERMILLION,
                "-",
                1,
            ),
            Key(
                _("Before-dose reference: %(level)s")
                % {"level": f"{t.predose_systolic}/{t.predose_diastolic}"},
                MUTED,
                "--",
                1,
            ),
        ]
        probe = _reading_keys(contexts, flagged) + level_keys
        lines_in = 2 * PHONE.text * 1.4 / 72  # the dates and "session"/"home" beneath them
        size = replace(
            PHONE_LAYOUT,
            top=header_height(heading, subtitle, PHONE) + 0.22,
            bottom=0.22 + lines_in + legend_height(PHONE.width, probe, PHONE.text),
        )
    with figure(size.top + 2 * size.panel + size.gap + size.bottom, size.width, variant) as fig:
        title(fig, heading, subtitle, PHONE if phone else DESKTOP)
        margins(
            fig,
            left=0.45 if not phone else 0.42,
            right=size.right,
            top=size.top,
            bottom=size.bottom,
        )
        axes = fig.subplots(2, 1, sharex=True)
        fig.subplots_adjust(hspace=size.gap / size.panel)
        keys: list[Key] = []
        for ax, (quantity, y) in zip(axes, values.items(), strict=True):
            levels = lines[quantity]
            low = min(float(y.min()), *(line.value for line in levels)) - 10
            top = float(y.max())
            # Headroom above the highest reading for its ring and "!" (a fifth of the panel).
            high = max(top + (top - low) / 4, max(line.value for line in levels) + 10)
            _panel(ax, quantity, (low, high), len(groups), size)
            _joins(ax, sessions, x, y)
            keys = _readings(ax, x, y, contexts, flagged, PHONE.text if phone else 10)
            _threshold_lines(ax, levels, (low, high), size if phone else None)
        below = blended_transform_factory(axes[-1].transData, axes[-1].transAxes)
        centers = np.arange(len(groups))
        add_text_batch(
            axes[-1],
            centers,
            [-0.05] * len(groups),
            [day_label(g.day) for g in groups],
            va="top",
            size=size.text,
            transform=below,
        )
        add_text_batch(
            axes[-1],
            centers,
            [-0.05 - (size.text * 1.4 / 72) / size.panel if phone else -0.2] * len(groups),
            [
                pgettext("blood pressure chart", "session")
                if g.is_session
                else pgettext("blood pressure chart", "home")
                for g in groups
            ],
            va="top",
            size=size.small,
            colors=MUTED,
            transform=below,
        )
        legend(fig, keys + level_keys, 0.12, PHONE.text if phone else 8.5)
        return to_svg(fig, variant)


def _reading_keys(contexts: np.ndarray, flagged: np.ndarray) -> list[Key]:
    """The legend entries `_readings` will make (to size the legend before drawing)."""
    keys = [
        Key(str(label), color, linewidth=0, marker=marker)
        for context, (label, marker, color, _offset) in CONTEXTS.items()
        if (contexts == context).any()
    ]
    if flagged.any():
        keys.append(Key(_("Flagged (!)"), INK, linewidth=0, marker="o", filled=False))
    return keys


def _panel(ax: Axes, quantity: str, span: tuple[float, float], n: int, size: Layout) -> None:
    """Limits, y ticks and the panel's name ("Systolic (mmHg)") above its top left corner."""
    low, high = span
    ax.set_gid(f"panel-{quantity.lower()}")  # the SVG group holding this panel's artists
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(low, high)
    most = 4 if size.text > 9 else 6
    step = next(s for s in (10, 20, 40, 80) if (high - low) / s <= most)
    fast_yticks(
        ax,
        list(range(int(low) // step * step + step, int(high) + 1, step)),
        size=9 if size.text <= 9 else size.text,
    )
    ax.set_xticks([])
    add_text_batch(
        ax,
        [0.0],
        [1.04],
        [f"{QUANTITIES[quantity]} (mmHg)"],
        ha="left",
        va="bottom",
        size=9.5 if size.text <= 9 else size.text,
        weight="bold",
        transform=ax.transAxes,
    )


def _joins(ax: Axes, sessions: list[list[int]], x: np.ndarray, y: np.ndarray) -> None:
    """A thin line through each session's readings, so a rise after the dose shows (one path,
    broken by NaN between sessions)."""
    if not sessions:
        return
    path = [i for session in sessions for i in (*session, -1)]
    picked = np.array(path)
    gap = picked < 0
    jx, jy = x[picked], y[picked]
    jx[gap] = jy[gap] = np.nan
    ax.plot(jx, jy, color=MUTED, linewidth=1, zorder=2)


def _readings(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    contexts: np.ndarray,
    flagged: np.ndarray,
    mark_size: float = 10,
) -> list[Key]:
    """One marker per reading by context; flagged readings ringed and marked "!"."""
    keys: list[Key] = []
    for context, (label, marker, color, _offset) in CONTEXTS.items():
        mask = contexts == context
        if not mask.any():
            continue
        # Line2D markers: much cheaper to build and draw than a scatter collection.
        ax.plot(x[mask], y[mask], marker, markersize=6.2, color=color, linestyle="", zorder=3)
        keys.append(Key(str(label), color, linewidth=0, marker=marker))
    if flagged.any():
        ax.plot(
            x[flagged],
            y[flagged],
            "o",
            markersize=13.8,
            markerfacecolor="none",
            markeredgecolor=INK,
            markeredgewidth=1.5,
            linestyle="",
            zorder=4,
        )
        # Just above the ring, whatever the panel's scale.
        above = ax.transData + ScaledTranslation(0, 10 / 72, ax.figure.dpi_scale_trans)
        add_text_batch(
            ax,
            x[flagged],
            y[flagged],
            ["!"] * int(flagged.sum()),
            size=mark_size,
            weight="bold",
            va="bottom",
            transform=above,
        )
        keys.append(Key(_("Flagged (!)"), INK, linewidth=0, marker="o", filled=False))
    return keys


def _threshold_lines(
    ax: Axes,
    levels: tuple[ThresholdLine, ...],
    span: tuple[float, float],
    phone: Layout | None = None,
) -> None:
    """Each flag level as a line across the panel, named in the right margin with a note
    beneath; labels of close levels are pushed apart so they never overlap (`phone`: the
    value alone in the narrow margin, the legend names the lines). The line carries the
    level's colour; its words are in the text colours, which read at 4.5:1 on either
    background (the level's own colour, as small text, did not: vermillion is 3.9:1 on
    white)."""
    low, high = span
    for line in levels:
        ax.axhline(
            line.value,
            color=line.color,
            linestyle=line.style,
            linewidth=1,
            zorder=1,
            gid=line.gid or "threshold-" + line.label.lower().replace(" ", "-"),
        )
    # Label positions in axes fractions, lowest first, at least two text lines apart.
    gap = 0.25
    ordered = sorted(levels, key=lambda line: line.value)
    at: list[float] = []
    for line in ordered:
        y = (line.value - low) / (high - low)
        at.append(max(y, at[-1] + gap) if at else y)
    edge = blended_transform_factory(ax.transAxes, ax.transAxes)
    if phone is not None:
        add_text_batch(
            ax,
            [1.02] * len(ordered),
            at,
            [str(line.value) for line in ordered],
            ha="left",
            size=phone.text,
            weight="bold",
            colors=[INK] * len(ordered),
            transform=edge,
        )
        return
    add_text_batch(
        ax,
        [1.015] * len(ordered),
        [a + 0.015 for a in at],
        [line.label for line in ordered],
        ha="left",
        va="bottom",
        size=8,
        weight="bold",
        colors=[INK] * len(ordered),
        transform=edge,
    )
    add_text_batch(
        ax,
        [1.015] * len(ordered),
        [a - 0.015 for a in at],
        [line.note for line in ordered],
        ha="left",
        va="top",
        size=7.5,
        colors=[MUTED] * len(ordered),
        transform=edge,
    )
