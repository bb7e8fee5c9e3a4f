"""Shared plumbing for the chart modules: figure set-up, SVG output, fast text, day axes.

Speed matters (a chart is drawn on a request): no pyplot, no layout engines, margins set by
hand, text kept as SVG text, and many labels drawn by one `TextBatch` artist instead of one
`Text` artist each (a `Text` costs about half a millisecond to lay out).

Every chart comes in variants (`Variant`): a desktop or a phone size, a light or a dark theme.
A phone chart is its own layout (`Look`), drawn 1:1 at `PHONE_WIDTH_PX` CSS pixels so that its
text keeps its size on the screen; the dark theme is the light drawing with its palette swapped
(`DARK_COLORS`) on a dark background.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib
import numpy as np
from django.utils import dateformat
from django.utils.translation import gettext as _
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.textpath import text_to_path
from matplotlib.transforms import (
    IdentityTransform,
    ScaledTranslation,
    Transform,
    blended_transform_factory,
)
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
# Dark text on a light fill (heat-map cells): the same in both themes, as the fill is.
INK_ON_FILL = "#1c1f23"
# The daily mood line: quieter than the average drawn over it.
DAILY = "#7a8a99"
# Questionnaire severity bands, light to darker grey: band order reads from lightness alone.
BAND_SHADES = ("#f8f9fa", "#eceef0", "#dcdfe3", "#c9cdd2", "#b5bac0")
# Heat-map cell of severity 0 (None); the other levels are their own colours in both themes.
NONE_FILL = "#f7f7f7"
LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#1a1d20"  # a shade under Bootstrap 5.3's dark body (#212529, which is INK)
# The dark theme's palette: every light colour that would vanish (or glare) on a dark
# background, and its replacement. Other colours (Okabe–Ito, the heat map's fills) keep.
DARK_COLORS: dict[str, str] = {
    INK: "#dee2e6",
    "#000000": "#dee2e6",
    MUTED: "#adb5bd",
    GRID: "#495057",
    BLUE: "#56b4e9",
    DAILY: "#8fa3b5",
    NONE_FILL: "#343a40",
    # Bands: darker to lighter grey, so the order still reads from lightness alone.
    **dict(zip(BAND_SHADES, ("#2b3035", "#343a40", "#3f464d", "#4b535b", "#59626b"), strict=True)),
}

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
    "text.color": INK,
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


# A phone chart's width in CSS pixels: a 360 px screen less the page's padding (12 px a side),
# so on any common phone the browser shows it unscaled and 11 px text stays 11 px.
PHONE_WIDTH_PX = 336
PHONE_WIDTH_IN = PHONE_WIDTH_PX / 72
SIZES = ("desktop", "phone")
THEMES = ("light", "dark")


@dataclass(frozen=True, slots=True)
class Variant:
    """Which drawing of a chart: `size` "desktop" or "phone", `theme` "light" or "dark"."""

    size: str = "desktop"
    theme: str = "light"

    def __post_init__(self) -> None:
        if self.size not in SIZES or self.theme not in THEMES:
            raise ValueError(f"No chart variant {self.size!r}/{self.theme!r}")

    @property
    def phone(self) -> bool:
        return self.size == "phone"

    @property
    def dark(self) -> bool:
        return self.theme == "dark"

    @property
    def key(self) -> str:
        """Part of every cache key of a drawn chart: "desktop-light", "phone-dark"."""
        return f"{self.size}-{self.theme}"


DEFAULT_VARIANT = Variant()


def variant_srcs(src: str) -> dict[str, str]:
    """The URL of each other drawing of the chart at `src`: "phone", "dark" and
    "phone_dark", for the `<picture>` sources of `_chart_img.html`."""
    join = "&" if "?" in src else "?"
    return {
        "phone": f"{src}{join}size=phone",
        "dark": f"{src}{join}theme=dark",
        "phone_dark": f"{src}{join}size=phone&theme=dark",
    }


def parse_variant(size: str | None, theme: str | None) -> Variant:
    """The variant named by a chart URL's `size` and `theme` (absent: desktop, light);
    ValueError for any other value."""
    return Variant(size if size is not None else "desktop", theme if theme is not None else "light")


@dataclass(frozen=True, slots=True)
class Look:
    """Sizes of one layout, in inches and points (at 72 dpi a point is a CSS pixel)."""

    width: float
    text: float  # tick labels, legend, labels in the plot
    small: float  # the smallest text: secondary notes
    heading: float
    subheading: float
    max_ticks: int  # day-axis labels at most
    phone: bool = False


DESKTOP = Look(WIDTH_IN, text=9, small=7.5, heading=12, subheading=9, max_ticks=6)
PHONE = Look(PHONE_WIDTH_IN, text=11, small=11, heading=13, subheading=11, max_ticks=4, phone=True)


def look(variant: Variant) -> Look:
    """The layout sizes of a variant."""
    return PHONE if variant.phone else DESKTOP


@contextmanager
def figure(
    height_in: float, width_in: float = WIDTH_IN, variant: Variant = DEFAULT_VARIANT
) -> Iterator[Figure]:
    """A bare SVG figure under the chart style; never registered with pyplot."""
    background = DARK_BACKGROUND if variant.dark else LIGHT_BACKGROUND
    rc = {**RC, "figure.facecolor": background, "axes.facecolor": background}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(width_in, height_in), dpi=72)
        FigureCanvasSVG(fig)
        yield fig


_HEX = re.compile(rb"#[0-9a-fA-F]{6}\b")
_DARK_BYTES = {k.lower().encode(): v.lower().encode() for k, v in DARK_COLORS.items()}
# matplotlib sizes an SVG in points; a phone chart is sized in CSS pixels (1 unit = 1 px).
_SIZE_IN_PT = re.compile(rb'<svg ([^>]*?)width="([\d.]+)pt" height="([\d.]+)pt"')


def to_svg(fig: Figure, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """Serialise a figure as SVG bytes without a timestamp (equal input, equal output); a phone
    variant sized in CSS pixels, a dark one with its palette swapped."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    if variant.phone:
        svg = _SIZE_IN_PT.sub(rb'<svg \1width="\2" height="\3"', svg, count=1)
    if variant.dark:
        svg = _HEX.sub(lambda m: _DARK_BYTES.get(m.group().lower(), m.group()), svg)
    return svg


