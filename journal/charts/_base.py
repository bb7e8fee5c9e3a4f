"""Shared plumbing for the chart modules: figure set-up, SVG output, fast text, day axes.

Speed matters (a chart is drawn on a request): no pyplot, no layout engines, margins set by
hand, text kept as SVG text, and many labels drawn by one `TextBatch` artist instead of one
`Text` artist each (a `Text` costs about half a millisecond to lay out).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform, Transform, blended_transform_factory
from matplotlib.typing import LineStyleType, RcKeyType

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREEN = "#009E73"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
INK = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"

WIDTH_IN = 6.4
# The PDF summary's text width (US Letter between half-inch margins): printed charts are drawn
# at this width and placed unscaled, so every font size below is the printed size.
PRINT_WIDTH_IN = 7.5

RC: dict[RcKeyType, object] = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, scales crisply
    "svg.hashsalt": "aftercare",  # stable element ids, so equal data gives equal bytes
    "svg.image_inline": True,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.minor.visible": False,
    "ytick.minor.visible": False,
    "legend.frameon": False,
    "path.simplify": True,
}


@contextmanager
def figure(height_in: float, width_in: float = WIDTH_IN) -> Iterator[Figure]:
    """A bare SVG figure under the chart style; never registered with pyplot."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width_in, height_in), dpi=72)
        FigureCanvasSVG(fig)
        yield fig


def to_svg(fig: Figure) -> bytes:
    """Serialise a figure as SVG bytes without a timestamp (equal input, equal output)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def title(fig: Figure, text: str, subtitle: str = "") -> None:
    """A left-aligned title (and optional muted subtitle) in the figure's top margin."""
    height = fig.get_figheight()
    fig.text(0.015, 1 - 0.28 / height, text, fontsize=12, fontweight="bold", color=INK)
    if subtitle:
        fig.text(0.015, 1 - 0.5 / height, subtitle, fontsize=9, color=MUTED)


def empty_chart(
    heading: str,
    message: str = "Nothing to show yet.",
    hint: str = "Entries you log will appear here.",
) -> bytes:
    """A friendly picture for a period without data (still a valid SVG)."""
    with figure(1.6) as fig:
        title(fig, heading)
        fig.text(0.5, 0.45, message, ha="center", va="center", fontsize=12, color=INK)
        fig.text(
            0.5,
            0.22,
            hint,
            ha="center",
            va="center",
            fontsize=10,
            color=MUTED,
        )
        return to_svg(fig)


