"""Trends: the patient's dashboard of charts, summaries and tables, and the chart images.

`chart_response` is the reusable part: any view holding a `journal.permissions.Scope` (which
patient, which categories, from which day) can answer a chart URL with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache as cache_in_process
from functools import partial
from pathlib import Path

from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.backends.django import Template as DjangoTemplate
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from journal import chartdata, summaries
from journal.chartdata import PERIODS, Period, parse_period
from journal.charts import (
    CHART_ORDER,
    CHARTS,
    DEFAULT_VARIANT,
    Variant,
    parse_variant,
    variant_srcs,
)
from journal.http import AuthenticatedHttpRequest
from journal.permissions import Scope, own_scope, patient_required
from journal.reads.outcomes import AXES, INSTRUMENTS, curve_svg, curves, for_scope, patient_outcomes

StrOrPromise = str | Promise

# Where to go to log what a chart is missing.
LOG_LINKS: dict[str, tuple[str, StrOrPromise]] = {
    "mood": ("journal:checkin-create", _("Log a check-in")),
    "durability": ("journal:session-create", _("Log a treatment session")),
    "side-effects": ("journal:session-list", _("Report on a session")),
    "symptoms": ("journal:checkin-create", _("Log a check-in")),
    "blood-pressure": ("journal:reading-create", _("Add a blood pressure reading")),
    "questionnaires": ("journal:questionnaire-list", _("Fill in a questionnaire")),
}
DASHBOARD_CACHE_SECONDS = 24 * 3600
# What shapes the cached panels' HTML besides the data (see `_release`).
PANEL_TEMPLATES = (
    "journal/_dashboard_panels.html",
    "journal/_chart_panel.html",
    "journal/_data_table.html",
)
# A chart is a picture of data only; it needs inline styles and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def chart_variant(request: HttpRequest) -> Variant:
    """The drawing a chart URL asks for (`?size=phone`, `?theme=dark`); BadRequest (400) for
    any other value, so a mistyped URL is never a server error."""
    try:
        return parse_variant(request.GET.get("size"), request.GET.get("theme"))
    except ValueError:
        raise BadRequest("No such chart size or theme") from None


def svg_response(svg: bytes) -> HttpResponse:
    """A chart picture with the headers every chart image carries."""
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = SVG_CSP
    return response


def chart_response(
    scope: Scope, name: str, period: Period, variant: Variant = DEFAULT_VARIANT
) -> HttpResponse:
    """The SVG of chart `name` within `scope` (the caller authorized it)."""
    if name not in CHARTS:
        raise Http404("No such chart")
    return svg_response(chartdata.chart_svg(scope, name, period, variant))


@dataclass(frozen=True)
class PanelView:
    name: str
    title: str
    alt: str
    src: str
    panel: summaries.Panel
    log_url: str
    log_text: str

    @property
    def srcs(self) -> dict[str, str]:
        return variant_srcs(self.src)


def _panels(data: chartdata.DashboardData, period: Period) -> list[PanelView]:
    query = urlencode({"period": period.key})
    views = []
    for name in CHART_ORDER:
        chart_data = data.for_chart(name)
        if chart_data is None:
            continue
        spec = CHARTS[name]
        log_url, log_text = LOG_LINKS[name]
        panel = summaries.panel(
            name,
            chart_data,
            period_label=period.label,
            period_days=period.days,
            previous_mood=data.previous_mood,
        )
        views.append(
            PanelView(
                name=name,
                title=spec.title,
                alt=spec.alt,
                src=f"{reverse('journal:chart', args=[name])}?{query}",
                panel=panel,
                log_url=reverse(log_url),
                log_text=str(log_text),
            )
        )
    return views


@cache_in_process
def _release() -> str:
    """A digest of the panel templates and the summary code: a deploy that changes how the
    panels look never serves panels cached by the previous release (computed once)."""
    digest = hashlib.sha256(Path(summaries.__file__).read_bytes())
    for name in PANEL_TEMPLATES:
        template = get_template(name)
        assert isinstance(template, DjangoTemplate)  # the one template engine (settings)
        digest.update(template.template.source.encode())
    return digest.hexdigest()[:12]


def _panels_html(scope: Scope, period: Period) -> str:
    """The rendered panels (summaries, chart images, data tables), cached under the
    patient's data version: a repeat view costs one aggregate query and a cache read
    instead of a year of rows, the summaries and hundreds of table rows."""
    key = chartdata.version_key(
        f"dashboard:{_release()}",
        scope,
        period,
        chartdata.data_version(scope.patient),
    )
    html = cache.get(key)
    if html is None:
        data = chartdata.dashboard_data(scope, period)
        panels = _panels(data, period)
        html = render_to_string(
            "journal/_dashboard_panels.html",
            {"panels": panels, "any_data": any(p.panel.has_data for p in panels)},
        )
        cache.set(key, html, DASHBOARD_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template output, autoescaped when rendered


@patient_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    period = parse_period(request.GET.get("period"), request.user.zone)
    outcomes = patient_outcomes(request.user)
    drawn = curves(
        [item.outcome for item in outcomes],
        "patient",
        lambda name, axis: reverse("journal:outcome-chart", args=[name, axis]),
    )
    return render(
        request,
        "journal/dashboard.html",
        {
            "period": period,
            "period_labels": [(key, p.button) for key, p in PERIODS.items()],
            "outcomes": [(item, drawn.get(item.outcome.instrument)) for item in outcomes],
            # Called by the template while it renders (the page template comes first).
            "panels_html": partial(_panels_html, own_scope(request.user), period),
        },
    )


@patient_required
def chart(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    period = parse_period(request.GET.get("period"), request.user.zone)
    return chart_response(own_scope(request.user), name, period, chart_variant(request))


@patient_required
@require_GET
def outcome_chart(request: AuthenticatedHttpRequest, instrument: str, axis: str) -> HttpResponse:
    """The patient's own response curve (DESIGN.md §3b)."""
    if instrument not in INSTRUMENTS or axis not in AXES:
        raise Http404("No such chart")
    found = for_scope(own_scope(request.user))[instrument]
    return svg_response(curve_svg(request.user, found, axis, chart_variant(request)))