def text_width(text: str, size: float, weight: str = "normal") -> float:
    """The width of one line of chart text, in inches."""
    prop = FontProperties(family=["DejaVu Sans"], size=size, weight=weight)
    width, _, _ = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def wrap(text: str, width_in: float, size: float, weight: str = "normal") -> list[str]:
    """`text` in lines no wider than `width_in` (a word longer than that keeps its own line)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", size, weight) <= width_in:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def header_height(text: str, subtitle: str, lk: Look) -> float:
    """The height the phone header (`title`) takes, inches; desktop headers fit a fixed top."""
    lines = wrap(text, lk.width - 0.15, lk.heading, "bold")
    height = 0.12 + len(lines) * lk.heading * 1.3 / 72
    if subtitle:
        height += len(wrap(subtitle, lk.width - 0.15, lk.subheading)) * lk.subheading * 1.3 / 72
    return height + 0.08


def title(fig: Figure, text: str, subtitle: str = "", lk: Look = DESKTOP) -> None:
    """A left-aligned title (and optional muted subtitle) in the figure's top margin; on a
    phone both wrap to the width."""
    height = fig.get_figheight()
    if not lk.phone:
        fig.text(0.015, 1 - 0.28 / height, text, fontsize=12, fontweight="bold", color=INK)
        if subtitle:
            fig.text(0.015, 1 - 0.5 / height, subtitle, fontsize=9, color=MUTED)
        return
    width = fig.get_figwidth()
    y = 0.12
    for line in wrap(text, lk.width - 0.15, lk.heading, "bold"):
        y += lk.heading * 1.3 / 72
        fig.text(
            0.06 / width,
            1 - (y - 0.04) / height,
            line,
            fontsize=lk.heading,
            fontweight="bold",
            color=INK,
        )
    if subtitle:
        for line in wrap(subtitle, lk.width - 0.15, lk.subheading):
            y += lk.subheading * 1.3 / 72
            fig.text(
                0.06 / width, 1 - (y - 0.04) / height, line, fontsize=lk.subheading, color=MUTED
            )


def empty_chart(
    heading: str,
    message: str = "",
    hint: str = "",
    variant: Variant = DEFAULT_VARIANT,
) -> bytes:
    """A friendly picture for a period without data (still a valid SVG); the words are in the
    active language (`message` and `hint` default to generic ones)."""
    heading = str(heading)
    message = str(message) if message else _("Nothing to show yet.")
    hint = str(hint) if hint else _("Entries you log will appear here.")
    lk = look(variant)
    if not lk.phone:
        with figure(1.6, variant=variant) as fig:
            title(fig, heading)
            fig.text(0.5, 0.45, message, ha="center", va="center", fontsize=12, color=INK)
            fig.text(0.5, 0.22, hint, ha="center", va="center", fontsize=10, color=MUTED)
            return to_svg(fig, variant)
    top = header_height(heading, "", lk)
    messages = wrap(message, lk.width - 0.3, 12)
    hints = wrap(hint, lk.width - 0.3, lk.text)
    body = [(line, 12, INK) for line in messages] + [(line, lk.text, MUTED) for line in hints]
    height = top + 0.15 + sum(size * 1.4 / 72 for _, size, _ in body) + 0.15
    with figure(height, lk.width, variant) as fig:
        title(fig, heading, "", lk)
        y = top + 0.15
        for line, size, color in body:
            y += size * 1.4 / 72
            fig.text(0.5, 1 - (y - 0.05) / height, line, ha="center", fontsize=size, color=color)
        return to_svg(fig, variant)


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


def month_label(day: date, with_year: bool = False) -> str:
    """'Mar' (or 'Mar 2025'), the month's short name in the active language ('Mar', 'Abr')."""
    return dateformat.format(day, "M Y" if with_year else "M")


