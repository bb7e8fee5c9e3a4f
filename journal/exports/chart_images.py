"""The SVG charts for the PDF (mood and blood pressure): the pages' own drawings, from the
same chart data, at the PDF's text width (`journal.charts.PRINT_RENDER`).

Kept apart from the pure PDF module: this reads the database (through `journal.chartdata`).
A chart that cannot be drawn is left out (the PDF's tables still hold the numbers).
"""

from __future__ import annotations

import logging

from journal.charts import CHART_ORDER, CHARTS, PRINT_RENDER
from journal.exports.data import ExportData
from journal.exports.pdf import ChartImage
from journal.permissions import Scope

logger = logging.getLogger(__name__)

PDF_CHARTS = tuple((name, CHARTS[name].category) for name in CHART_ORDER if name in PRINT_RENDER)


def pdf_chart_images(scope: Scope, data: ExportData) -> list[ChartImage]:
    """SVG charts for `data`'s period within `scope` (none outside its categories, nothing
    before its first day, so a provider's chart never reaches before the share)."""
    from django.utils import timezone

    from journal.chartdata import chart_data, local_day, make_period

    zone = scope.patient.zone
    first = data.start
    if scope.not_before is not None and (first is None or first < scope.not_before):
        first = scope.not_before
    last = data.end or local_day(timezone.now(), zone)
    period = make_period(first, last, zone, key=f"export:{first}:{last}")
    images = []
    for name, category in PDF_CHARTS:
        if not data.has(category):
            continue
        try:
            svg = PRINT_RENDER[name](chart_data(scope.narrowed({category}), name, period))
        except Exception:  # a chart failure must not cost the person their summary
            logger.exception("chart %s could not be drawn for the PDF", name)
            continue
        images.append(ChartImage(title=name, svg=svg, category=category))
    return images