def margins(fig: Figure, left: float, right: float, top: float, bottom: float) -> None:
    """Set the axes margins in inches (fixed space for labels, whatever the figure size)."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
    )


# Text extents per (text, size, weight, renderer kind): charts repeat the same short labels, and
# measuring one costs about as much as drawing a whole line of data. SVG measures at 72 dpi.
_METRICS: dict[tuple[str, float, int | str, str], tuple[float, float, float]] = {}


class TextBatch(Artist):
    """Many short labels drawn as one artist (same size and alignment, own colours)."""

    zorder = 4

    def __init__(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        texts: Sequence[str],
        *,
        transform: Transform,
        colors: Sequence[str] | str = INK,
        size: float = 9,
        ha: str = "center",
        va: str = "center",
        weight: str = "normal",
    ) -> None:
        super().__init__()
        self._xy = np.column_stack([np.asarray(xs, float), np.asarray(ys, float)])
        self._texts = list(texts)
        self._colors = [colors] * len(self._texts) if isinstance(colors, str) else list(colors)
        self._prop = FontProperties(size=size, weight=weight)
        self._ha = ha
        self._va = va
        self.set_transform(transform)

    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible() or not self._texts:
            return
        points = self.get_transform().transform(self._xy)
        canvas_height = renderer.get_canvas_width_height()[1]
        # The SVG backend reads alignment from an `mtext`; one reusable anchor serves all.
        anchor = Text(0, 0, "", ha=self._ha, transform=IdentityTransform())
        size, weight = self._prop.get_size_in_points(), self._prop.get_weight()
        gc = renderer.new_gc()
        current = None
        renderer.open_group("labels", gid=self.get_gid())
        for (x, y), text, color in zip(points, self._texts, self._colors, strict=True):
            if not text or not (math.isfinite(x) and math.isfinite(y)):
                continue
            key = (text, size, weight, type(renderer).__name__)
            if key not in _METRICS:
                if len(_METRICS) > 4096:
                    _METRICS.clear()
                _METRICS[key] = renderer.get_text_width_height_descent(
                    text, self._prop, ismath=False
                )
            width, height, descent = _METRICS[key]
            baseline = {
                "center": y - height / 2 + descent,
                "top": y - height + descent,
                "bottom": y + descent,
            }.get(self._va, y)
            left = {"center": x - width / 2, "right": x - width}.get(self._ha, x)
            anchor.set_position((x, y))
            if color != current:
                gc.set_foreground(color)
                current = color
            draw_y = canvas_height - baseline if renderer.flipy() else baseline
            renderer.draw_text(gc, left, draw_y, text, self._prop, 0, ismath=False, mtext=anchor)
        gc.restore()
        renderer.close_group("labels")


def add_text_batch(ax: Axes, *args, **kwargs) -> TextBatch:
    """Attach a `TextBatch` to `ax` (transform defaults to data coordinates)."""
    kwargs.setdefault("transform", ax.transData)
    batch = TextBatch(*args, **kwargs)
    batch.set_clip_on(False)
    ax.add_artist(batch)
    return batch


def day_label(day: date, with_year: bool = False) -> str:
    """'3 Mar' (or '3 Mar 2025'): short, unambiguous, no leading zero."""
    return f"{day.day} {day:%b %Y}" if with_year else f"{day.day} {day:%b}"


def day_ticks(first: date, last: date, max_ticks: int = 6) -> tuple[list[int], list[str]]:
    """Tick positions (date ordinals) and labels for a day axis from `first` to `last`."""
    span = (last - first).days
    if span <= 62:
        step = next(s for s in (1, 2, 3, 7, 14, 21, 28) if span // s + 1 <= max_ticks or s == 28)
        days = [first + timedelta(days=k) for k in range(0, span + 1, step)]
        with_year = first.year != last.year
        return [d.toordinal() for d in days], [day_label(d, with_year) for d in days]
    months_apart = (last.year - first.year) * 12 + last.month - first.month
    step = next(s for s in (1, 2, 3, 4, 6, 12, 24, 60) if months_apart // s + 1 <= max_ticks)
    ticks: list[date] = []
    year, month = first.year, first.month
    if first.day != 1:
        month += 1
    while True:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        tick = date(year, month, 1)
        if tick > last:
            break
        ticks.append(tick)
        month += step
    multi_year = first.year != last.year
    labels = [
        f"{d:%b %Y}" if multi_year and (i == 0 or d.month == 1) else f"{d:%b}"
        for i, d in enumerate(ticks)
    ]
    return [d.toordinal() for d in ticks], labels


def set_day_axis(ax: Axes, first: date, last: date) -> None:
    """Limit and label the x axis to whole local days `first`..`last`."""
    ax.set_xlim(first.toordinal() - 0.5, last.toordinal() + 0.5)
    positions, labels = day_ticks(first, last)
    fast_xticks(ax, positions, labels)


def fast_xticks(ax: Axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    """X tick marks and labels without matplotlib `Tick` objects (each is costly to build)."""
    ax.set_xticks([])
    below = blended_transform_factory(ax.transData, ax.transAxes)
    x, y = broken_segments(positions, 0.0, -0.025)
    ax.plot(x, y, color=MUTED, linewidth=0.8, transform=below, clip_on=False)
    add_text_batch(
        ax, positions, [-0.045] * len(positions), labels, va="top", size=9, transform=below
    )


def fast_yticks(
    ax: Axes, positions: Sequence[float], labels: Sequence[str] | None = None, grid: bool = True
) -> None:
    """Y tick labels (and light grid lines) without matplotlib `Tick` objects."""
    ax.set_yticks([])
    left = blended_transform_factory(ax.transAxes, ax.transData)
    if grid:
        y, x = broken_segments(positions, 0.0, 1.0)
        ax.plot(x, y, color=GRID, linewidth=0.6, transform=left, zorder=0.5)
    texts = [str(p) for p in positions] if labels is None else labels
    add_text_batch(
        ax, [-0.012] * len(positions), positions, texts, ha="right", size=9, transform=left
    )


@dataclass(frozen=True)
class Key:
    """One legend entry: a short line and/or marker, and its label."""

    label: str
    color: str
    linestyle: LineStyleType = "-"
    linewidth: float = 1.5
    marker: str = ""
    filled: bool = True


def legend(fig: Figure, keys: Sequence[Key], bottom_in: float = 0.12) -> None:
    """A compact legend in the bottom margin, wrapped into rows (cheaper than `Legend`)."""
    width_in, height_in = fig.get_size_inches()
    x_in, row = 0.1, 0
    placed: list[tuple[float, int, float]] = []  # (handle left, row, handle width), inches
    for key in keys:
        handle = 0.34 if key.linewidth else 0.16
        entry_in = handle + 0.08 + 0.06 * len(key.label) + 0.22
        if x_in + entry_in > width_in - 0.05 and x_in > 0.1:
            x_in, row = 0.1, row + 1
        placed.append((x_in, row, handle))
        x_in += entry_in
    rows = row + 1
    text_x: list[float] = []
    text_y: list[float] = []
    for key, (left, r, handle) in zip(keys, placed, strict=True):
        y = (bottom_in + (rows - 1 - r) * 0.2) / height_in
        text_x.append((left + handle + 0.08) / width_in)
        text_y.append(y)
        if key.linewidth:
            fig.add_artist(
                Line2D(
                    [left / width_in, (left + handle) / width_in],
                    [y, y],
                    color=key.color,
                    linestyle=key.linestyle,
                    linewidth=key.linewidth,
                    transform=fig.transFigure,
                )
            )
        if key.marker:
            fig.add_artist(
                Line2D(
                    [(left + handle / 2) / width_in],
                    [y],
                    marker=key.marker,
                    markersize=6,
                    color=key.color,
                    markerfacecolor=key.color if key.filled else "none",
                    linestyle="",
                    transform=fig.transFigure,
                )
            )
    batch = TextBatch(
        text_x, text_y, [k.label for k in keys], transform=fig.transFigure, ha="left", size=8.5
    )
    fig.add_artist(batch)


def broken_segments(xs: Sequence[float], y0: float, y1: float) -> tuple[np.ndarray, np.ndarray]:
    """Vertical segments at `xs` from y0 to y1 as one NaN-separated path (one SVG element)."""
    count = len(xs)
    x = np.repeat(np.asarray(xs, float), 3)
    y = np.tile(np.array([y0, y1, np.nan]), count)
    if count:
        x[2::3] = np.nan
    return x, y
