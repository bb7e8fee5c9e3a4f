"""Side effects: the acute heat map (sessions × symptoms) and between-session symptoms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.transforms import blended_transform_factory

from journal.charts._base import (
    DEFAULT_VARIANT,
    DESKTOP,
    GRID,
    INK,
    INK_ON_FILL,
    MUTED,
    NONE_FILL,
    PHONE,
    VERMILLION,
    WIDTH_IN,
    Variant,
    add_text_batch,
    empty_chart,
    figure,
    header_height,
    margins,
    month_label,
    set_day_axis,
    text_width,
    title,
    to_svg,
)
from journal.charts.types import SeverityMatrix, SymptomData

HEATMAP_TITLE = gettext_lazy("Side effects after each session")
SYMPTOMS_TITLE = gettext_lazy("Symptoms between sessions")
# ColorBrewer YlOrBr: sequential, lightness falls monotonically, safe for colour-blind readers.
SEVERITY_COLORS = (NONE_FILL, "#fee391", "#fec44f", "#ec7014", "#8c2d04")
# Level 0's cell follows the theme (and so does its text); the others keep their fills.
SEVERITY_TEXT = (INK, INK_ON_FILL, INK_ON_FILL, "#ffffff", "#ffffff")
# Beyond this the cells get too narrow for their numbers; the table lists every session.
MAX_COLUMNS = 12
PHONE_COLUMNS = 6
SEVERITY_KEY = gettext_lazy("0 None · 1 Mild · 2 Moderate · 3 Severe · 4 Very severe · – not rated")


def _subtitle(shown: int, total: int) -> str:
    """The heat map's subtitle, saying when only the latest sessions fit."""
    subtitle = _("Worst severity since each session, as reported")
    if shown < total:
        subtitle += " " + _("(latest %(shown)s of %(total)s sessions; the table has all)") % {
            "shown": shown,
            "total": total,
        }
    return subtitle


