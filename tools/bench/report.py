"""Tables of a benchmark run, printed by `manage.py benchmark` and pasted into BENCHMARKS.md."""

from __future__ import annotations

from typing import Any

from tools.bench.budgets import PAIRED, p50_at_one
from tools.bench.runner import COLD_PAGES, COLD_REPETITIONS
from tools.bench.stats import format_number, markdown_table, ratio


def endpoint_table(result: dict[str, Any]) -> str:
    """One row per endpoint × concurrency: req/s, p50, p99, errors, queries per request."""
    plan, figures = result["plan"], result["figures"]
    rows = []
    for ep in plan["endpoints"]:
        name = f"{ep['label']} `{ep['path'] or ep['url_name']}`"
        queries = format_number(ep["queries"])
        if ep.get("queries_warm") is not None:
            queries += f" (warm {format_number(ep['queries_warm'])})"
        if ep["status"]:
            rows.append([name, "–", "–", "–", "–", "–", queries, ep["status"]])
            continue
        fig = figures.get(ep["key"], {})
        if "skipped" in fig:
            rows.append([name, "–", "–", "–", "–", "–", queries, fig["skipped"]])
            continue
        note = ep.get("note", "")
        if ep.get("rows") is not None:
            note = f"{ep['rows']} rows/page {note}".strip()
        for c, lv in fig.get("levels", {}).items():
            rows.append(
                [
                    name,
                    c,
                    format_number(lv.get("rps"), 1),
                    format_number(lv.get("p50_ms"), 1),
                    format_number(lv.get("p99_ms"), 1),
                    lv.get("errors", 0),
                    queries,
                    note or lv.get("note", ""),
                ]
            )
            name, queries, note = "″", "″", ""
    headers = ["endpoint", "c", "req/s", "p50 ms", "p99 ms", "errors", "queries", "note"]
    return markdown_table(headers, rows)


def extras_table(result: dict[str, Any]) -> str:
    """Cold dashboard page view, in-process chart renders, worker memory."""
    rows = []
    cold = result["figures"].get("dashboard_cold")
    if cold:
        rows.append(
            [
                "Dashboard cold page view (HTML + all charts, empty cache), p50",
                f"{cold['page_view_p50_ms']} ms",
            ]
        )
        for path, ms in cold["charts_p50_ms"].items():
            rows.append([f"Chart cold over HTTP `{path}`, p50", f"{ms} ms"])
    for key, label in COLD_PAGES.items():
        page = result["figures"].get(f"{key}_cold")
        warm = result["figures"].get(key, {}).get("levels", {}).get("1", {}).get("p50_ms")
        if page:
            rows.append(
                [
                    f"{label} with an empty cache (charts drawn), p50 of {COLD_REPETITIONS}",
                    f"{page['p50_ms']} ms (warm p50 at c=1: {format_number(warm, 1)} ms)",
                ]
            )
    for name, t in result["plan"]["chart_render_ms"].items():
        rows.append(
            [
                f"Chart render in-process `{name}` ({t['source']}), median of 20",
                f"{format_number(t['median'], 1)} ms (CPU "
                f"{format_number(t.get('cpu_median', float('nan')), 1)} ms, "
                f"max {format_number(t['max'], 1)})",
            ]
        )
    for size, d in (result["plan"].get("dispatch") or {}).items():
        rows.append(
            [
                f"Dispatch {int(size):,} due reminders (email, in-memory backend)",
                f"{d['sent']:,} sent in {d['seconds']} s: {d['ms_per_notification']} ms and "
                f"{d['queries_per_notification']} queries per notification",
            ]
        )
    rss = result.get("worker_rss_mb") or []
    rows.append(["gunicorn worker RSS after the run", ", ".join(f"{v:.0f} MB" for v in rss) or "–"])
    return markdown_table(["measure", "value"], rows)


def pairs_table(result: dict[str, Any]) -> str:
    """Each budget's two pages measured interleaved, next to the ratio of their own runs."""
    figures = result["figures"]
    rows = []
    for name, pair in (figures.get(PAIRED) or {}).items():
        key, base = name.split("/")
        own = ratio(p50_at_one(figures, key), p50_at_one(figures, base))
        rows.append(
            [
                f"{key} / {base}",
                format_number(pair.get(key), 1),
                format_number(pair.get(base), 1),
                format_number(ratio(pair.get(key), pair.get(base))),
                format_number(own),
                pair.get("rounds", 0),
            ]
        )
    headers = [
        "pages",
        "p50 ms",
        "base p50 ms",
        "cost ratio, interleaved",
        "cost ratio, own runs",
        "rounds",
    ]
    return markdown_table(headers, rows)


def budget_table(budgets: list[dict[str, Any]]) -> str:
    """The budgets with their measured values and verdicts."""
    rows = [[b["name"], b["rule"], format_number(b["measured"]), b["status"]] for b in budgets]
    return markdown_table(["budget", "rule", "measured", "verdict"], rows)


def full_report(results: dict[str, Any]) -> str:
    """Everything a run measured, as Markdown."""
    parts = [
        f"Run {results['started']} – {results.get('finished', '?')} · {results['machine']}",
        f"Database {results['database']} · {results['gunicorn']} · cache {results['cache']} · "
        f"{results['duration_s']} s per endpoint and level · levels {results['concurrency']}",
    ]
    for size in ("small", "large"):
        if size in results:
            parts += [
                f"\n### {size} data set\n",
                endpoint_table(results[size]),
                "",
                extras_table(results[size]),
                "",
                pairs_table(results[size]),
            ]
    parts += ["\n### Budgets\n", budget_table(results.get("budgets", []))]
    return "\n".join(parts)
