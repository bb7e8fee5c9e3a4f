"""The reliability load test: gunicorn in production settings, patients writing, workers killed.

Run by `manage.py loadtest`. The environment (fresh database, production settings, gunicorn on
127.0.0.1, its shutdown) is the benchmark's (`tools.bench.server.Environment`): a throwaway
PostgreSQL database `aftercare_loadtest_<random>` and a private Redis server, both created by
the run and removed at its end, so it never touches a benchmark running at the same time.
Accounts are created and the ledger is checked by this same command run inside that
environment (`--phase setup` / `--phase verify`), so the check reads the database the server
wrote, with the server stopped.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.bench.accounts import BenchAccounts
from tools.bench.httpload import log_in
from tools.bench.server import Environment, redis_available
from tools.loadtest.driver import LoadClient, Patient, Stats
from tools.loadtest.ledger import Ledger

DOMAIN = "load.aftercare.test"
ZONES = ("America/New_York", "Europe/London", "Asia/Kolkata", "Pacific/Auckland", "UTC")


def patient_email(index: int) -> str:
    """The n-th (1-based) load-test patient."""
    return f"load-patient-{index:03d}@{DOMAIN}"


class LoadEnvironment(Environment):
    """The benchmark environment under the load test's own database name prefix."""

    db_prefix = "aftercare_loadtest_"


def create_patients(count: int) -> list[str]:
    """Create `count` patients with the benchmark password (run inside the environment)."""
    from django.contrib.auth.hashers import make_password

    from journal.models import Role, User

    password = make_password(BenchAccounts.password)
    users = [
        User(
            email=patient_email(i),
            display_name=f"Load Patient {i}",
            role=Role.PATIENT,
            time_zone=ZONES[i % len(ZONES)],
            password=password,
        )
        for i in range(1, count + 1)
    ]
    User.objects.bulk_create(users)
    return [u.email for u in users]


def check_ledger(ledger_path: Path, patients: int) -> dict[str, Any]:
    """The checker's verdict on the ledger against this database (run inside the environment)."""
    from tools.loadtest.checker import load_state, verify

    ledger = Ledger.load(ledger_path)
    emails = sorted({patient_email(i) for i in range(1, patients + 1)})
    return verify(ledger, load_state(emails)).as_dict()


