"""Clinic outcomes: the Kaplan–Meier step curve of time to a first response, as SVG."""

from __future__ import annotations

from journal.charts._base import (
    BLUE,
    DEFAULT_VARIANT,
    MUTED,
    Key,
    Variant,
    empty_chart,
    fast_xticks,
    fast_yticks,
    figure,
    legend,
    margins,
    title,
    to_svg,
)
from journal.cohort import CohortFigures

EMPTY_MESSAGE = "No cohort figures: fewer than 5 patients"


def cohort_chart_title(figures: CohortFigures) -> str:
    """The chart's heading, e.g. "PHQ-9: time to first response"."""
    return f"{figures.title}: time to first response"


def cohort_chart(figures: CohortFigures, *, variant: Variant = DEFAULT_VARIANT) -> bytes:
    """Share of the cohort who had responded, by started weeks since the first session (a
    Kaplan–Meier step curve; + marks patients whose follow-up ends there). A desktop drawing
    only (a provider's page), in either theme."""
    variant = Variant("desktop", variant.theme)
    heading = cohort_chart_title(figures)
    shown = figures.shown
    if shown is None:
        return empty_chart(
            heading,
            EMPTY_MESSAGE,
            "Figures are shown once 5 or more patients meet the criteria.",
            variant=variant,
        )
    steps = shown.curve
    last = max((s.time for s in steps), default=0.0)
    xs = [0.0] + [s.time for s in steps]
    ys = [0.0] + [100 * s.responded for s in steps]
    with figure(3.4, variant=variant) as fig:
        title(
            fig,
            heading,
            f"Kaplan–Meier estimate, {shown.n} patients; response: ≥ 50 % below baseline",
        )
        margins(fig, left=0.95, right=0.25, top=0.75, bottom=0.95)
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
        step = max(1, round((last + 1) / 8))
        ticks = list(range(0, int(last) + 1, step))
        fast_xticks(ax, ticks, [str(t) for t in ticks])
        fast_yticks(ax, [0, 25, 50, 75, 100], ["0 %", "25 %", "50 %", "75 %", "100 %"])
        ax.set_xlabel("Weeks since first treatment session (started weeks)", labelpad=16)
        ax.set_ylabel("Patients who had responded", labelpad=36)
        legend(
            fig,
            [
                Key("Had responded (estimate)", BLUE, linewidth=2),
                Key("Follow-up ends (censored)", BLUE, linewidth=0, marker="+"),
                Key("Half of the cohort", MUTED, linestyle="--", linewidth=1),
            ],
        )
        return to_svg(fig, variant)
