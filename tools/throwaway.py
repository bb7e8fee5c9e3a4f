"""Throwaway resources for the benchmark and the load test: a PostgreSQL database and a Redis
server that this process created itself, and that it is the only thing it will ever remove.

The database gets a fresh random name per run (`aftercare_bench_<random>`); CREATE DATABASE
fails rather than adopt a database that already exists, and dropping refuses any name this
object did not create. Redis is a private `redis-server` on a free port with persistence off,
so emptying it can never reach a shared server's keys.
"""

from __future__ import annotations

import re
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

PG_URL = "postgres://postgres@127.0.0.1:5432"
_PREFIX = re.compile(r"[a-z][a-z0-9_]*_")


class RefusedError(RuntimeError):
    """A request to remove or empty something this process did not create."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayDatabase:
    """One PostgreSQL database named `<prefix><random>`, created and dropped by this object."""

    def __init__(self, prefix: str, server_url: str = PG_URL) -> None:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"database prefix must look like 'aftercare_bench_', not {prefix!r}")
        self.name = f"{prefix}{secrets.token_hex(6)}"
        self.server_url = server_url
        self.created = False

    @property
    def url(self) -> str:
        return f"{self.server_url}/{self.name}"

    def _execute(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        query = sql.SQL(statement).format(sql.Identifier(self.name))
        with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as conn:
            conn.execute(query)

    def create(self) -> None:
        """CREATE DATABASE under the fresh name; an existing database of that name is an
        error, never something to take over."""
        if self.created:
            raise RefusedError(f"database {self.name} was already created by this run")
        self._execute("CREATE DATABASE {}")
        self.created = True

    def drop(self, name: str | None = None) -> None:
        """Drop the database this object created; any other name is refused."""
        if name is not None and name != self.name:
            raise RefusedError(f"refusing to drop {name}: this run created only {self.name}")
        if not self.created:
            raise RefusedError(f"refusing to drop {self.name}: this run did not create it")
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self.created = False


def redis_server_available() -> bool:
    """True when a private `redis-server` can be started (binary and client library present)."""
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return shutil.which("redis-server") is not None


class ThrowawayRedis:
    """A `redis-server` of our own on 127.0.0.1 (no persistence), stopped by `stop()`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        """Start the server and wait until it answers PING."""
        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary, fixed arguments
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer within {timeout} s")

    def flush(self) -> None:
        """Empty this private server (cold chart cache); refused when it is not running."""
        import redis

        if self.process is None or self.process.poll() is not None:
            raise RefusedError("refusing to flush Redis: this run's own server is not running")
        redis.Redis(port=self.port, socket_timeout=5).flushdb()

    def stop(self) -> None:
        """Terminate the server (KILL after 5 s)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None
