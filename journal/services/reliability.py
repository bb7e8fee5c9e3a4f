"""Reliability: one-time submission tokens (claim, complete, purge); backup and restore.

`journal.idempotency` is the only caller of the claim/complete/release trio; it runs them and
the view's own write inside one transaction, so a token is claimed exactly when the entry is
written, and a claim disappears with the entry if anything fails.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
from datetime import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from journal.models import SubmissionToken, User


def claim_submission(*, token: str, user: User) -> SubmissionToken:
    """Claim `token` for `user` inside the caller's transaction and return the (locked) row.

    A concurrent claim of the same token waits on the unique index (PostgreSQL) or the write
    lock (SQLite, immediate transactions) until the first claimant commits or rolls back, and
    then sees the committed row, completed or gone.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim_submission must run inside transaction.atomic().")
    claim, _ = SubmissionToken.objects.select_for_update().get_or_create(
        token=token, defaults={"user": user}
    )
    if claim.user_id != user.pk:
        raise PermissionDenied("This submission token belongs to someone else.")
    return claim


def complete_submission(*, claim: SubmissionToken, result_url: str) -> SubmissionToken:
    """Record where the write that used `claim` can be seen; replays are sent there."""
    claim.result_url = result_url[: SubmissionToken._meta.get_field("result_url").max_length]
    claim.completed_at = timezone.now()
    claim.save(update_fields=["result_url", "completed_at"])
    return claim


def release_submission(*, claim: SubmissionToken) -> None:
    """Give a claimed but unused token back (the form came back with errors; nothing written)."""
    if claim.completed_at is None:
        claim.delete()


@transaction.atomic
def purge_submission_tokens(*, created_before: datetime) -> int:
    """Delete submission tokens created before `created_before`; returns how many went."""
    deleted, _ = SubmissionToken.objects.filter(created_at__lt=created_before).delete()
    return deleted


# --- Backups and restore -------------------------------------------------------------------
# SQLite: the online backup API copies a consistent snapshot while the app keeps writing.
# PostgreSQL: pg_dump (custom format) reads one consistent snapshot; pg_restore replays it in a
# single transaction, so a failed restore leaves the target as it was.

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


def _file_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return "unknown"


def _pg_command(program: str, connection: BaseDatabaseWrapper, options: list[str]) -> list[str]:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed or not on PATH.")
    settings_dict = connection.settings_dict
    args = [executable, *options]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    args.append(f"--dbname={settings_dict.get('NAME') or 'postgres'}")
    return args


def _pg_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    # The password travels in the environment, never on the command line.
    _, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    return {**os.environ, **(env or {})}


def _run(args: list[str], env: dict[str, str]) -> None:
    # An argument list from settings, never a shell string.
    result = subprocess.run(  # noqa: S603  # nosec B603
        args, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_check(db: sqlite3.Connection) -> None:
    problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError("SQLite integrity check failed: " + "; ".join(problems[:5]))
    if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise BackupError("SQLite foreign key check failed.")


def backup_database(*, path: Path, using: str = DEFAULT_DB_ALIAS, overwrite: bool = False) -> None:
    """Write a consistent backup of the live database to `path` (written aside, then renamed)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists; choose another name or pass --force.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    connection = connections[using]
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    # A backup holds health data: readable by this account only, whatever the umask.
    partial.unlink(missing_ok=True)  # left by a crashed run of the same process id
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
                # A single self-contained file: no -wal/-shm companions to forget.
                target.execute("PRAGMA journal_mode=DELETE")
                _sqlite_check(target)
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            options = ["--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
            _run(_pg_command("pg_dump", connection, options), _pg_env(connection))
        else:
            raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def database_is_empty(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the database has no tables at all (not even migrated, empty ones)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore_database(*, path: Path, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> None:
    """Load the backup at `path` into the database; refuses a non-empty one unless `force`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    connection = connections[using]
    kind = _file_kind(path)
    if kind != connection.vendor:
        raise BackupError(
            f"{path} is not a {connection.vendor} backup"
            + (f" (it is a {kind} backup)." if kind != "unknown" else ".")
        )
    if not force and not database_is_empty(using=using):
        raise BackupError(
            "The target database is not empty. Restore into a new, empty database, or pass "
            "--force to replace everything in it."
        )
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            _sqlite_check(source)
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
        _sqlite_check(connection.connection)
    else:
        options = ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges"]
        if force:
            options += ["--clean", "--if-exists"]
        _run([*_pg_command("pg_restore", connection, options), str(path)], _pg_env(connection))
    connection.close()
