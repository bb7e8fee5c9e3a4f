"""Settings refuse an insecure production start and parse the environment strictly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 30 + "-production-secret-key-for-tests-0123456789"


def _check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "CACHE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start() -> None:
    result = _check({"DEBUG": "0", "ALLOWED_HOSTS": "clinic.example"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start() -> None:
    result = _check({"DEBUG": "0", "SECRET_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_malformed_boolean_is_a_configuration_error() -> None:
    result = _check({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    result = _check(
        {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "clinic.example"},
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_defaults_need_no_environment() -> None:
    result = _check({})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("name", "raw"), [("EMAIL_PORT", "twenty-five"), ("EMAIL_PORT", "0")])
def test_malformed_integers_are_refused(name: str, raw: str) -> None:
    result = _check({name: raw})
    assert result.returncode != 0
    assert name in result.stderr


def test_sqlite_runs_in_wal_mode_with_full_sync(db) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite-specific")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
    # The test database is in memory (no WAL there); the configured pragma is what matters.
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]
