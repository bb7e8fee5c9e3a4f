"""The production-like environment of a benchmark run: settings, database, gunicorn.

Everything started here is stopped in `Environment.close()` (process-group kill), which the
runner calls from a `finally` block and from SIGINT/SIGTERM handlers. The database and the
Redis server are throwaway ones this run created (`tools.throwaway`); nothing else is dropped
or flushed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.bench.httpload import HttpClient
from tools.throwaway import (
    ThrowawayDatabase,
    ThrowawayRedis,
    free_port,
    redis_server_available,
)

# Temp dirs this process made: `close()` removes only those.
_MADE_ROOTS: set[Path] = set()


def _make_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="aftercare-bench-"))
    _MADE_ROOTS.add(root)
    return root


def redis_available() -> bool:
    """True when the run can have a Redis server of its own."""
    return redis_server_available()


def rss_mb(pid: int) -> float | None:
    """Resident set size of a process in MB (VmRSS), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (gunicorn workers of the master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (ppid) comes after the parenthesised command name.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


@dataclass
class Environment:
    """A temp dir, environment variables, a fresh database and (once started) gunicorn."""

    # Every run's PostgreSQL database is `<db_prefix><random>`, created by the run itself.
    db_prefix = "aftercare_bench_"

    database: str = "sqlite"
    workers: int = 3
    threads: int = 2
    use_redis: bool = True
    root: Path = field(default_factory=_make_root)
    base_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parents[2])
    port: int = 0
    server: subprocess.Popen | None = None
    log: Path | None = None
    pg: ThrowawayDatabase | None = None
    redis: ThrowawayRedis | None = None

    def env(self, *, dev_tools: bool = False) -> dict[str, str]:
        """Production settings: DEBUG off, a real secret, one allowed host, no HTTPS redirect.

        `dev_tools` installs the tools app, for this run's own `manage.py` children only;
        gunicorn serves the application as shipped, plus the reference page
        (`tools.bench.reference`) every page is compared with."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "AFTERCARE_DEV_TOOLS"}
        }
        env.update(
            DEBUG="0",
            SECRET_KEY=self._secret(),
            ALLOWED_HOSTS="127.0.0.1",
            # TLS is terminated by a proxy in production; the benchmark speaks plain HTTP.
            SECURE_SSL_REDIRECT="0",
            SECURE_HSTS_SECONDS="0",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            # The shipped settings plus the plain-Django reference page (tools/bench/settings.py).
            DJANGO_SETTINGS_MODULE="tools.bench.settings",
        )
        if self.pg is not None:
            env["DATABASE_URL"] = self.pg.url
        else:
            env["SQLITE_PATH"] = str(self.root / "bench.sqlite3")
        if self.redis is not None:
            env["REDIS_URL"] = self.redis.url
        if dev_tools:
            env["AFTERCARE_DEV_TOOLS"] = "1"
        return env

    def _secret(self) -> str:
        path = self.root / "secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(64))
        return path.read_text()

    def manage(self, *args: str, timeout: float = 1800) -> str:
        """Run `manage.py <args>` in the benchmark environment; returns its output."""
        result = subprocess.run(  # noqa: S603 - fixed interpreter and script
            [sys.executable, str(self.base_dir / "manage.py"), *args],
            cwd=self.base_dir,
            env=self.env(dev_tools=True),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def fresh_database(self) -> None:
        """A new PostgreSQL database of this run's own (dropping the run's previous one) or an
        empty SQLite file in the run's temp dir; and an empty private Redis."""
        if self.database == "postgres":
            if self.pg is not None and self.pg.created:
                self.pg.drop()
            self.pg = ThrowawayDatabase(self.db_prefix)
            self.pg.create()
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.root / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
        if self.use_redis:
            if self.redis is None:
                self.redis = ThrowawayRedis(self.root)
                self.redis.start()
            self.flush_cache()

    def flush_cache(self) -> None:
        """Empty the run's own Redis server (cold chart cache); nothing when there is none."""
        if self.redis is not None:
            self.redis.flush()

    def start(self) -> None:
        """Start gunicorn on a free port and wait until /ping/ answers."""
        self.port = free_port()
        self.log = self.root / "gunicorn.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "--keep-alive",
            "30",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as log:
            self.server = subprocess.Popen(  # noqa: S603 - fixed command
                command,
                cwd=self.base_dir,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                client = HttpClient("127.0.0.1", self.port)
                ok = client.get("/ping/").status == 200
                client.close()
                if ok and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /ping/ within 60 s")

    def worker_pids(self) -> list[int]:
        return children(self.server.pid) if self.server else []

    def worker_rss(self) -> dict[int, float | None]:
        """VmRSS (MB) of every gunicorn worker."""
        return {pid: rss_mb(pid) for pid in self.worker_pids()}

    def stop(self) -> None:
        """Stop gunicorn's whole process group (TERM, then KILL after 10 s)."""
        if self.server is None:
            return
        try:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=10)
        self.server = None

    @contextlib.contextmanager
    def closing(self) -> Iterator[Environment]:
        """`close()` when the block ends, however it ends — also on SIGINT/SIGTERM (exit
        128 + signal), so no gunicorn, database or temp dir outlives an interrupted run."""
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def stop(signum: int, frame: object) -> None:
            self.close()
            raise SystemExit(128 + signum)

        for s in previous:
            signal.signal(s, stop)
        try:
            yield self
        finally:
            self.close()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def close(self, keep: bool = False) -> None:
        """Stop gunicorn and the run's Redis, drop the run's own database, remove the temp dir."""
        self.stop()
        if self.redis is not None:
            self.redis.stop()
            self.redis = None
        if self.pg is not None and self.pg.created and not keep:
            with contextlib.suppress(Exception):  # best effort on the way out
                self.pg.drop()
        if not keep and self.root in _MADE_ROOTS:
            shutil.rmtree(self.root, ignore_errors=True)
            _MADE_ROOTS.discard(self.root)
