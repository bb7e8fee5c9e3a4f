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
from functools import cache as cache_for_process

from django.core.cache import cache

from journal.charts import CHART_ORDER, CHARTS, PRINT_RENDER
from journal.exports.data import ExportData
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


@cache_for_process
def _pdf_code_digest() -> str:
    """The PDF module's code: a deploy that changes the layout never reads an older one."""
    import hashlib
    from pathlib import Path

    from journal.exports import pdf

    return hashlib.sha256(Path(pdf.__file__).read_bytes()).hexdigest()[:12]


def pdf_layout_memo(
    scope: Scope, data: ExportData, clinic_name: str, charts: list[ChartImage]
) -> LayoutMemo:
    """Where the PDF summary remembers how many rows each table got, under everything the
    layout depends on: the patient's data version, the scope (share, first day, categories,
    private notes), the dates, the names (patient, clinic), the charts drawn, the creation
    day and its time-zone label (both are written in the header)."""
    import hashlib

    from journal.chartdata import CHART_CACHE_SECONDS, data_version
    from journal.timefmt import zone_label

    zone = zone_label(data.generated_at, data.zone)
    words = "|".join([data.patient_name, clinic_name, zone, *(chart.title for chart in charts)])
    key = ":".join(
        str(part)
        for part in (
            "pdflayout",
            _pdf_code_digest(),
            scope.patient.pk,
            scope.share_id,
            scope.window_start,
            ",".join(sorted(scope.categories)),
            scope.private_notes,
            data.start,
            data.end,
            data.local(data.generated_at).date(),
            hashlib.sha256(words.encode()).hexdigest()[:16],
            data_version(scope.patient),
        )
    )
    return LayoutMemo(
        get=lambda: cache.get(key),
        set=lambda rows: cache.set(key, rows, CHART_CACHE_SECONDS),
    )
