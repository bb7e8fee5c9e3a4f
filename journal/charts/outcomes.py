"""Response curve (DESIGN.md §3b): a PHQ-9 or GAD-7 score against session number or weeks since
the first session, with the baseline marked and the 50 % (response) and remission levels."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.axes import Axes
from matplotlib.transforms import ScaledTranslation, blended_transform_factory
from matplotlib.typing import LineStyleType

from journal.catalogue import QUESTIONNAIRES
from journal.charts._base import (
    BLUE,
    DEFAULT_VARIANT,
    GREEN,
    INK,
    MUTED,
    VERMILLION,
    Key,
    Look,
    Variant,
    add_text_batch,
    empty_chart,
    fast_xticks,
    fast_yticks,
    figure,
    header_height,
    legend,
    legend_height,
    look,
    margins,
    title,
    to_svg,
    wrap,
)
from journal.charts.types import ResponseCurveData, ResponsePoint
from journal.outcomes import REMISSION_BELOW, RESPONSE_REDUCTION, Outcome

CurveAxis = Literal["session", "weeks"]

RESPONSE_STYLE: LineStyleType = (0, (5, 3))
REMISSION_STYLE: LineStyleType = (0, (1.5, 2))
# The axis names, read (`str`) when a chart is drawn, in the active language.
AXIS_LABELS: dict[CurveAxis, Any] = {
    "session": gettext_lazy("Sessions so far (0 = before the first session)"),
    "weeks": gettext_lazy("Weeks since the first session (negative = before it)"),
}


def response_label() -> str:
    """The 50 % line's name, in the active language."""
    return _("50 % of baseline (response)")


def remission_label() -> str:
    """The remission line's name, in the active language."""
    return _("Remission: below %(score)s") % {"score": REMISSION_BELOW}


# The same names in English (the drawing writes `response_label()`, `remission_label()`).
RESPONSE_LABEL = "50 % of baseline (response)"
REMISSION_LABEL = f"Remission: below {REMISSION_BELOW}"
# Point values written above the points only while they stay readable.
VALUE_LIMIT = 20
PLOT_IN = 2.5  # height of the plot area, inches


@dataclass(frozen=True, slots=True)
class Level:
    """A horizontal level on the curve: the 50 % (response) line or the remission line."""

    value: float
    label: str
    note: str  # the score it stands for, in words
    gid: str  # SVG id of the line: "response" or "remission"
    color: str
    style: LineStyleType


def response_curve_data(o: Outcome, x: CurveAxis = "session") -> ResponseCurveData:
    """The curve's data for one outcome: scores from the baseline on (all without one)."""
    base = o.baseline
    scores = o.scores
    base_id = None if base is None else base.id
    if base is not None:
        scores = tuple(s for s in scores if (s.completed_at, s.id) >= (base.completed_at, base.id))
    return ResponseCurveData(
        code=o.instrument,
        title=o.title,
        max_total=QUESTIONNAIRES[o.instrument].max_total,
        baseline=None if base is None else base.total,
        points=tuple(
            ResponsePoint(s.completed_at, s.session_number, s.weeks, s.total, s.id == base_id)
            for s in scores
        ),
        x=x,
        baseline_marked=o.baseline_marked,
    )


def response_level(baseline: int | None) -> float | None:
    """The score a response reaches: half the baseline; None without a positive baseline."""
    return None if not baseline else baseline * (1 - RESPONSE_REDUCTION)


def chart_title(data: ResponseCurveData) -> str:
    """ "PHQ-9 score by session" / "PHQ-9 score by week since the first session"."""
    if data.x == "session":
        return _("%(instrument)s score by session") % {"instrument": data.title}
    return _("%(instrument)s score by week since the first session") % {"instrument": data.title}