class Killer(threading.Thread):
    """SIGKILL one gunicorn worker (a child of our own master) every `every` seconds (±50%)."""

    def __init__(self, env: Environment, every: float, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.env, self.every, self.rng = env, every, rng
        self.stopped = threading.Event()
        self.killed: list[float] = []

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.wait(self.every * self.rng.uniform(0.5, 1.5)):
            pids = self.env.worker_pids()
            if not pids:
                continue
            try:
                os.kill(self.rng.choice(pids), signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.killed.append(round(time.monotonic() - started, 1))


def run_loadtest(
    *,
    database: str,
    duration: float,
    patients: int,
    kill_every: float,
    workers: int,
    threads: int,
    seed: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Run the whole load test and return its figures and the checker's verdict."""
    use_redis = redis_available()
    env = LoadEnvironment(database=database, workers=workers, threads=threads, use_redis=use_redis)
    with env.closing():
        say(f"fresh {database} database, migrate, collectstatic, {patients} patients")
        env.fresh_database()
        env.manage("migrate", "--noinput")
        env.manage("collectstatic", "--noinput")
        env.manage("loadtest", "--phase", "setup", "--patients", str(patients))
        say(f"gunicorn {workers} workers × {threads} threads on 127.0.0.1")
        env.start()
        figures = _drive(env, duration, patients, kill_every, seed, say)
        env.stop()
        say("server stopped; checking every acknowledged write against the database")
        ledger_path = env.root / "ledger.json"
        figures["ledger"].save(ledger_path)
        out = env.manage(
            "loadtest",
            "--phase",
            "verify",
            "--ledger",
            str(ledger_path),
            "--patients",
            str(patients),
        )
        verdict = json.loads(out.strip().splitlines()[-1])
        return _results(figures, verdict, env, database, duration, patients, kill_every, use_redis)


def _drive(
    env: Environment,
    duration: float,
    patients: int,
    kill_every: float,
    seed: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    stats, ledger = Stats(), Ledger()
    tag = f"LT{int(time.time()) % 10**8:x}"
    drivers = []
    for i in range(1, patients + 1):
        client = LoadClient("127.0.0.1", env.port, {}, stats)
        log_in(client, patient_email(i), BenchAccounts.password)
        drivers.append((i, client))
    say(f"{patients} patients logged in over HTTP; writing for {duration:.0f} s")
    rng = random.Random(seed)  # noqa: S311 - simulated patients, not secrets
    killer = Killer(env, kill_every, random.Random(seed + 1))  # noqa: S311 if kill_every > 0 else None
    began = time.monotonic()
    deadline = began + duration
    threads = [
        threading.Thread(
            target=Patient(
                email=patient_email(i),
                tag=f"{tag}-p{i}",
                client=client,
                ledger=ledger,
                stats=stats,
                rng=random.Random(rng.random()),  # noqa: S311
                deadline=deadline,
            ).run,
            daemon=True,
        )
        for i, client in drivers
    ]
    for thread in threads:
        thread.start()
    if killer is not None:
        killer.start()
    for thread in threads:
        # Bounded: a write in progress at the deadline gets its retries (about 11 s) and
        # two request timeouts at most.
        thread.join(max(0.0, deadline - time.monotonic()) + 150)
    wall = time.monotonic() - began
    if killer is not None:
        killer.stopped.set()
        killer.join(5)
    stuck = sum(t.is_alive() for t in threads)
    return {
        "stats": stats,
        "ledger": ledger,
        "wall": wall,
        "killed": killer.killed if killer else [],
        "stuck_threads": stuck,
    }


def _results(
    figures: dict[str, Any],
    verdict: dict[str, Any],
    env: Environment,
    database: str,
    duration: float,
    patients: int,
    kill_every: float,
    use_redis: bool,
) -> dict[str, Any]:
    stats: Stats = figures["stats"]
    wall = figures["wall"]
    checked = verdict["checked"]
    return {
        "database": database,
        "duration_s": duration,
        "wall_s": round(wall, 1),
        "patients": patients,
        "gunicorn": f"{env.workers} workers × {env.threads} threads (gthread)",
        "cache": "Redis" if use_redis else "local memory",
        "kill_every_s": kill_every,
        "workers_killed": len(figures["killed"]),
        "stuck_threads": figures["stuck_threads"],
        "requests": dict(stats.requests),
        "acknowledged": checked["acknowledged"],
        "throughput": {
            "acknowledged_writes_per_s": round(checked["acknowledged"] / wall, 1),
            "posts_per_s": round(stats.requests["POST"] / wall, 1),
            "requests_per_s": round(sum(stats.requests.values()) / wall, 1),
        },
        "errors": dict(stats.errors.most_common()),
        "notes": dict(stats.notes),
        "error_samples": stats.samples,
        "verdict": verdict,
    }


def format_results(results: dict[str, Any]) -> str:
    """A plain-text report of one run."""
    v = results["verdict"]
    c, checked = v["counts"], v["checked"]
    lines = [
        f"Reliability load test — {results['database']}, {results['patients']} patients, "
        f"{results['duration_s']:.0f} s (wall {results['wall_s']} s), {results['gunicorn']}, "
        f"cache {results['cache']}",
        f"  workers killed (SIGKILL): {results['workers_killed']} "
        f"(about every {results['kill_every_s']} s)",
        f"  writes sent: {checked['writes']} — acknowledged {checked['acknowledged']} "
        f"({checked['acknowledged_new']} new, {checked['acknowledged_edits']} edits), "
        f"not saved {checked['not_saved']}, other {checked['other_outcomes']}",
        f"  double taps: {checked['double_submits']}, replays after acknowledgement: "
        f"{checked['replays']}; entries in the database: {checked['entries_in_database']}",
        f"  lost {c['lost']}, duplicated {c['duplicated']}, partial {c['partial']}, "
        f"not as entered {c['mismatched']}, saved but reported not saved "
        f"{c['saved_but_reported_not_saved']}, wrong redirect {c['wrong_redirect']}, "
        f"edits lost {c['edits_lost']}, edits applied twice {c['edits_duplicated']}, "
        f"history gaps {c['history_gaps']}, unexpected records {c['unexpected_records']}",
        "  throughput: {acknowledged_writes_per_s} acknowledged writes/s, {posts_per_s} POST/s, "
        "{requests_per_s} requests/s".format(**results["throughput"]),
        "  requests: " + ", ".join(f"{k} {n}" for k, n in sorted(results["requests"].items())),
        "  errors by kind: "
        + (", ".join(f"{k}: {n}" for k, n in results["errors"].items()) or "none"),
    ]
    if results["notes"]:
        lines.append("  notes: " + ", ".join(f"{k}: {n}" for k, n in results["notes"].items()))
    if results["stuck_threads"]:
        lines.append(f"  patients still busy at the end: {results['stuck_threads']}")
    lines.append("  VERDICT: " + ("PASS" if v["ok"] else "FAIL"))
    lines += [f"    {p}" for p in v["problems"][:20]]
    return "\n".join(lines)
