"""Backups: `manage.py backup` while the app runs, `manage.py restore` into an empty database."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from journal import services
from journal.models import AuditEvent, ClinicSettings, Role, TreatmentSession, User
from journal.services.journal import log_session
from tests.conftest import enroll
from tests.reliability_support import (
    default_database,
    every_record,
    scratch_postgres_database,
    sqlite_file,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _some_of_everything() -> None:
    admin = enroll("admin@clinic.test", Role.ADMIN, "Casey Admin")
    patient = enroll("pat@clinic.test", Role.PATIENT, "Pat Patient", actor=admin)
    enroll("dr@clinic.test", Role.PROVIDER, "Dr Provider", actor=admin)
    services.update_clinic_settings(
        actor=admin, values={"clinic_phone": "+1 555 0100", "severe_systolic": 175}
    )
    for hours, note in ((30, "first dose, dissociated ~40 min"), (6, "easier; “quotes” & ümlauts")):
        log_session(
            patient=patient,
            started_at=timezone.now() - timedelta(hours=hours),
            route="intranasal",
            dose_mg=Decimal("56.00"),
            note=note,
        )


@pytest.fixture
def recorded() -> dict[str, list[dict]]:
    _some_of_everything()
    records = every_record()
    assert records["journal.User"] and records["journal.AuditEvent"]
    assert len(records["journal.TreatmentSession"]) == 2
    return records


def _restore_into_empty_database(backup: Path, tmp_path: Path) -> dict[str, list[dict]]:
    """Restore into a new, empty database and read every record back from it."""
    if connection.vendor == "sqlite":
        with default_database(sqlite_file(tmp_path, "restored.sqlite3")):
            call_command("restore", str(backup), verbosity=0)
            restored = every_record()
            # The restored database takes new writes after the old ones.
            pk = enroll("after@clinic.test", Role.PATIENT).pk
            assert pk > max(row["id"] for row in restored["journal.User"])
        return restored
    with scratch_postgres_database("restore") as name, default_database(name):
        call_command("restore", str(backup), verbosity=0)
        restored = every_record()
        pk = enroll("after@clinic.test", Role.PATIENT).pk
        assert pk > max(row["id"] for row in restored["journal.User"])
    return restored


def test_a_backup_restored_into_an_empty_database_has_every_record(recorded, tmp_path) -> None:
    backup = tmp_path / "aftercare.backup"
    call_command("backup", str(backup), verbosity=0)
    assert backup.stat().st_size > 0
    assert not list(tmp_path.glob(".*partial*")), "no half-written files left behind"
    assert _restore_into_empty_database(backup, tmp_path) == recorded


def test_restore_refuses_a_database_that_is_not_empty(recorded, tmp_path) -> None:
    backup = tmp_path / "aftercare.backup"
    call_command("backup", str(backup), verbosity=0)
    services.update_clinic_settings(
        actor=User.objects.get(email="admin@clinic.test"), values={"clinic_phone": "changed"}
    )
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup), verbosity=0)
    assert ClinicSettings.load().clinic_phone == "changed", "a refused restore changes nothing"
    call_command("restore", str(backup), force=True, verbosity=0)
    assert ClinicSettings.load().clinic_phone == "+1 555 0100"
    assert every_record() == recorded


def test_backup_will_not_overwrite_a_file_unless_forced(recorded, tmp_path) -> None:
    backup = tmp_path / "aftercare.backup"
    backup.write_bytes(b"precious")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(backup), verbosity=0)
    assert backup.read_bytes() == b"precious"
    call_command("backup", str(backup), force=True, verbosity=0)
    assert backup.read_bytes() != b"precious"


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(CommandError, match="is not a"):
        call_command("restore", str(junk), verbosity=0)


def test_a_backup_taken_while_the_app_writes_is_consistent(tmp_path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump's snapshot consistency is PostgreSQL's own guarantee")
    with default_database(sqlite_file(tmp_path)):
        call_command("migrate", verbosity=0)
        patient = enroll("pat@clinic.test", Role.PATIENT)
        stop = threading.Event()

        def keep_writing() -> None:
            from django.db import connections

            try:
                while not stop.is_set():
                    log_session(
                        patient=patient,
                        started_at=timezone.now() - timedelta(minutes=5),
                        route="iv",
                    )
                    services.record_audit(action="probe.write", subject=patient)
            finally:
                connections.close_all()

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            backups = [tmp_path / f"during-{i}.sqlite3" for i in range(3)]
            for backup in backups:
                call_command("backup", str(backup), verbosity=0)
        finally:
            stop.set()
            writer.join(timeout=30)
        assert TreatmentSession.objects.count() > 0
    for i, backup in enumerate(backups):
        with default_database(sqlite_file(tmp_path, f"restored-{i}.sqlite3")):
            call_command("restore", str(backup), verbosity=0)
            # Each snapshot is whole: every session's audit row made it, or neither did.
            sessions = TreatmentSession.objects.count()
            audits = AuditEvent.objects.filter(action="probe.write").count()
            assert audits in (sessions, sessions - 1)
