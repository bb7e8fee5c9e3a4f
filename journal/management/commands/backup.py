"""`manage.py backup PATH`: a consistent backup of the live database (the app may keep running)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from journal.services.backup import BackupError, backup_database


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database to PATH while the app keeps running: "
        "SQLite via the online backup API (a single .sqlite3 file), PostgreSQL via "
        "pg_dump --format=custom. Restore it with `manage.py restore PATH`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Where to write the backup file.")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Overwrite PATH if it already exists."
        )

    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["path"]
        alias = str(options["database"])
        try:
            backup_database(path=path, using=alias, overwrite=bool(options["force"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        vendor = connections[alias].vendor
        size = path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(f"Backed up the {vendor} database to {path} ({size} bytes).")
        )