def response_chart(data: ResponseCurveData, *, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """Scores as a line against session number or weeks, the baseline marked, the 50 % and
    remission levels drawn and named; lower is better, and the subtitle says so (on a phone
    the levels are named in the legend, not in a right margin)."""
    heading = chart_title(data)
    if not data.points:
        return empty_chart(
            heading,
            _("No %(instrument)s questionnaires yet.") % {"instrument": data.title},
            variant=variant,
        )
    if all(p.weeks is None for p in data.points):
        return empty_chart(
            heading,
            _("No treatment session yet to place the %(instrument)s by.")
            % {"instrument": data.title},
            variant=variant,
        )
    lk = look(variant)
    points = data.points
    level = response_level(data.baseline)
    subtitle = _("Total 0–%(max)s, lower is better") % {"max": data.max_total}
    if data.baseline is None:
        subtitle += " · " + _("no baseline score, so no 50 % line")
    elif level is None:
        subtitle += " · " + _("the baseline is 0, so no 50 % line")
    response_name, remission_name = response_label(), remission_label()
    x = np.array([p.session_number if data.x == "session" else p.weeks for p in points], float)
    y = np.array([p.total for p in points], float)
    top_in, bottom_in, right_in = 0.75, 1.0, 1.9
    axis_lines = wrap(str(AXIS_LABELS[data.x]), lk.width - 0.3, lk.text)
    if lk.phone:
        # Names of the levels join the legend (sized here, drawn below).
        probe = [
            Key(_("score"), BLUE, "-", 1.8, "o"),
            Key(_("Baseline (chosen by a provider)"), INK, linewidth=0, marker="s"),
            Key(f"{response_name}: 00.5", VERMILLION, RESPONSE_STYLE, 1.3),
            Key(remission_name, GREEN, REMISSION_STYLE, 1.3),
        ]
        top_in = header_height(heading, subtitle, lk) + 0.1
        bottom_in = 0.3 + len(axis_lines) * lk.text * 1.4 / 72 + 0.1
        bottom_in += legend_height(lk.width, probe, lk.text) + 0.1
        right_in = 0.15
    with figure(top_in + PLOT_IN + bottom_in, lk.width, variant) as fig:
        title(fig, heading, subtitle, lk)
        margins(
            fig, left=0.45 if not lk.phone else 0.36, right=right_in, top=top_in, bottom=bottom_in
        )
        ax = fig.add_subplot()
        ax.patch.set_gid("plot-area")  # its box spans 0..max_total: tests read levels off it
        ax.set_ylim(0, data.max_total)
        step = 5
        fast_yticks(
            ax,
            [v for v in range(0, data.max_total, step) if data.max_total - v >= 3]
            + [data.max_total],
            size=lk.text,
        )
        _x_axis(ax, data.x, x, lk, axis_lines)
        levels = [
            Level(
                REMISSION_BELOW,
                remission_name,
                _("scores of %(score)s or less") % {"score": REMISSION_BELOW - 1},
                "remission",
                GREEN,
                REMISSION_STYLE,
            )
        ]
        if level is not None:
            levels.append(
                Level(
                    level,
                    response_name,
                    _("at %(level)s, half of %(baseline)s")
                    % {"level": f"{level:g}", "baseline": data.baseline},
                    "response",
                    VERMILLION,
                    RESPONSE_STYLE,
                )
            )
        keys = [Key(_("%(instrument)s score") % {"instrument": data.title}, BLUE, "-", 1.8, "o")]
        if lk.phone:
            _levels(ax, levels, data.max_total, labelled=False)
        else:
            _levels(ax, levels, data.max_total)
        ax.plot(x, y, color=BLUE, linewidth=1.8, marker="o", markersize=5, zorder=3)
        base = [i for i, p in enumerate(points) if p.is_baseline]
        if base:
            ax.plot(
                x[base],
                y[base],
                "s",
                markersize=9,
                markerfacecolor="white",
                markeredgecolor=INK,
                markeredgewidth=1.6,
                linestyle="",
                zorder=4,
            )
            baseline_key = (
                _("Baseline (chosen by a provider)") if data.baseline_marked else _("Baseline")
            )
            keys.append(Key(baseline_key, INK, linewidth=0, marker="s", filled=False))
            # Up and to the right of its square: clear of the y labels and of the line down.
            beside = ax.transData + ScaledTranslation(8 / 72, 4 / 72, fig.dpi_scale_trans)
            add_text_batch(
                ax,
                x[base],
                y[base],
                [_("Baseline %(score)s") % {"score": points[i].total} for i in base],
                ha="left",
                va="bottom",
                size=8 if not lk.phone else lk.text,
                weight="bold",
                transform=beside,
            )
        if len(points) <= VALUE_LIMIT:
            rest = [i for i, p in enumerate(points) if not p.is_baseline]
            add_text_batch(
                ax,
                x[rest],
                y[rest] + data.max_total * 0.05,
                [str(points[i].total) for i in rest],
                va="bottom",
                size=8 if not lk.phone else lk.text,
                colors=INK,
            )
        if lk.phone:
            keys += [
                Key(f"{line.label}: {line.note}", line.color, line.style, 1.3)
                for line in sorted(levels, key=lambda line: -line.value)
            ]
        legend(fig, keys, 0.12, 8.5 if not lk.phone else lk.text)
        return to_svg(fig, variant)


def _x_axis(ax: Axes, axis: CurveAxis, x: np.ndarray, lk: Look, name: list[str]) -> None:
    """Limits, whole-number ticks and the axis name (in `name`'s lines) below."""
    low = min(0.0, float(x.min()))
    high = max(1.0, float(x.max()))
    span = math.ceil(high) - math.floor(low)
    most = 5 if lk.phone else 8
    step = next(s for s in (1, 2, 4, 5, 10, 13, 26, 52, 104) if span / s <= most)
    first = math.floor(low / step) * step
    pad = 0.5 if axis == "session" else 0.3
    ticks = [t for t in range(first, math.ceil(high) + 1, step) if low - pad <= t <= high + pad]
    ax.set_xlim(low - pad, high + pad)
    fast_xticks(ax, ticks, [str(t) for t in ticks], lk.text)
    if not lk.phone:
        add_text_batch(ax, [0.5], [-0.17], name, size=9, transform=ax.transAxes, va="top")
        return
    fig = ax.get_figure(root=True)
    assert fig is not None
    for i, line in enumerate(name):
        under = ax.transAxes + ScaledTranslation(
            0, -0.3 - i * lk.text * 1.4 / 72, fig.dpi_scale_trans
        )
        add_text_batch(ax, [0.5], [0.0], [line], size=lk.text, transform=under, va="top")


def _levels(ax: Axes, levels: list[Level], max_total: int, labelled: bool = True) -> None:
    """Each level as a dashed line across the plot, named in the right margin with its score
    beneath (unless not `labelled`: the legend names them); labels of close levels are pushed
    apart so they never overlap."""
    for line in levels:
        ax.axhline(
            line.value,
            color=line.color,
            linestyle=line.style,
            linewidth=1.3,
            zorder=1,
            gid=line.gid,
        )
    if not labelled:
        return
    # Label positions in axes fractions, lowest first, at least two text lines apart.
    gap = 0.32 / PLOT_IN
    ordered = sorted(levels, key=lambda line: line.value)
    at: list[float] = []
    for line in ordered:
        y = line.value / max_total
        at.append(max(y, at[-1] + gap) if at else y)
    edge = blended_transform_factory(ax.transAxes, ax.transAxes)
    add_text_batch(
        ax,
        [1.015] * len(ordered),
        [a + 0.012 for a in at],
        [line.label for line in ordered],
        ha="left",
        va="bottom",
        size=7.5,
        weight="bold",
        transform=edge,
    )
    add_text_batch(
        ax,
        [1.015] * len(ordered),
        [a - 0.012 for a in at],
        [line.note for line in ordered],
        ha="left",
        va="top",
        size=7.5,
        colors=MUTED,
        transform=edge,
    )
