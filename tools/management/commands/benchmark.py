"""Benchmark Aftercare under gunicorn in a production-like environment (see BENCHMARKS.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def _levels(raw: str) -> list[int]:
    try:
        levels = sorted({int(x) for x in raw.split(",") if x.strip()})
    except ValueError as exc:
        raise CommandError("--concurrency takes whole numbers, e.g. 1,4,8") from exc
    if not levels or levels[0] < 1 or levels[-1] > 64:
        raise CommandError("--concurrency levels must be between 1 and 64")
    return levels


class Command(BaseCommand):
    help = (
        "Build a fresh production-like environment (DEBUG off, gunicorn, fresh SQLite file or "
        "PostgreSQL database aftercare_bench_<random> of its own), generate data, load every "
        "built endpoint at a few concurrency levels, and print req/s, p50/p99 latency, queries "
        "per request and budgets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
        parser.add_argument("--duration", type=float, default=5.0, help="Seconds per level.")
        parser.add_argument("--concurrency", default="1,4,8")
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument(
            "--large", action="store_true", help="Also measure the ~1M-row data set (PostgreSQL)."
        )
        parser.add_argument("--max-minutes", type=float, default=30.0)
        parser.add_argument("--no-redis", action="store_true", help="Local-memory cache.")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "benchmarks" / "out"))
        # Internal: the in-process half, run by the benchmark itself in its environment.
        parser.add_argument("--phase", choices=["run", "plan"], default="run")
        parser.add_argument("--pool", type=int, default=0)
        parser.add_argument("--plan-out", default="")

    def handle(self, *args, **o) -> None:
        if o["phase"] == "plan":
            self._plan(o["pool"], Path(o["plan_out"]))
            return
        if o["large"] and o["database"] != "postgres":
            raise CommandError("--large needs --database postgres.")
        if o["duration"] <= 0 or o["workers"] < 1 or o["threads"] < 1:
            raise CommandError("--duration, --workers and --threads must be positive.")
        from tools.bench.report import full_report
        from tools.bench.runner import run_benchmark
        from tools.bench.server import redis_available

        use_redis = not o["no_redis"] and redis_available()
        results = run_benchmark(
            database=o["database"],
            duration=o["duration"],
            levels=_levels(o["concurrency"]),
            workers=o["workers"],
            threads=o["threads"],
            large=o["large"],
            max_minutes=o["max_minutes"],
            out_dir=Path(o["out"]),
            say=lambda line: self.stdout.write(line),
            use_redis=use_redis,
        )
        self.stdout.write("\n" + full_report(results))
        self.stdout.write(f"\nResults saved to {results['output']}")

    def _plan(self, pool: int, out: Path) -> None:
        if settings.DEBUG:
            raise CommandError("The plan phase runs only inside the benchmark's environment.")
        from tools.bench.plan import build_plan

        out.write_text(json.dumps(build_plan(pool).as_dict(), indent=2, default=str))
