"""Clinic outcomes: the Kaplan–Meier step curve of time to a first response, as SVG."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from matplotlib.transforms import ScaledTranslation

from journal.charts._base import (
    BLUE,
    DEFAULT_VARIANT,
    MUTED,
    Key,
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
    text_width,
    title,
    to_svg,
    wrap,
)
from journal.cohort import CohortFigures

# In English here (tests read it); drawn through gettext, in the active language.
EMPTY_MESSAGE = gettext_noop("No cohort figures: fewer than 5 patients")


def cohort_chart_title(figures: CohortFigures) -> str:
    """The chart's heading, e.g. "PHQ-9: time to first response"."""
    return _("%(instrument)s: time to first response") % {"instrument": figures.title}


X_LABEL = gettext_lazy("Weeks since first treatment session (started weeks)")
Y_LABEL = gettext_lazy("Patients who had responded")
PHONE_PLOT_IN = 2.6  # the plot's height on a phone, inches (1 in = 72 CSS px there)


def cohort_chart(figures: CohortFigures, *, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """Share of the cohort who had responded, by started weeks since the first session (a
    Kaplan–Meier step curve; + marks patients whose follow-up ends there), in either size and
    theme (on a phone the axis name wraps under the plot and the text is 11 px)."""
    heading = cohort_chart_title(figures)
    shown = figures.shown
    if shown is None:
        return empty_chart(
            heading,
            _(EMPTY_MESSAGE),
            _("Figures are shown once 5 or more patients meet the criteria."),
            variant=variant,
        )
    lk = look(variant)
    steps = shown.curve
    last = max((s.time for s in steps), default=0.0)
    xs = [0.0] + [s.time for s in steps]
    ys = [0.0] + [100 * s.responded for s in steps]
    subtitle = _("Kaplan–Meier estimate, %(n)s patients; response: ≥ 50 %% below baseline") % {
        "n": shown.n
    }
    keys = [
        Key(_("Had responded (estimate)"), BLUE, linewidth=2),
        Key(_("Follow-up ends (censored)"), BLUE, linewidth=0, marker="+"),
        Key(_("Half of the cohort"), MUTED, linestyle="--", linewidth=1),
    ]
    x_label, y_label = str(X_LABEL), str(Y_LABEL)
    height, top, left, bottom = 3.4, 0.75, 0.95, 0.95
    x_lines = [x_label]
    if lk.phone:
        x_lines = wrap(x_label, lk.width - 0.3, lk.text)
        top = header_height(heading, subtitle, lk) + 0.1
        bottom = 0.3 + len(x_lines) * lk.text * 1.4 / 72 + 0.1
        bottom += legend_height(lk.width, keys, lk.text) + 0.1
        left = text_width("100 %", lk.text) + 0.1 + lk.text * 1.6 / 72
        height = top + PHONE_PLOT_IN + bottom
    with figure(height, lk.width, variant) as fig:
        title(fig, heading, subtitle, lk)
        margins(fig, left=left, right=0.25 if not lk.phone else 0.15, top=top, bottom=bottom)
        ax = fig.add_subplot()
        ax.set_xlim(0, max(last, 1) + 0.5)
        ax.set_ylim(0, 100)
        ax.axhline(50, color=MUTED, linestyle="--", linewidth=1)
        ax.step(xs, ys, where="post", color=BLUE, linewidth=2)
        censored = [(s.time, 100 * s.responded) for s in steps if s.censored]
        if censored:
            ax.plot(
                [c[0] for c in censored],
                [c[1] for c in censored],
                linestyle="",
                marker="+",
                markersize=9,
                color=BLUE,
            )
        step = max(1, round((last + 1) / (4 if lk.phone else 8)))
        ticks = list(range(0, int(last) + 1, step))
        size = lk.text if lk.phone else 9
        fast_xticks(ax, ticks, [str(t) for t in ticks], size=size)
        fast_yticks(ax, [0, 25, 50, 75, 100], ["0 %", "25 %", "50 %", "75 %", "100 %"], size=size)
        if not lk.phone:
            ax.set_xlabel(x_label, labelpad=16)
            ax.set_ylabel(y_label, labelpad=36)
            legend(fig, keys)
            return to_svg(fig, variant)
        ax.set_ylabel(y_label, fontsize=lk.text, labelpad=text_width("100 %", lk.text) * 72 + 6)
        for i, line in enumerate(x_lines):
            under = ax.transAxes + ScaledTranslation(
                0, -0.3 - i * lk.text * 1.4 / 72, fig.dpi_scale_trans
            )
            add_text_batch(ax, [0.5], [0.0], [line], size=lk.text, transform=under, va="top")
        legend(fig, keys, 0.12, lk.text)
        return to_svg(fig, variant)
