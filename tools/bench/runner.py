"""The benchmark run: environment → data → plan (queries, chart timing) → gunicorn → load.

Figures are comparable only within one run; budgets are ratios between them (`budgets.py`).
"""

from __future__ import annotations

import json
import math
import platform
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.bench import budgets
from tools.bench.accounts import BenchAccounts
from tools.bench.forms import fill_report_form
from tools.bench.httpload import (
    HttpClient,
    Target,
    counter,
    log_in,
    parse_html,
    run_interleaved,
    run_load,
)
from tools.bench.server import Environment
from tools.bench.stats import Sample, format_number, median, ratio

TRIAGE_PATIENTS = 500
WIDE_TRIAGE_PATIENTS = 2000
COLD_REPETITIONS = 5
# Pages also timed with an empty cache (`cold_get`): their charts are drawn on a miss.
COLD_PAGES = {"summary": "Provider patient summary", "pdf": "PDF summary"}


def _totp_factory(info: dict[str, Any] | None) -> Callable[[], str] | None:
    if not info:
        return None

    def code() -> str:
        from django_otp.oath import totp

        value = totp(
            bytes.fromhex(info["key"]), step=info["step"], t0=info["t0"], digits=info["digits"]
        )
        return str(value).zfill(info["digits"])

    return code


def _summary(sample: Sample) -> dict[str, Any]:
    return {
        "count": sample.count,
        "errors": sample.errors,
        "rps": round(sample.rps, 2) if sample.count else 0.0,
        "p50_ms": round(sample.p50_ms, 2) if sample.count else None,
        "p99_ms": round(sample.p99_ms, 2) if sample.count else None,
        "statuses": {str(k): v for k, v in sorted(sample.statuses.items())},
    }


