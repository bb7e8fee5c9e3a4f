"""Writable files (SQLite database, collected static files) go to LOCAL_DIR, not beside the code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT_PATHS = (
    "from django.conf import settings; "
    "print(settings.DATABASES['default']['NAME']); print(settings.STATIC_ROOT)"
)
PATH_VARIABLES = {"DATABASE_URL", "SQLITE_PATH", "STATIC_ROOT", "LOCAL_DIR"}


def paths(cwd: Path, **env: str) -> tuple[Path, Path]:
    """The SQLite file and STATIC_ROOT the settings choose when started from cwd with env."""
    clean = {key: value for key, value in os.environ.items() if key not in PATH_VARIABLES}
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", PRINT_PATHS],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    database, static_root = result.stdout.splitlines()[-2:]
    return Path(database), Path(static_root)


def test_defaults_are_in_the_working_directory(tmp_path: Path) -> None:
    assert paths(tmp_path) == (tmp_path / "db.sqlite3", tmp_path / "staticfiles")


def test_in_the_checkout_the_defaults_stay_at_the_repository_root() -> None:
    assert paths(ROOT) == (ROOT / "db.sqlite3", ROOT / "staticfiles")


def test_local_dir_moves_both(tmp_path: Path) -> None:
    local = tmp_path / "var"
    assert paths(ROOT, LOCAL_DIR=str(local)) == (local / "db.sqlite3", local / "staticfiles")


def test_sqlite_path_and_static_root_override_local_dir(tmp_path: Path) -> None:
    database, static_root = tmp_path / "data" / "journal.sqlite3", tmp_path / "public"
    assert paths(
        tmp_path,
        LOCAL_DIR=str(tmp_path / "var"),
        SQLITE_PATH=str(database),
        STATIC_ROOT=str(static_root),
    ) == (database, static_root)