def side_effect_chart(matrix: SeverityMatrix, *, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """Heat map of acute side effects; each cell shows its severity number (0–4)."""
    if not matrix.columns or not matrix.rows:
        return empty_chart(
            str(HEATMAP_TITLE), _("No post-session reports in this period yet."), variant=variant
        )
    if variant.phone:
        return _phone_heat_map(matrix, variant)
    shown = min(len(matrix.columns), MAX_COLUMNS)
    columns = matrix.columns[-shown:]
    rows = matrix.rows
    values = [row[-shown:] for row in matrix.values]
    n_rows, n_cols = len(rows), len(columns)
    height = 1.55 + 0.27 * n_rows
    subtitle = _subtitle(shown, len(matrix.columns))
    with figure(height, variant=variant) as fig:
        title(fig, str(HEATMAP_TITLE), subtitle)
        margins(fig, left=2.45, right=0.15, top=0.75, bottom=0.8)
        ax = fig.add_subplot()
        # One compound path per severity level (five SVG elements, not one per cell); the
        # inset leaves white gaps between cells.
        for level, color in enumerate(SEVERITY_COLORS):
            cells_at = [
                (c, r) for r, row in enumerate(values) for c, v in enumerate(row) if v == level
            ]
            if cells_at:
                ax.add_artist(PathPatch(_squares(cells_at), facecolor=color, edgecolor="none"))
        ax.set_xlim(0, n_cols)
        ax.set_ylim(n_rows, 0)  # first catalogue symptom on top
        ax.set_axis_off()
        cx, cy = np.meshgrid(np.arange(n_cols) + 0.5, np.arange(n_rows) + 0.5)
        flat = [v for row in values for v in row]
        cells = add_text_batch(
            ax,
            cx.ravel(),
            cy.ravel(),
            ["–" if v is None else str(v) for v in flat],
            colors=[MUTED if v is None else SEVERITY_TEXT[v] for v in flat],
            size=9,
            weight="bold",
        )
        cells.set_gid("severity-cells")
        add_text_batch(
            ax,
            [-0.15] * n_rows,
            np.arange(n_rows) + 0.5,
            [_shorten(str(label), 30) for _code, label in rows],
            ha="right",
            size=8.5,
        )
        col_x = np.arange(n_cols) + 0.5
        add_text_batch(
            ax,
            col_x,
            [n_rows + 0.25] * n_cols,
            [str(c.day.day) for c in columns],
            va="top",
            size=8.5,
        )
        add_text_batch(
            ax,
            col_x,
            [n_rows + 0.85] * n_cols,
            [month_label(c.day) for c in columns],
            va="top",
            size=8,
            colors=MUTED,
        )
        fig.text(0.015, 0.12 / height, str(SEVERITY_KEY), fontsize=8.5, color=INK)
        return to_svg(fig, variant)


def _phone_heat_map(matrix: SeverityMatrix, variant: Variant) -> bytes:
    """The heat map on a phone: each symptom's name on its own line above its cells, the
    latest `PHONE_COLUMNS` sessions, the key wrapped under the grid."""
    lk = PHONE
    shown = min(len(matrix.columns), PHONE_COLUMNS)
    columns = matrix.columns[-shown:]
    values = [row[-shown:] for row in matrix.values]
    subtitle = _subtitle(shown, len(matrix.columns))
    heading = str(HEATMAP_TITLE)
    label_h, cell_h = lk.text * 1.45 / 72, 0.32
    row_h = label_h + cell_h
    key_lines = _wrap_key(lk.width - 0.15, lk.text)
    top = header_height(heading, subtitle, lk)
    grid_h = row_h * len(matrix.rows)
    dates_h = 2 * lk.text * 1.35 / 72 + 0.1
    key_h = len(key_lines) * lk.text * 1.4 / 72 + 0.12
    height = top + grid_h + dates_h + key_h
    left, right = 0.06, 0.06
    with figure(height, lk.width, variant) as fig:
        title(fig, heading, subtitle, lk)
        margins(fig, left=left, right=right, top=top, bottom=dates_h + key_h)
        ax = fig.add_subplot()
        ax.set_axis_off()
        n_cols = len(columns)
        ax.set_xlim(0, n_cols)
        ax.set_ylim(grid_h, 0)  # inches from the grid's top, first catalogue symptom on top
        for level, color in enumerate(SEVERITY_COLORS):
            cells_at = [
                (c, r * row_h + label_h)
                for r, row in enumerate(values)
                for c, v in enumerate(row)
                if v == level
            ]
            if cells_at:
                ax.add_artist(
                    PathPatch(_squares(cells_at, height=cell_h), facecolor=color, edgecolor="none")
                )
        cx = [c + 0.5 for _ in values for c in range(n_cols)]
        cy = [r * row_h + label_h + cell_h / 2 for r, row in enumerate(values) for _ in row]
        flat = [v for row in values for v in row]
        cells = add_text_batch(
            ax,
            cx,
            cy,
            ["–" if v is None else str(v) for v in flat],
            colors=[MUTED if v is None else SEVERITY_TEXT[v] for v in flat],
            size=lk.text + 1,
            weight="bold",
        )
        cells.set_gid("severity-cells")
        add_text_batch(
            ax,
            [0.02] * len(matrix.rows),
            [r * row_h + label_h - 0.05 for r in range(len(matrix.rows))],
            [_shorten(str(label), 48) for _code, label in matrix.rows],
            ha="left",
            va="bottom",
            size=lk.text,
        )
        col_x = [c + 0.5 for c in range(n_cols)]
        add_text_batch(
            ax,
            col_x,
            [grid_h + 0.06] * n_cols,
            [str(c.day.day) for c in columns],
            va="top",
            size=lk.text,
        )
        add_text_batch(
            ax,
            col_x,
            [grid_h + 0.06 + lk.text * 1.35 / 72] * n_cols,
            [month_label(c.day) for c in columns],
            va="top",
            size=lk.text,
            colors=MUTED,
        )
        for i, line in enumerate(reversed(key_lines)):
            fig.text(
                0.06 / lk.width,
                (0.12 + i * lk.text * 1.4 / 72) / height,
                line,
                fontsize=lk.text,
                color=INK,
            )
        return to_svg(fig, variant)


def symptom_chart(data: SymptomData, *, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """Between-session symptoms: one band per symptom, worst daily severity 0–4 over time
    (on a phone each symptom's name stands on its own line above its band)."""
    series = [s for s in data.series if s.points]
    heading = str(SYMPTOMS_TITLE)
    if not series:
        return empty_chart(
            heading, _("No between-session symptoms rated in this period yet."), variant=variant
        )
    days = [d for s in series for d, _ in s.points]
    first = data.first_day or min(days)
    n = len(series)
    phone = variant.phone
    subtitle = _("Worst rating per day: 0 None … 4 Very severe")
    # Each symptom gets 0–4 plus a gap (on a phone, plus a line for its name).
    band = 7.0 if phone else 5.0
    if phone:
        top = header_height(heading, subtitle, PHONE) + 0.12
        height = top + 0.85 * n + 0.45
    else:
        top = 0.75
        height = 1.5 + 0.62 * n
    with figure(height, PHONE.width if phone else WIDTH_IN, variant) as fig:
        title(fig, heading, subtitle, PHONE if phone else DESKTOP)
        if phone:
            margins(fig, left=0.12, right=0.25, top=top, bottom=0.45)
        else:
            margins(fig, left=2.45, right=0.2, top=top, bottom=0.45)
        ax = fig.add_subplot()
        ax.set_ylim(-0.6, n * band - (2.2 if phone else 0.4))
        set_day_axis(ax, first, data.last_day, PHONE if phone else DESKTOP)
        ax.spines["left"].set_visible(False)
        ax.set_yticks([])
        label_y: list[float] = []
        for index, item in enumerate(series):
            base = (n - 1 - index) * band  # first symptom on top
            label_y.append(base + 2)
            ax.axhline(base, color=GRID, linewidth=0.8, zorder=0)
            ax.axhline(base + 4, color=GRID, linewidth=0.5, linestyle=":", zorder=0)
            x = np.fromiter((d.toordinal() for d, _ in item.points), float, len(item.points))
            y = np.fromiter((v for _, v in item.points), float, len(item.points)) + base
            ax.plot(
                x,
                y,
                color=VERMILLION,
                linewidth=1.3,
                drawstyle="steps-mid",
                marker="o" if len(x) <= 60 else "",
                markersize=3,
            )
        edge = blended_transform_factory(ax.transAxes, ax.transData)
        if phone:
            add_text_batch(
                ax,
                [0.0] * n,
                [y + 2.7 for y in label_y],
                [_shorten(str(s.label), 48) for s in series],
                ha="left",
                va="bottom",
                size=PHONE.text,
                transform=edge,
            )
        else:
            add_text_batch(
                ax,
                [-0.02] * n,
                label_y,
                [_shorten(str(s.label), 30) for s in series],
                ha="right",
                size=8.5,
                transform=edge,
            )
        add_text_batch(
            ax,
            [1.006] * (2 * n),
            [y - 2 for y in label_y] + [y + 2 for y in label_y],
            ["0"] * n + ["4"] * n,
            ha="left",
            size=PHONE.small if phone else 7,
            colors=MUTED,
            transform=edge,
        )
        return to_svg(fig, variant)


def _squares(cells: Sequence[tuple[int, float]], inset: float = 0.04, height: float = 1.0) -> Path:
    """Unit-wide cells `height` tall at (column, top) as one compound path."""
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)
    corners = corners * (1 - 2 * inset) + inset
    corners[:, 1] *= height
    vertices = np.concatenate([corners + np.array(cell, float) for cell in cells])
    codes = np.tile(
        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY], len(cells)
    )
    return Path(vertices, codes)


def _wrap_key(width_in: float, size: float) -> list[str]:
    """`SEVERITY_KEY` in lines no wider than `width_in`, broken only between its entries."""
    lines: list[str] = []
    for entry in str(SEVERITY_KEY).split(" · "):
        if lines and text_width(f"{lines[-1]} · {entry}", size) <= width_in:
            lines[-1] += f" · {entry}"
        else:
            lines.append(entry)
    return lines


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