class Run:
    """One data set measured end to end (small, or large with --large)."""

    def __init__(
        self,
        env: Environment,
        *,
        duration: float,
        levels: list[int],
        say: Callable[[str], None],
        deadline: float,
    ) -> None:
        self.env, self.duration, self.levels, self.say, self.deadline = (
            env,
            duration,
            levels,
            say,
            deadline,
        )
        self.cookies: dict[str, dict[str, str]] = {}
        self.figures: dict[str, Any] = {}

    def prepare(self, size: str, pool: int) -> dict[str, Any]:
        env = self.env
        self.say(f"[{size}] fresh {env.database} database, migrate, collectstatic")
        env.fresh_database()
        env.manage("migrate", "--noinput")
        env.manage("collectstatic", "--noinput")
        self.say(
            f"[{size}] generate_data --size {size} --triage {TRIAGE_PATIENTS} "
            f"--triage-wide {WIDE_TRIAGE_PATIENTS} --submit-pool {pool}"
        )
        t0 = time.perf_counter()
        out = env.manage(
            "generate_data",
            "--force",  # DEBUG is off here, on purpose: the run's own throwaway database
            "--size",
            size,
            "--triage",
            str(TRIAGE_PATIENTS),
            "--triage-wide",
            str(WIDE_TRIAGE_PATIENTS),
            "--submit-pool",
            str(pool),
            "--seed",
            "1",
        )
        self.say(out.strip().splitlines()[-1] + f" (wall {time.perf_counter() - t0:.0f} s)")
        self.say(f"[{size}] in-process plan: URLs, queries per request, chart render timing")
        plan_file = env.root / f"plan-{size}.json"
        env.manage(
            "benchmark", "--phase", "plan", "--pool", str(pool), "--plan-out", str(plan_file)
        )
        return json.loads(plan_file.read_text())

    def log_in_all(self, plan: dict[str, Any]) -> None:
        self.cookies["anonymous"] = {}
        for role, info in plan["accounts"].items():
            client = HttpClient("127.0.0.1", self.env.port)
            landed = log_in(
                client, info["email"], BenchAccounts.password, _totp_factory(info.get("totp"))
            )
            client.close()
            self.cookies[role] = dict(client.cookies)
            self.say(f"  logged in {role} ({info['email']}) → {landed}")

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def measure(self, plan: dict[str, Any]) -> dict[str, Any]:
        endpoints = [e for e in plan["endpoints"] if not e["status"]]
        for ep in endpoints:
            if self.out_of_time():
                self.figures[ep["key"]] = {"skipped": "time limit"}
                continue
            if ep["key"] == "dashboard":
                self.figures["dashboard_cold"] = self.cold_dashboard(ep, plan)
            if ep["key"] in COLD_PAGES:
                self.figures[f"{ep['key']}_cold"] = self.cold_get(ep)
            if ep["key"] == "submit":
                self.figures["submit"] = self.measure_submit(ep, plan)
                continue
            self.figures[ep["key"]] = self.measure_get(ep)
        self.figures[budgets.PAIRED] = self.measure_pairs(endpoints)
        return self.figures

    def measure_pairs(self, endpoints: list[dict[str, Any]]) -> dict[str, Any]:
        """Each budget's two pages interleaved for `duration` seconds (`budgets.PAIRS`), after
        their own runs (so both are warm): p50 of each, in ms."""
        by_key = {ep["key"]: ep for ep in endpoints}
        pairs: dict[str, Any] = {}
        for key, base in budgets.PAIRS:
            if key not in by_key or base not in by_key or self.out_of_time():
                continue
            eps = (by_key[key], by_key[base])
            targets = [(self.cookies.get(ep["role"], {}), ep["path"]) for ep in eps]
            run_interleaved("127.0.0.1", self.env.port, targets, min(1.0, self.duration / 4))
            page, ref = run_interleaved("127.0.0.1", self.env.port, targets, self.duration)
            pairs[f"{key}/{base}"] = {
                key: round(page.p50_ms, 2) if page.count else None,
                base: round(ref.p50_ms, 2) if ref.count else None,
                "rounds": min(page.count, ref.count),
                "errors": page.errors + ref.errors,
            }
            self.say(
                f"  interleaved {key}/{base}: p50 {page.p50_ms:.1f} / {ref.p50_ms:.1f} ms = "
                f"{format_number(ratio(page.p50_ms, ref.p50_ms))} "
                f"({pairs[f'{key}/{base}']['rounds']} rounds)"
            )
        return pairs

    def measure_get(self, ep: dict[str, Any]) -> dict[str, Any]:
        cookies = self.cookies.get(ep["role"], {})
        target = Target("GET", ep["path"])
        run_load(
            "127.0.0.1", self.env.port, cookies, target, 1, min(1.0, self.duration / 4)
        )  # warm-up
        levels = {}
        for c in self.levels:
            sample = run_load("127.0.0.1", self.env.port, cookies, target, c, self.duration)
            levels[str(c)] = _summary(sample)
            self.say(
                f"  {ep['key']:<24} c={c:<2} {sample.rps:8.1f} req/s  p50 {sample.p50_ms:7.1f} ms"
                f"  p99 {sample.p99_ms:7.1f} ms  errors {sample.errors}"
            )
        return {"path": ep["path"], "levels": levels}

    def cold_dashboard(self, ep: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
        """Dashboard HTML plus every chart image, fetched one after another with an empty
        chart cache (a first visit after new data), repeated COLD_REPETITIONS times."""
        charts = [
            e["path"]
            for e in plan["endpoints"]
            if e["key"].startswith("chart:") and not e["status"]
        ]
        client = HttpClient("127.0.0.1", self.env.port, self.cookies.get("patient", {}))
        totals: list[float] = []
        per_chart: dict[str, list[float]] = {p: [] for p in charts}
        for _ in range(COLD_REPETITIONS):
            self.env.flush_cache()
            t0 = time.perf_counter()
            client.get(ep["path"])
            for path in charts:
                t1 = time.perf_counter()
                client.get(path)
                per_chart[path].append((time.perf_counter() - t1) * 1000)
            totals.append((time.perf_counter() - t0) * 1000)
        client.close()
        result = {
            "page_view_p50_ms": round(median(totals), 1),
            "charts_p50_ms": {p: round(median(v), 1) for p, v in per_chart.items()},
        }
        self.say(
            f"  dashboard cold page view (HTML + {len(charts)} charts): "
            f"{result['page_view_p50_ms']} ms"
        )
        return result

    def cold_get(self, ep: dict[str, Any]) -> dict[str, Any]:
        """One page fetched right after the cache is emptied (its charts drawn afresh),
        COLD_REPETITIONS times: next to the warm figures it splits the PDF's own cost from its
        charts' (issue 21)."""
        client = HttpClient("127.0.0.1", self.env.port, self.cookies.get(ep["role"], {}))
        times: list[float] = []
        for _ in range(COLD_REPETITIONS):
            self.env.flush_cache()
            t0 = time.perf_counter()
            client.get(ep["path"])
            times.append((time.perf_counter() - t0) * 1000)
        client.close()
        result = {"path": ep["path"], "p50_ms": round(median(times), 1)}
        self.say(f"  {ep['key']} cold (empty cache): {result['p50_ms']} ms")
        return result

    def measure_submit(self, ep: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
        """Fetch each report form first (untimed: it carries a one-time submission token),
        then time only the POSTs, at each concurrency level."""
        cookies = self.cookies.get(ep["role"], {})
        pool = list(plan["submit_paths"])
        list_levels = self.figures.get("list", {}).get("levels", {})
        levels = {}
        for c in self.levels:
            expected = list_levels.get(str(c), {}).get("rps") or 50
            needed = min(len(pool), math.ceil(expected * self.duration * 1.1) + 2 * c)
            batch, pool = pool[:needed], pool[needed:]
            jobs = self._fetch_forms(cookies, batch, c)
            if not jobs:
                levels[str(c)] = {"count": 0, "errors": 0, "note": "submit pool exhausted"}
                continue
            target = Target("POST", "", expect=(302, 303), next_post=counter(jobs))
            sample = run_load("127.0.0.1", self.env.port, cookies, target, c, self.duration)
            levels[str(c)] = _summary(sample)
            note = (
                " (pool ran out: ran shorter)" if sample.wall_seconds < self.duration * 0.95 else ""
            )
            self.say(
                f"  {'submit':<24} c={c:<2} {sample.rps:8.1f} req/s  p50 {sample.p50_ms:7.1f} ms"
                f"  p99 {sample.p99_ms:7.1f} ms  errors {sample.errors}{note}"
            )
        return {"path": ep["path"], "levels": levels}

    def _fetch_forms(
        self, cookies: dict[str, str], paths: list[str], threads: int
    ) -> list[tuple[str, dict[str, str | list[str]]]]:
        def fetch(chunk: list[str]) -> list[tuple[str, dict[str, str | list[str]]]]:
            client = HttpClient("127.0.0.1", self.env.port, cookies)
            jobs = []
            for path in chunk:
                page = client.get(path)
                forms = [f for f in parse_html(page.text).forms if f.method == "post"]
                if page.status == 200 and forms:
                    fields, _ = fill_report_form(forms[-1])
                    jobs.append((forms[-1].action or path, fields))
            client.close()
            return jobs

        chunks = [paths[i::threads] for i in range(threads)]
        with ThreadPoolExecutor(threads) as pool:
            return [job for jobs in pool.map(fetch, chunks) for job in jobs]


def run_benchmark(
    *,
    database: str,
    duration: float,
    levels: list[int],
    workers: int,
    threads: int,
    large: bool,
    max_minutes: float,
    out_dir: Path,
    say: Callable[[str], None],
    use_redis: bool,
) -> dict[str, Any]:
    """Run the whole benchmark (and the large data set with `large`); returns the results."""
    started = datetime.now(UTC)
    deadline = time.monotonic() + max_minutes * 60
    env = Environment(database=database, workers=workers, threads=threads, use_redis=use_redis)
    with env.closing():
        results: dict[str, Any] = {
            "started": started.isoformat(timespec="seconds"),
            "machine": f"{platform.node()} · {platform.processor() or platform.machine()} · "
            f"{_cpus()} CPUs · Python {platform.python_version()}",
            "database": database,
            "duration_s": duration,
            "concurrency": levels,
            "gunicorn": f"{workers} workers × {threads} threads (gthread)",
            "cache": "Redis" if use_redis else "local memory",
            # The machine is shared: the 1/5/15-minute load averages say how loud the run was.
            "load_average_start": _load(),
        }
        say(f"load average at start: {results['load_average_start']}")
        pool = int(200 * duration * len(levels)) + 200
        for size in ["small", "large"] if large else ["small"]:
            run = Run(env, duration=duration, levels=levels, say=say, deadline=deadline)
            plan = run.prepare(size, pool)
            say(f"[{size}] gunicorn {results['gunicorn']} on 127.0.0.1")
            env.start()
            try:
                run.log_in_all(plan)
                figures = run.measure(plan)
                rss = [v for v in env.worker_rss().values() if v is not None]
            finally:
                env.stop()
            results[size] = {"plan": plan, "figures": figures, "worker_rss_mb": rss}
        small = results["small"]
        queries = {e["key"]: e["queries"] for e in small["plan"]["endpoints"]}
        chart_ms = {k: v["median"] for k, v in small["plan"]["chart_render_ms"].items()}
        verdicts = budgets.evaluate(
            small["figures"],
            queries,
            chart_ms,
            small["worker_rss_mb"],
            results["large"]["figures"] if large else None,
        ) + budgets.dispatch_verdicts(small["plan"].get("dispatch") or {})
        results["budgets"] = [
            {"name": v.name, "rule": v.describe(), "measured": v.measured, "status": v.status}
            for v in verdicts
        ]
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["load_average_finish"] = _load()
        say(f"load average at finish: {results['load_average_finish']}")
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"benchmark-{database}-{started:%Y%m%dT%H%M%S}.json"
        out.write_text(json.dumps(results, indent=2, default=str))
        results["output"] = str(out)
        return results


def _load() -> str:
    import os

    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def _cpus() -> int:
    import os

    return os.cpu_count() or 0
