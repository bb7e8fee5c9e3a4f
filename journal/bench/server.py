"""The production-like environment of a benchmark run: settings, database, gunicorn.

Everything started here is stopped in `Environment.close()` (process-group kill), which the
runner calls from a `finally` block and from SIGINT/SIGTERM handlers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from journal.bench.httpload import HttpClient

PG_URL = "postgres://postgres@127.0.0.1:5432"
# Overridable so that two people (or a before/after pair) never drop each other's database.
BENCH_DB = os.environ.get("AFTERCARE_BENCH_DB", "aftercare_bench")
# A Redis database of its own, flushed for cold-cache measurements.
REDIS_URL = os.environ.get("AFTERCARE_BENCH_REDIS", "redis://127.0.0.1:6379/14")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available(url: str = REDIS_URL) -> bool:
    """True when the benchmark's Redis database answers a PING."""
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def flush_cache(url: str = REDIS_URL) -> None:
    """Empty the benchmark's Redis database (cold chart cache)."""
    import redis

    redis.Redis.from_url(url, socket_timeout=5).flushdb()


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

    database: str = "sqlite"
    workers: int = 3
    threads: int = 2
    use_redis: bool = True
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="aftercare-bench-")))
    base_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parents[2])
    port: int = 0
    server: subprocess.Popen | None = None
    log: Path | None = None

    def env(self) -> dict[str, str]:
        """Production settings: DEBUG off, a real secret, one allowed host, no HTTPS redirect."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL"}
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
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        if self.database == "postgres":
            env["DATABASE_URL"] = f"{PG_URL}/{BENCH_DB}"
        else:
            env["SQLITE_PATH"] = str(self.root / "bench.sqlite3")
        if self.use_redis:
            env["REDIS_URL"] = REDIS_URL
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
            env=self.env(),
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
        """Drop and create `aftercare_bench` (PostgreSQL) or start from an empty SQLite file."""
        if self.database == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {BENCH_DB}")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.root / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
        if self.use_redis:
            flush_cache()

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
        """Stop the server, drop the PostgreSQL database and remove the temp dir."""
        self.stop()
        if self.database == "postgres" and not keep:
            try:
                import psycopg

                with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            except Exception:  # noqa: S110 - best effort on the way out
                pass
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)
