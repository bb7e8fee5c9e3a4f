"""Charts: pure functions from plain data (`journal.charts.types`) to SVG bytes.

Drawn with matplotlib's object-oriented API on an SVG canvas, never pyplot, so no global
figure state exists and nothing leaks between requests. `CHARTS` names every chart, the share
category its data belongs to, and its renderer; bump `CHART_VERSION` whenever a drawing
changes so cached pictures are replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from django.utils.translation import gettext, gettext_noop

from journal.charts._base import DEFAULT_VARIANT, Variant, parse_variant, variant_srcs
from journal.charts.blood_pressure import blood_pressure_chart
from journal.charts.mood import durability_chart, mood_chart
from journal.charts.questionnaires import questionnaire_chart
from journal.charts.side_effects import side_effect_chart, symptom_chart

CHART_VERSION = "5"

Data = TypeVar("Data")
Data_contra = TypeVar("Data_contra", contravariant=True)


class Renderer(Protocol[Data_contra]):
    """A chart function: its data to SVG bytes, in any `Variant` (size, theme)."""

    def __call__(self, data: Data_contra, /, *, variant: Variant = ...) -> bytes: ...


@dataclass(frozen=True)
class ChartSpec(Generic[Data]):
    """A chart: its name, its title and alt text (English, marked for translation; `title`
    and `alt` read them in the active language), its share category and its renderer."""

    name: str
    title_text: str
    category: str  # a ShareCategory value
    render: Renderer[Data]
    alt_text: str

    @property
    def title(self) -> str:
        return gettext(self.title_text)

    @property
    def alt(self) -> str:
        return gettext(self.alt_text)


# Each chart takes its own kind of data, looked up by name (`DashboardData.for_chart`).
CHARTS: dict[str, ChartSpec[Any]] = {
    spec.name: spec
    for spec in (
        ChartSpec(
            "mood",
            gettext_noop("Mood over time"),
            "mood",
            mood_chart,
            gettext_noop("Line chart of daily mood with a 7-day average and session days marked."),
        ),
        ChartSpec(
            "durability",
            gettext_noop("Mood after each session"),
            "mood",
            durability_chart,
            gettext_noop(
                "Line chart of mood against days since each session, one line per session."
            ),
        ),
        ChartSpec(
            "questionnaires",
            gettext_noop("PHQ-9 and GAD-7"),
            "mood",
            questionnaire_chart,
            gettext_noop(
                "Line charts of PHQ-9 and GAD-7 totals over time against their severity bands."
            ),
        ),
        ChartSpec(
            "side-effects",
            gettext_noop("Side effects after sessions"),
            "side_effects",
            side_effect_chart,
            gettext_noop(
                "Grid of side effects by session, each cell showing its severity from 0 to 4."
            ),
        ),
        ChartSpec(
            "symptoms",
            gettext_noop("Symptoms between sessions"),
            "side_effects",
            symptom_chart,
            gettext_noop(
                "Step charts of between-session symptoms, worst severity per day from 0 to 4."
            ),
        ),
        ChartSpec(
            "blood-pressure",
            gettext_noop("Blood pressure"),
            "blood_pressure",
            blood_pressure_chart,
            gettext_noop(
                "Systolic and diastolic blood pressure per session, each in its own panel "
                "with its clinic flag levels, before and after dose."
            ),
        ),
    )
}

# The one order charts appear in: the Trends page, the provider summary and the PDF.
CHART_ORDER: tuple[str, ...] = (
    "mood",
    "durability",
    "side-effects",
    "symptoms",
    "blood-pressure",
    "questionnaires",
)
# Printed summaries keep to one page: mood and blood pressure only.
PRINT_CHARTS: frozenset[str] = frozenset({"mood", "blood-pressure"})
# The same drawings at the PDF's text width (`_base.PRINT_WIDTH_IN`), placed there unscaled.
PRINT_RENDER: dict[str, Callable[[Any], bytes]] = {
    "mood": partial(mood_chart, printed=True),
    "blood-pressure": partial(blood_pressure_chart, printed=True),
}

__all__ = [
    "CHARTS",
    "CHART_ORDER",
    "CHART_VERSION",
    "DEFAULT_VARIANT",
    "PRINT_CHARTS",
    "PRINT_RENDER",
    "ChartSpec",
    "Variant",
    "blood_pressure_chart",
    "durability_chart",
    "mood_chart",
    "parse_variant",
    "questionnaire_chart",
    "side_effect_chart",
    "symptom_chart",
    "variant_srcs",
]
