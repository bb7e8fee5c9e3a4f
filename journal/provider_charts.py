"""Charts in the provider workspace: the patient's dashboard charts, limited to one share.

A share decides three things the patient's own dashboard never has to: which charts exist (only
those of shared categories; the others are absent, not blank), which days they may cover (never
before the share's start date), and that no figure leans on entries from before that start.
`journal.chartdata` reads a few rows before a period for context (the 7-day average, the previous
period's mean mood, the session a durability interval counts from); here it is called with the
share's scope (`permissions.share_scope`), so no row from before the share's start is read at all
and the picture, the sentence and the table are built from the same shared rows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from datetime import date

from django.core.cache import cache
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

from journal import chartdata, durability, summaries
from journal.chartdata import CHART_CACHE_SECONDS, Period, make_period, parse_period
from journal.chartdata import build as chart_build
from journal.charts import CHART_ORDER, CHARTS, DEFAULT_VARIANT, Variant, variant_srcs
from journal.models import User
from journal.permissions import Scope


@dataclass(frozen=True)
class ProviderPanel:
    name: str
    title: str
    alt: str
    src: str
    panel: summaries.Panel

    @property
    def srcs(self) -> dict[str, str]:
        """The phone and dark drawings' URLs (`charts.variant_srcs`)."""
        return variant_srcs(self.src)


def provider_period(scope: Scope, key: str | None, today: date | None = None) -> Period:
    """The chart period named by `key`, in the patient's days, never starting before the
    scope's first day (a share's start)."""
    zone = scope.patient.zone
    period = parse_period(key, zone, today)
    start = scope.not_before
    if start is None or (period.first_day is not None and period.first_day >= start):
        return period
    return make_period(min(start, period.last_day), period.last_day, zone, key=period.key)


def period_label(period: Period) -> str:
    """How the provider's sentences name the period: `Period.label` says 'your whole journal'."""
    return period.label if period.days else gettext("the whole shared journal")


def _share_prefix(kind: str, scope: Scope) -> str:
    # The data is read from the share's start on: the share and its start date are in the key.
    return f"{kind}:{scope.share_id}:{scope.not_before}"


def provider_chart_svg(
    scope: Scope, name: str, period: Period, variant: Variant = DEFAULT_VARIANT
) -> bytes:
    """SVG of chart `name` within a share's `scope` (KeyError: unknown chart; PermissionDenied:
    its category is not shared): `chartdata.chart_svg` over the shared categories, reading
    nothing from before the share's start (its cache keys carry both, and the variant)."""
    return chartdata.chart_svg(scope, name, period, variant)


def _code_digest() -> str:
    """A digest of the code that builds the panels: a deploy that changes it never reads
    panels cached by the previous code."""
    return chartdata.code_digest(
        summaries, durability, chartdata, chart_build, sys.modules[__name__]
    )


def provider_dashboard(
    scope: Scope, period: Period, version: str | None = None
) -> chartdata.DashboardData:
    """Every shared chart's data for the period (`chartdata.dashboard_data`), cached under the
    patient's data version, the share (id, start date, categories) and the period, so a repeat
    view loads no chart data. The summary's facts and its charts both read this one value.
    `version`: the patient's `chartdata.data_version`, when the caller has read it already."""
    key = chartdata.version_key(
        _share_prefix(f"pdata:{_code_digest()}", scope),
        scope,
        period,
        version if version is not None else chartdata.data_version(scope.patient),
    )
    data = cache.get(key)
    if data is None:
        data = chartdata.dashboard_data(scope, period)
        if scope.allows(chartdata.SIDE_EFFECTS):
            data = replace(data, bother=chartdata.bother_means(scope, period))
        cache.set(key, data, CHART_CACHE_SECONDS)
    return data


def provider_panels(
    scope: Scope,
    period: Period,
    only: frozenset[str] | None = None,
    data: chartdata.DashboardData | None = None,
) -> list[ProviderPanel]:
    """Chart, summary sentence and table of each shared chart (unshared charts are absent),
    built from `provider_dashboard` (or `data`, when the caller has read it already)."""
    data = data if data is not None else provider_dashboard(scope, period)
    patient: User = scope.patient
    query = urlencode({"period": period.key})
    panels = []
    for name in CHART_ORDER:
        chart_data = data.for_chart(name)
        if chart_data is None or (only is not None and name not in only):
            continue
        spec = CHARTS[name]
        src = reverse("journal:provider-chart", args=[patient.pk, name])
        panels.append(
            ProviderPanel(
                name=name,
                title=spec.title,
                alt=spec.alt,
                src=f"{src}?{query}",
                panel=summaries.panel(
                    name,
                    chart_data,
                    period_label=period_label(period),
                    period_days=period.days,
                    previous_mood=data.previous_mood,
                    audience="provider",
                ),
            )
        )
    return panels
