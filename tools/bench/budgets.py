"""The benchmark's budgets, as verdicts over figures measured in one run."""

from __future__ import annotations

from typing import Any

from tools.bench.stats import Verdict, budget_max, budget_min, ratio

CHART_RENDER_MS = 40.0
RSS_MB = 250.0


def peak_rps(figures: dict[str, Any], key: str) -> float | None:
    """The best throughput of an endpoint over the concurrency levels (its capacity)."""
    levels = figures.get(key, {}).get("levels", {})
    values = [lv["rps"] for lv in levels.values() if lv.get("count")]
    return max(values) if values else None


def p50_at_one(figures: dict[str, Any], key: str) -> float | None:
    """Median latency (ms) of an endpoint with one client (its cost per request)."""
    level = figures.get(key, {}).get("levels", {}).get("1")
    return level["p50_ms"] if level and level.get("count") else None


def rps_at_one(figures: dict[str, Any], key: str) -> float | None:
    """Throughput of an endpoint with one client (the issue's "req/s at c=1")."""
    level = figures.get(key, {}).get("levels", {}).get("1")
    return level["rps"] if level and level.get("count") else None


def rps_at(figures: dict[str, Any], key: str, c: int) -> float | None:
    level = figures.get(key, {}).get("levels", {}).get(str(c))
    return level["rps"] if level and level.get("count") else None


# Page cost against another page of the same run, as throughput at c=1 (issue 21): the
# numerator page must reach `limit` × the denominator's req/s.
COST_RATIOS: list[tuple[str, str, str, float]] = [
    ("list", "reference", "50-row list / plain Django reference", 0.75),
    ("home", "list", "Patient home / list", 0.8),
    ("summary", "list", "Provider patient summary (warm) / list", 0.5),
    ("pdf", "list", "PDF summary / list", 0.25),
    ("dashboard", "list", "Warm dashboard / list", 0.5),
    ("submit", "list", "Report submit / list", 0.4),
]
TRIAGE_SETS = [("triage", "500"), ("triage2000", "2,000")]
# The pages each budget compares, also measured interleaved (`httpload.run_interleaved`): one
# request of each in turn, so that both share the machine's speed of the moment. Report submit
# is a POST from a one-time pool, so it is measured on its own only.
PAIRS: list[tuple[str, str]] = [
    (key, base) for key, base, _, _ in COST_RATIOS if key != "submit"
] + [(key, "list") for key, _ in TRIAGE_SETS]
PAIRED = "paired"  # the figures' key of the interleaved measurements


def paired_p50(figures: dict[str, Any], key: str, base: str) -> tuple[float, float] | None:
    """(page p50, base p50) in ms from the interleaved measurement of the pair, if any."""
    pair = figures.get(PAIRED, {}).get(f"{key}/{base}")
    if not pair or pair.get(key) is None or pair.get(base) is None:
        return None
    return pair[key], pair[base]


SCALING = 1.6  # throughput at c=4 over c=1 (2 cores, 3 workers)
LARGE_OVER_SMALL = 1.2


def dispatch_verdicts(dispatch: dict[str, dict[str, Any]]) -> list[Verdict]:
    """Dispatching due reminders stays flat per notification from the smallest size measured
    to the largest (issue 18): queries within 5 %, time within `LARGE_OVER_SMALL`."""
    sizes = sorted(dispatch, key=int)
    small = dispatch[sizes[0]] if sizes else {}
    large = dispatch[sizes[-1]] if len(sizes) > 1 else {}
    label = f"{int(sizes[-1]):,} / {int(sizes[0]):,}" if len(sizes) > 1 else "largest / smallest"
    return [
        budget_max(
            f"Dispatch queries per notification, {label} reminders",
            ratio(large.get("queries_per_notification"), small.get("queries_per_notification")),
            1.05,
        ),
        budget_max(
            f"Dispatch time per notification, {label} reminders",
            ratio(large.get("ms_per_notification"), small.get("ms_per_notification")),
            LARGE_OVER_SMALL,
        ),
    ]


def evaluate(
    figures: dict[str, Any],
    queries: dict[str, int | None],
    chart_ms: dict[str, float],
    worker_rss: list[float],
    large: dict[str, Any] | None = None,
) -> list[Verdict]:
    """Every budget, PASS/FAIL/n-a, from one run's figures (ratios of the same run only)."""
    verdicts = []
    # Where the pair was measured interleaved, its verdict is the ratio of those medians (a
    # page's req/s at c=1 over another's is the inverse ratio of their costs per request);
    # otherwise the ratio of the two pages' own runs.
    for key, base, label, limit in COST_RATIOS:
        paired = paired_p50(figures, key, base)
        if paired is not None:
            verdicts.append(
                budget_min(f"{label} (interleaved, p50 at c=1)", ratio(paired[1], paired[0]), limit)
            )
        else:
            verdicts.append(
                budget_min(
                    f"{label} (req/s at c=1)",
                    ratio(rps_at_one(figures, key), rps_at_one(figures, base)),
                    limit,
                )
            )
    for key, n in TRIAGE_SETS:
        verdicts.append(budget_max(f"Triage list queries ({n} patients)", queries.get(key), 10))
        paired = paired_p50(figures, key, "list")
        measured = (
            ratio(paired[0], paired[1])
            if paired is not None
            else ratio(p50_at_one(figures, key), p50_at_one(figures, "list"))
        )
        suffix = " (interleaved)" if paired is not None else ""
        verdicts.append(budget_max(f"Triage ({n} patients) p50 / list p50{suffix}", measured, 2.0))
    verdicts.append(
        budget_max(
            "Cold chart render, median in-process (slowest chart)",
            max(chart_ms.values()) if chart_ms else None,
            CHART_RENDER_MS,
            unit="ms",
        )
    )
    for key in sorted(figures):
        if key in {"ping", "submit", PAIRED} or key.endswith("_cold"):
            continue
        verdicts.append(
            budget_min(
                f"Throughput c=4 / c=1: {key}",
                ratio(rps_at(figures, key, 4), rps_at(figures, key, 1)),
                SCALING,
            )
        )
    if large is not None:
        for key in sorted(figures):
            small_cost, large_cost = p50_at_one(figures, key), p50_at_one(large, key)
            if key in {"ping", PAIRED} or small_cost is None:
                continue
            verdicts.append(
                budget_max(
                    f"Large / small p50: {key}", ratio(large_cost, small_cost), LARGE_OVER_SMALL
                )
            )
    verdicts.append(
        budget_max(
            "Largest gunicorn worker RSS after the run",
            max(worker_rss) if worker_rss else None,
            RSS_MB,
            unit="MB",
        )
    )
    return verdicts
