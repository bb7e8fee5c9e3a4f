"""The benchmark's budgets (issue 10), as verdicts over figures measured in one run."""

from __future__ import annotations

from typing import Any

from tools.bench.stats import Verdict, budget_max, budget_min, ratio

CHART_RENDER_MS = 40.0
RSS_MB = 250.0
TRIAGE_QUERIES = 10


def peak_rps(figures: dict[str, Any], key: str) -> float | None:
    """The best throughput of an endpoint over the concurrency levels (its capacity)."""
    levels = figures.get(key, {}).get("levels", {})
    values = [lv["rps"] for lv in levels.values() if lv.get("count")]
    return max(values) if values else None


def p50_at_one(figures: dict[str, Any], key: str) -> float | None:
    """Median latency (ms) of an endpoint with one client (its cost per request)."""
    level = figures.get(key, {}).get("levels", {}).get("1")
    return level["p50_ms"] if level and level.get("count") else None


def evaluate(
    figures: dict[str, Any],
    queries: dict[str, int | None],
    chart_ms: dict[str, float],
    worker_rss: list[float],
    large: dict[str, Any] | None = None,
) -> list[Verdict]:
    """Every budget of the brief, PASS/FAIL/n-a, from one run's figures."""
    list_rps = peak_rps(figures, "list")
    verdicts = [
        budget_min(
            "Warm dashboard throughput / list page",
            ratio(peak_rps(figures, "dashboard"), list_rps),
            0.5,
        ),
        budget_max(
            "Cold chart render, median in-process (slowest chart)",
            max(chart_ms.values()) if chart_ms else None,
            CHART_RENDER_MS,
            unit="ms",
        ),
        budget_min(
            "Report submit throughput / list page",
            ratio(peak_rps(figures, "submit"), list_rps),
            0.4,
        ),
        budget_max("Triage list queries (500 patients)", queries.get("triage"), TRIAGE_QUERIES),
        budget_max(
            "Triage list p50 / list page p50",
            ratio(p50_at_one(figures, "triage"), p50_at_one(figures, "list")),
            2.0,
        ),
        budget_max(
            "Largest gunicorn worker RSS after the run",
            max(worker_rss) if worker_rss else None,
            RSS_MB,
            unit="MB",
        ),
    ]
    if large is not None:
        for key in sorted(figures):
            small_cost, large_cost = p50_at_one(figures, key), p50_at_one(large, key)
            if key == "ping" or small_cost is None:
                continue
            verdicts.append(
                budget_max(f"Large / small p50: {key}", ratio(large_cost, small_cost), 1.5)
            )
    return verdicts
