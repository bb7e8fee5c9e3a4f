"""Side effects: the acute heat map (sessions × symptoms) and between-session symptoms."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.transforms import blended_transform_factory

from journal.charts._base import (
    GRID,
    INK,
    MUTED,
    VERMILLION,
    add_text_batch,
    empty_chart,
    figure,
    margins,
    set_day_axis,
    title,
    to_svg,
)
from journal.charts.types import SeverityMatrix, SymptomData

HEATMAP_TITLE = "Side effects after each session"
SYMPTOMS_TITLE = "Symptoms between sessions"
# ColorBrewer YlOrBr: sequential, lightness falls monotonically, safe for colour-blind readers.
SEVERITY_COLORS = ("#f7f7f7", "#fee391", "#fec44f", "#ec7014", "#8c2d04")
SEVERITY_TEXT = (INK, INK, INK, "#ffffff", "#ffffff")
# Beyond this the cells get too narrow for their numbers; the table lists every session.
MAX_COLUMNS = 12
SEVERITY_KEY = "0 None · 1 Mild · 2 Moderate · 3 Severe · 4 Very severe · – not rated"


def side_effect_chart(matrix: SeverityMatrix) -> bytes:
    """Heat map of acute side effects; each cell shows its severity number (0–4)."""
    if not matrix.columns or not matrix.rows:
        return empty_chart(HEATMAP_TITLE, "No post-session reports in this period yet.")
    shown = min(len(matrix.columns), MAX_COLUMNS)
    columns = matrix.columns[-shown:]
    rows = matrix.rows
    values = [row[-shown:] for row in matrix.values]
    n_rows, n_cols = len(rows), len(columns)
    height = 1.55 + 0.27 * n_rows
    subtitle = "Worst severity since each session, as reported"
    if shown < len(matrix.columns):
        subtitle += f" (latest {shown} of {len(matrix.columns)} sessions; the table has all)"
    with figure(height) as fig:
        title(fig, HEATMAP_TITLE, subtitle)
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
            [_shorten(label, 30) for _, label in rows],
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
            [f"{c.day:%b}" for c in columns],
            va="top",
            size=8,
            colors=MUTED,
        )
        fig.text(0.015, 0.12 / height, SEVERITY_KEY, fontsize=8.5, color=INK)
        return to_svg(fig)


def symptom_chart(data: SymptomData) -> bytes:
    """Between-session symptoms: one band per symptom, worst daily severity 0–4 over time."""
    series = [s for s in data.series if s.points]
    if not series:
        return empty_chart(SYMPTOMS_TITLE, "No between-session symptoms rated in this period yet.")
    days = [d for s in series for d, _ in s.points]
    first = data.first_day or min(days)
    n = len(series)
    band = 5.0  # each symptom gets 0–4 plus a gap
    height = 1.5 + 0.62 * n
    with figure(height) as fig:
        title(fig, SYMPTOMS_TITLE, "Worst rating per day: 0 None … 4 Very severe")
        margins(fig, left=2.45, right=0.2, top=0.75, bottom=0.45)
        ax = fig.add_subplot()
        ax.set_ylim(-0.6, n * band - 0.4)
        set_day_axis(ax, first, data.last_day)
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
        add_text_batch(
            ax,
            [-0.02] * n,
            label_y,
            [_shorten(s.label, 30) for s in series],
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
            size=7,
            colors=MUTED,
            transform=edge,
        )
        return to_svg(fig)


def _squares(cells: list[tuple[int, int]], inset: float = 0.04) -> Path:
    """Unit squares at (column, row) as one compound path."""
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)
    corners = corners * (1 - 2 * inset) + inset
    vertices = np.concatenate([corners + np.array(cell, float) for cell in cells])
    codes = np.tile(
        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY], len(cells)
    )
    return Path(vertices, codes)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
