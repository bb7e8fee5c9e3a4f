"""Migrations are reversible: journal can go to zero and forward again."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from journal.models import Role, User
from tests.conftest import enroll
from tests.reliability_support import default_database, scratch_postgres_database, sqlite_file


def _schema() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return {
            table: sorted(
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            )
            for table in tables
        }


def _there_and_back_again() -> None:
    call_command("migrate", verbosity=0)
    forward = _schema()
    assert "journal_submissiontoken" in forward
    call_command("migrate", "journal", "zero", verbosity=0)
    assert not any(table.startswith("journal_") for table in _schema())
    call_command("migrate", verbosity=0)
    assert _schema() == forward
    enroll("pat@clinic.test", Role.PATIENT)
    assert User.objects.filter(email="pat@clinic.test").exists()


# A scratch database keeps the schema of the shared test database untouched for other tests.
@pytest.mark.django_db(transaction=True)
def test_journal_migrations_go_to_zero_and_forward_again(tmp_path) -> None:
    if connection.vendor == "sqlite":
        with default_database(sqlite_file(tmp_path)):
            _there_and_back_again()
    else:
        with scratch_postgres_database("migrations") as name, default_database(name):
            _there_and_back_again()


@pytest.mark.django_db
def test_the_models_and_migrations_agree() -> None:
    call_command("makemigrations", "journal", check=True, dry_run=True, verbosity=0)