def day_label(day: date, with_year: bool = False) -> str:
    """'3 Mar' (or '3 Mar 2025'): short, unambiguous, no leading zero; the month's short
    name in the active language."""
    return dateformat.format(day, "j M Y" if with_year else "j M")


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
        month_label(d, with_year=multi_year and (i == 0 or d.month == 1))
        for i, d in enumerate(ticks)
    ]
    return [d.toordinal() for d in ticks], labels


def set_day_axis(ax: Axes, first: date, last: date, lk: Look = DESKTOP) -> None:
    """Limit and label the x axis to whole local days `first`..`last`."""
    ax.set_xlim(first.toordinal() - 0.5, last.toordinal() + 0.5)
    positions, labels = day_ticks(first, last, lk.max_ticks)
    fast_xticks(ax, positions, labels, lk.text)


def fast_xticks(
    ax: Axes, positions: Sequence[float], labels: Sequence[str], size: float = 9
) -> None:
    """X tick marks and labels without matplotlib `Tick` objects (each is costly to build);
    the labels hang 0.08 inch below the axis, whatever the panel's height."""
    ax.set_xticks([])
    below = blended_transform_factory(ax.transData, ax.transAxes)
    x, y = broken_segments(positions, 0.0, -0.025)
    ax.plot(x, y, color=MUTED, linewidth=0.8, transform=below, clip_on=False)
    # The first and last labels turn inward rather than run off the figure's edge.
    has = ["center"] * len(positions)
    if positions:
        lo, hi = ax.get_xlim()
        box = ax.get_position()
        fig_w = float(ax.get_figure(root=True).get_figwidth())  # type: ignore[union-attr]
        # Phone text is large against its margins: keep the first label clear of the y labels.
        left_edge = box.x0 * fig_w - 0.02 if size > 9 else 0.04
        for i in (0, len(positions) - 1):
            centre = (box.x0 + (positions[i] - lo) / (hi - lo) * box.width) * fig_w
            half = text_width(labels[i], size) / 2
            if centre - half < left_edge:
                has[i] = "left"
            elif centre + half > fig_w - 0.04:
                has[i] = "right"
    shift = ax.transAxes + ScaledTranslation(0, -0.08, ax.figure.dpi_scale_trans)
    for ha in dict.fromkeys(has):
        picked = [i for i, h in enumerate(has) if h == ha]
        add_text_batch(
            ax,
            [positions[i] for i in picked],
            [0.0] * len(picked),
            [labels[i] for i in picked],
            va="top",
            ha=ha,
            size=size,
            transform=blended_transform_factory(ax.transData, shift),
        )


def fast_yticks(
    ax: Axes,
    positions: Sequence[float],
    labels: Sequence[str] | None = None,
    grid: bool = True,
    size: float = 9,
) -> None:
    """Y tick labels (and light grid lines) without matplotlib `Tick` objects."""
    ax.set_yticks([])
    left = blended_transform_factory(ax.transAxes, ax.transData)
    if grid:
        y, x = broken_segments(positions, 0.0, 1.0)
        ax.plot(x, y, color=GRID, linewidth=0.6, transform=left, zorder=0.5)
    texts = [str(p) for p in positions] if labels is None else labels
    add_text_batch(
        ax, [-0.012] * len(positions), positions, texts, ha="right", size=size, transform=left
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


def _legend_rows(
    width_in: float, keys: Sequence[Key], size: float
) -> list[tuple[float, int, float]]:
    """(handle left, row, handle width) of each key, inches, wrapped to `width_in`."""
    x_in, row = 0.1, 0
    placed: list[tuple[float, int, float]] = []
    for key in keys:
        handle = 0.34 if key.linewidth else 0.16
        entry_in = handle + 0.08 + text_width(key.label, size) + 0.22
        if x_in + entry_in - 0.17 > width_in - 0.05 and x_in > 0.1:
            x_in, row = 0.1, row + 1
        placed.append((x_in, row, handle))
        x_in += entry_in
    return placed


def legend_height(width_in: float, keys: Sequence[Key], size: float = 8.5) -> float:
    """The height of the legend's rows (`legend`), inches."""
    if not keys:
        return 0.0
    rows = _legend_rows(width_in, keys, size)[-1][1] + 1
    return rows * size * 1.7 / 72


def legend(fig: Figure, keys: Sequence[Key], bottom_in: float = 0.12, size: float = 8.5) -> None:
    """A compact legend in the bottom margin, wrapped into rows (cheaper than `Legend`)."""
    width_in, height_in = fig.get_size_inches()
    placed = _legend_rows(width_in, keys, size)
    rows = placed[-1][1] + 1 if placed else 0
    step = size * 1.7 / 72
    text_x: list[float] = []
    text_y: list[float] = []
    for key, (left, r, handle) in zip(keys, placed, strict=True):
        y = (bottom_in + (rows - 1 - r) * step) / height_in
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
        text_x, text_y, [k.label for k in keys], transform=fig.transFigure, ha="left", size=size
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
