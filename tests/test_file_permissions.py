"""Database files and backups are created readable by the app's own account only (0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from journal.services.reliability import backup_database

ROOT = Path(__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "") != "", reason="SQLite files only")
def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path) -> None:
    db = tmp_path / "fresh.sqlite3"
    env = {**os.environ, "SQLITE_PATH": str(db), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    probe = (
        "import django, os, stat, sys; django.setup();"
        "from django.db import connection; connection.ensure_connection();"
        "connection.cursor().execute('CREATE TABLE t (x)');"
        "print(' '.join(f'{n}:{stat.S_IMODE(os.stat(sys.argv[1] + n).st_mode):o}'"
        " for n in ('', '-wal', '-shm') if os.path.exists(sys.argv[1] + n)))"
    )
    out = subprocess.run(  # the umask applies from settings import on, as in a real process
        [sys.executable, "-c", probe, str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        umask=0o022,
    ).stdout.split()
    modes = dict(item.split(":") for item in out)
    assert set(modes) >= {"", "-wal", "-shm"}, modes
    assert set(modes.values()) == {"600"}, modes


@pytest.mark.django_db(transaction=True)  # a backup reads outside the test transaction
def test_a_backup_is_private_even_under_a_permissive_umask(tmp_path) -> None:
    target = tmp_path / "backup.bin"
    previous = os.umask(0o022)
    try:
        backup_database(path=target)
    finally:
        os.umask(previous)
    assert _mode(target) == 0o600
    assert not list(tmp_path.glob(".*partial*"))
