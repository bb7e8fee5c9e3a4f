"""The SVG charts for the PDF (mood and blood pressure): the pages' own drawings, from the
same chart data, at the PDF's text width (`journal.charts.PRINT_RENDER`).

Kept apart from the pure PDF module: this reads the database (through `journal.chartdata`) and
the cache. Drawing a chart (matplotlib) and converting it for ReportLab (svglib) cost most of a
PDF, so both are cached together under the patient's data version, like the pages' charts
(`chartdata.chart_svg`): a repeat download of unchanged data costs one aggregate query per PDF.
A chart that cannot be drawn is left out (the PDF's tables still hold the numbers).
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from journal.charts import CHART_ORDER, CHARTS, PRINT_RENDER
from journal.exports.data import ExportData, export_key
from journal.exports.pdf import ChartImage, LayoutMemo, svg_drawing
from journal.permissions import Scope

logger = logging.getLogger(__name__)

PDF_CHARTS = tuple((name, CHARTS[name].category) for name in CHART_ORDER if name in PRINT_RENDER)


def pdf_chart_images(scope: Scope, data: ExportData) -> list[ChartImage]:
    """SVG charts for `data`'s period within `scope` (none outside its categories, nothing
    before its first day, so a provider's chart never reaches before the share), each with its
    drawing for the PDF (a fresh copy from the cache: the layout places it)."""
    from django.utils import timezone

    from journal.chartdata import (
        CHART_CACHE_SECONDS,
        chart_data,
        data_version,
        local_day,
        make_period,
        scope_prefix,
        version_key,
    )

    zone = scope.patient.zone
    first = data.start
    if scope.not_before is not None and (first is None or first < scope.not_before):
        first = scope.not_before
    last = data.end or local_day(timezone.now(), zone)
    period = make_period(first, last, zone, key=f"export:{first}:{last}")
    wanted = [(name, category) for name, category in PDF_CHARTS if data.has(category)]
    version = data_version(scope.patient) if wanted else ""
    images = []
    for name, category in wanted:
        narrowed = scope.narrowed({category})
        key = version_key(scope_prefix(f"pdfchart:{name}", narrowed), narrowed, period, version)
        cached = cache.get(key)
        if cached is None:
            try:
                svg = PRINT_RENDER[name](chart_data(narrowed, name, period))
                cached = (svg, svg_drawing(svg))
            except Exception:  # a chart failure must not cost the person their summary
                logger.exception("chart %s could not be drawn for the PDF", name)
                continue
            cache.set(key, cached, CHART_CACHE_SECONDS)
        svg, drawing = cached
        images.append(ChartImage(title=name, svg=svg, category=category, drawing=drawing))
    return images


def pdf_layout_memo(
    scope: Scope, data: ExportData, clinic_name: str, charts: list[ChartImage]
) -> LayoutMemo:
    """Where the PDF summary remembers how many rows each table got, under everything the
    layout depends on: what decides its data (`export_key`), the PDF module's code, the clinic's
    name, the charts drawn, the creation day and its time-zone label (both are written in the
    header)."""
    import hashlib

    from journal.chartdata import CHART_CACHE_SECONDS, code_digest
    from journal.exports import pdf
    from journal.timefmt import zone_label

    zone = zone_label(data.generated_at, data.zone)
    words = "|".join([clinic_name, zone, *(chart.title for chart in charts)])
    key = (
        f"pdflayout:{code_digest(pdf)}:{export_key(scope, data.start, data.end)}:"
        f"{data.local(data.generated_at).date()}:"
        f"{hashlib.sha256(words.encode()).hexdigest()[:16]}"
    )
    return LayoutMemo(
        get=lambda: cache.get(key),
        set=lambda rows: cache.set(key, rows, CHART_CACHE_SECONDS),
    )
