"""PHQ-9 and GAD-7 totals over time, against their standard bands."""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.patches import Rectangle
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from journal.charts._base import (
    BAND_SHADES,
    BLUE,
    DEFAULT_VARIANT,
    INK,
    Variant,
    add_text_batch,
    empty_chart,
    fast_yticks,
    figure,
    header_height,
    look,
    margins,
    set_day_axis,
    text_width,
    title,
    to_svg,
)
from journal.charts.types import QuestionnaireData

QUESTIONNAIRE_TITLE = gettext_lazy("PHQ-9 and GAD-7 scores")
ROW_HEIGHT = 1.9
PHONE_ROW_HEIGHT = 2.5
SUBTITLE = gettext_lazy(
    "Higher scores mean more symptoms; shaded bands are the standard severity ranges"
)


def questionnaire_chart(data: QuestionnaireData, *, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """One panel per questionnaire with its bands shaded and named; totals as a line (on a
    phone each band's name and range on two lines)."""
    series = [s for s in data.series if s.points]
    heading, subtitle = str(QUESTIONNAIRE_TITLE), str(SUBTITLE)
    if not series:
        return empty_chart(
            heading,
            _("No PHQ-9 or GAD-7 questionnaires in this period yet."),
            variant=variant,
        )
    lk = look(variant)
    first = data.first_day or min(p[0] for s in series for p in s.points)
    if lk.phone:
        top = header_height(heading, subtitle, lk) + 0.25
        height = top + PHONE_ROW_HEIGHT * len(series) - 0.3 + 0.45
    else:
        top = 0.75
        height = 1.2 + ROW_HEIGHT * len(series)
    with figure(height, lk.width, variant) as fig:
        title(fig, heading, subtitle, lk)
        # On a phone the bands' names (the longest one line) set the right margin.
        names = [str(b.label) for item in series for b in item.bands]
        right = max(text_width(n, lk.text) for n in names) + 0.16 if lk.phone else 1.45
        margins(fig, left=0.45 if not lk.phone else 0.36, right=right, top=top, bottom=0.45)
        axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)[:, 0]
        fig.subplots_adjust(hspace=0.35 if not lk.phone else 0.3 / (PHONE_ROW_HEIGHT - 0.3))
        for ax, item in zip(axes, series, strict=True):
            ax.set_ylim(0, item.max_total)
            fast_yticks(
                ax,
                sorted({0, item.max_total, *(b.low for b in item.bands)}),
                grid=False,
                size=lk.text,
            )
            edge = blended_transform_factory(ax.transAxes, ax.transData)
            for band, shade in zip(item.bands, BAND_SHADES, strict=False):
                low = band.low - 0.5 if band.low else 0
                high = min(band.high + 0.5, item.max_total)
                # add_artist, not axhspan: limits are fixed, so skip autoscaling work.
                ax.add_artist(
                    Rectangle(
                        (0, low),
                        1,
                        high - low,
                        transform=edge,
                        facecolor=shade,
                        linewidth=0,
                        zorder=0,
                    )
                )
            middles = [
                (max(b.low - 0.5, 0) + min(b.high + 0.5, item.max_total)) / 2 for b in item.bands
            ]
            if lk.phone:
                # Name above the band's middle, range below, 1.5 px apart from it.
                for names, va, shift in (
                    ([str(b.label) for b in item.bands], "bottom", 1.5),
                    ([f"{b.low}–{b.high}" for b in item.bands], "top", -1.5),
                ):
                    add_text_batch(
                        ax,
                        [1.02] * len(item.bands),
                        middles,
                        names,
                        ha="left",
                        va=va,
                        size=lk.text,
                        transform=edge + ScaledTranslation(0, shift / 72, fig.dpi_scale_trans),
                    )
            else:
                add_text_batch(
                    ax,
                    [1.01] * len(item.bands),
                    middles,
                    [f"{b.label} {b.low}–{b.high}" for b in item.bands],
                    ha="left",
                    size=7.5,
                    transform=edge,
                )
            x = np.fromiter((p[0].toordinal() for p in item.points), float, len(item.points))
            y = np.fromiter((p[1] for p in item.points), float, len(item.points))
            ax.plot(x, y, color=BLUE, linewidth=1.8, marker="o", markersize=5)
            if len(x) <= 20:
                add_text_batch(
                    ax,
                    x,
                    y + item.max_total * 0.05,
                    [str(p[1]) for p in item.points],
                    va="bottom",
                    size=8 if not lk.phone else lk.text,
                    colors=INK,
                )
            add_text_batch(
                ax,
                [0.0],
                [1.03],
                [str(item.title)],
                ha="left",
                va="bottom",
                size=10 if not lk.phone else lk.text,
                weight="bold",
                transform=ax.transAxes,
            )
            if ax is not axes[-1]:
                ax.set_xticks([])
        set_day_axis(axes[-1], first, data.last_day, lk)
        return to_svg(fig, variant)
