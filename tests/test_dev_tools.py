"""The development tools app: installed only on request, and careful with what it removes."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from journal.models import User
from tools import throwaway
from tools.bench.server import Environment
from tools.loadtest.run import LoadEnvironment
from tools.throwaway import RefusedError, ThrowawayDatabase, ThrowawayRedis

ROOT = Path(__file__).resolve().parent.parent
TOOL_COMMANDS = ("benchmark", "generate_data", "loadtest")


def _manage_help(**env: str) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AFTERCARE_DEV_TOOLS", "DEBUG", "DATABASE_URL", "REDIS_URL", "CACHE_URL"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "help", "--commands"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_the_shipped_app_has_no_benchmark_generator_or_load_test_commands() -> None:
    listed = set(_manage_help().split())
    assert "seed_demo" in listed  # the listing itself worked
    assert listed.isdisjoint(TOOL_COMMANDS)


def test_the_dev_tools_flag_installs_the_tool_commands() -> None:
    listed = set(_manage_help(AFTERCARE_DEV_TOOLS="1").split())
    assert set(TOOL_COMMANDS) <= listed


def test_the_test_run_has_the_tools_app_installed() -> None:
    assert apps.is_installed("tools")


@pytest.mark.django_db
def test_generate_data_refuses_with_debug_off(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off: refusing to create benchmark accounts"):
        call_command("generate_data", "--patients", "1", "--days", "1", stdout=io.StringIO())
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_generate_data_runs_with_debug_off_only_when_forced(settings) -> None:
    settings.DEBUG = False
    out = io.StringIO()
    call_command("generate_data", "--patients", "1", "--days", "2", "--force", stdout=out)
    assert User.objects.filter(email__endswith="@bench.aftercare.test").exists()
    assert "rows in" in out.getvalue()


# --- Throwaway PostgreSQL databases ----------------------------------------------------------


@pytest.fixture
def statements(monkeypatch) -> list[str]:
    """Record the SQL a ThrowawayDatabase would run, instead of running it."""
    sent: list[str] = []

    def execute(self: ThrowawayDatabase, statement: str) -> None:
        sent.append(statement.replace("{}", self.name))

    monkeypatch.setattr(ThrowawayDatabase, "_execute", execute)
    return sent


def test_each_throwaway_database_gets_a_fresh_name_under_its_prefix() -> None:
    first, second = ThrowawayDatabase("aftercare_bench_"), ThrowawayDatabase("aftercare_bench_")
    assert first.name.startswith("aftercare_bench_") and len(first.name) > len("aftercare_bench_")
    assert first.name != second.name
    with pytest.raises(ValueError, match="prefix"):
        ThrowawayDatabase('x"; DROP DATABASE postgres; --')


def test_a_throwaway_database_refuses_to_drop_what_it_did_not_create(statements) -> None:
    db = ThrowawayDatabase("aftercare_bench_")
    with pytest.raises(RefusedError, match="did not create"):
        db.drop()
    db.create()
    with pytest.raises(RefusedError, match="refusing to drop postgres"):
        db.drop("postgres")
    with pytest.raises(RefusedError, match="already created"):
        db.create()
    db.drop()
    with pytest.raises(RefusedError):
        db.drop()
    assert statements == [
        f"CREATE DATABASE {db.name}",
        f"DROP DATABASE IF EXISTS {db.name} WITH (FORCE)",
    ]


def test_the_benchmark_environment_drops_only_databases_it_created(statements, tmp_path) -> None:
    env = Environment(database="postgres", use_redis=False, root=tmp_path)
    env.fresh_database()
    first = env.pg.name
    env.fresh_database()  # the large data set starts over in a new database of its own
    second = env.pg.name
    env.close()
    assert first != second
    assert statements == [
        f"CREATE DATABASE {first}",
        f"DROP DATABASE IF EXISTS {first} WITH (FORCE)",
        f"CREATE DATABASE {second}",
        f"DROP DATABASE IF EXISTS {second} WITH (FORCE)",
    ]
    assert tmp_path.exists()  # a directory the environment was handed is not its to remove


def test_an_environment_that_created_nothing_drops_nothing(statements) -> None:
    env = LoadEnvironment(database="postgres", use_redis=False)
    root = env.root
    env.close()
    assert statements == []
    assert not root.exists()  # its own temp dir is removed


def test_the_load_test_uses_its_own_database_prefix(statements) -> None:
    env = LoadEnvironment(database="postgres", use_redis=False)
    with env.closing():
        env.fresh_database()
        assert env.pg.name.startswith("aftercare_loadtest_")
        assert env.env()["DATABASE_URL"].endswith("/" + env.pg.name)


def test_gunicorn_runs_the_shipped_app_and_manage_runs_get_the_tools(tmp_path) -> None:
    env = Environment(use_redis=False, root=tmp_path)
    assert "AFTERCARE_DEV_TOOLS" not in env.env()
    assert env.env(dev_tools=True)["AFTERCARE_DEV_TOOLS"] == "1"
    assert env.env()["DEBUG"] == "0"


def _postgres_server() -> str:
    try:
        import psycopg

        with psycopg.connect(f"{throwaway.PG_URL}/postgres", connect_timeout=2):
            return throwaway.PG_URL
    except Exception:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")


def test_a_throwaway_database_never_takes_over_an_existing_one() -> None:
    import psycopg

    _postgres_server()
    mine = ThrowawayDatabase("aftercare_bench_")
    mine.create()
    try:
        impostor = ThrowawayDatabase("aftercare_bench_")
        impostor.name = mine.name  # a name clash with a database somebody else made
        with pytest.raises(psycopg.errors.DuplicateDatabase):
            impostor.create()
        with pytest.raises(RefusedError):
            impostor.drop()
        with psycopg.connect(mine.url):  # still there
            pass
    finally:
        mine.drop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(mine.url, connect_timeout=2).close()


# --- Throwaway Redis -------------------------------------------------------------------------


def test_redis_flush_is_refused_without_a_server_of_our_own(tmp_path) -> None:
    with pytest.raises(RefusedError, match="own server is not running"):
        ThrowawayRedis(tmp_path).flush()
    env = Environment(use_redis=False, root=tmp_path)
    env.flush_cache()  # no Redis of its own: nothing to flush, and nothing else is touched
    assert env.redis is None


def test_a_private_redis_is_flushed_and_a_shared_one_is_not(tmp_path) -> None:
    import redis

    if not throwaway.redis_server_available():
        pytest.skip("redis-server is not installed")
    shared = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    try:
        shared.ping()
    except redis.ConnectionError:
        shared = None
    marker = f"aftercare-test-marker-{secrets.token_hex(4)}"
    if shared is not None:
        shared.set(marker, "1", ex=120)
    own = ThrowawayRedis(tmp_path)
    own.start()
    try:
        assert own.port != 6379
        mine = redis.Redis(port=own.port, socket_timeout=2)
        mine.set("chart", "cached")
        own.flush()
        assert mine.get("chart") is None
        if shared is not None:
            assert shared.get(marker) == b"1"
    finally:
        own.stop()
        if shared is not None:
            shared.delete(marker)
    with pytest.raises(RefusedError):
        own.flush()
