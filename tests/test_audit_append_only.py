"""The audit and access logs are append-only in the database and hash-chained on every database.

On PostgreSQL a trigger refuses UPDATE and DELETE (except erasure's own delete of access
events); everywhere, `manage.py verify_audit` finds a changed, removed or forged row.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from freezegun import freeze_time

from journal.models import AccessEvent, AuditEvent, ErasedAuditRow
from journal.services import audit_chain, data_rights, record_audit
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

ON_POSTGRES = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the trigger exists on PostgreSQL only"
)


@pytest.fixture
def history(personas, patient, provider):
    """A provider's reads of a shared patient and a few account events."""
    from tests.factories import sharing_world

    sharing_world_objects = sharing_world(personas)
    client = client_for(provider)
    for _ in range(3):
        client.get(reverse("journal:provider-patient", args=[patient.pk]))
    client.get(reverse("journal:provider-home"))
    for n in range(3):
        record_audit(action="test.event", subject=patient, detail={"n": n})
    return sharing_world_objects


def _verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def _tamper(sql: str, params: list) -> None:
    """Change a row as a database superuser would (triggers switched off for the statement)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_an_untouched_log_verifies(history) -> None:
    output = _verify()
    assert "journal_auditevent" in output and "journal_accessevent" in output
    assert output.count("chain intact") == 2
    assert AccessEvent.objects.count() >= 4 and AuditEvent.objects.count() >= 3


def test_every_row_carries_a_hash_chained_onto_the_previous_one(history) -> None:
    rows = list(AuditEvent.objects.order_by("pk"))
    previous = ""
    for row in rows:
        assert row.chain_hash == audit_chain.link(previous, row)
        previous = row.chain_hash
    assert len({row.chain_hash for row in rows}) == len(rows)


def test_a_changed_audit_row_is_found(history) -> None:
    target = AuditEvent.objects.filter(action="test.event").order_by("pk")[1]
    _tamper("UPDATE journal_auditevent SET outcome = %s WHERE id = %s", ["failure", target.pk])
    with pytest.raises(CommandError, match=f"journal_auditevent.*broken at id {target.pk}"):
        _verify()


def test_a_removed_access_row_is_found(history) -> None:
    target = AccessEvent.objects.order_by("pk")[1]
    _tamper("DELETE FROM journal_accessevent WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=r"journal_accessevent.*broken at id"):
        _verify()


def test_a_forged_erasure_record_does_not_excuse_a_removal(history) -> None:
    target = AccessEvent.objects.order_by("pk")[1]
    ErasedAuditRow.objects.create(
        table="journal_accessevent", row_id=target.pk, chain_hash=target.chain_hash
    )
    _tamper("DELETE FROM journal_accessevent WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=f"broken at id {target.pk}"):
        _verify()


def test_a_hash_recomputed_without_the_key_is_found(history, settings) -> None:
    target = AuditEvent.objects.order_by("pk").last()
    settings.AUDIT_CHAIN_KEY = "a key the attacker guessed"
    previous = AuditEvent.objects.filter(pk__lt=target.pk).order_by("-pk").first().chain_hash
    target.detail = {"n": 99}
    forged = audit_chain.link(previous, target)
    settings.AUDIT_CHAIN_KEY = ""
    _tamper(
        "UPDATE journal_auditevent SET detail = %s, chain_hash = %s WHERE id = %s",
        ['{"n": 99}', forged, target.pk],
    )
    with pytest.raises(CommandError, match=f"broken at id {target.pk}"):
        _verify()


def test_erasure_removes_access_rows_and_the_chain_still_verifies(history, patient) -> None:
    with freeze_time("2026-03-01 12:00:00+00:00"):
        data_rights.request_erasure(user=patient, password=PASSWORD)
    with freeze_time("2026-06-01 12:00:00+00:00"):
        assert data_rights.erase_due_accounts() == [patient.pk]
    assert not AccessEvent.objects.filter(patient=patient).exists()
    assert ErasedAuditRow.objects.filter(table="journal_accessevent").count() >= 4
    # Reads after the erasure chain on from the erased rows' kept hashes.
    record_audit(action="test.after")
    assert _verify().count("chain intact") == 2


@ON_POSTGRES
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal_auditevent SET action = 'x'",
        "DELETE FROM journal_auditevent",
        "UPDATE journal_accessevent SET what = 'x'",
        "DELETE FROM journal_accessevent",
        "UPDATE journal_erasedauditrow SET chain_hash = 'x'",
    ],
)
def test_postgres_refuses_updates_and_deletes(history, sql) -> None:
    ErasedAuditRow.objects.create(table="journal_accessevent", row_id=0, chain_hash="h")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


@ON_POSTGRES
def test_postgres_refuses_an_orm_update_too(history) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(outcome="failure")


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="counts SQLite's VM steps")
def test_reading_the_chain_head_does_not_grow_with_the_log(patient) -> None:
    """Every provider page appends access events after reading the chain's newest hash: that
    read must take the newest row by index, not sort every row ever written (it did on SQLite,
    so each view cost more as the log grew). Counted in SQLite virtual-machine steps."""
    table = AccessEvent._meta.db_table
    sql = audit_chain._HEAD_SQL.format(table=connection.ops.quote_name(table))

    def steps() -> int:
        count = 0

        def tick() -> int:
            nonlocal count
            count += 1
            return 0

        connection.ensure_connection()
        raw = connection.connection
        raw.set_progress_handler(tick, 1)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, [table])
                cursor.fetchall()
        finally:
            raw.set_progress_handler(None, 1)
        return count

    audit_chain.append([AccessEvent(patient=patient, what="read") for _ in range(10)])
    few = steps()
    audit_chain.append([AccessEvent(patient=patient, what="read") for _ in range(3000)])
    many = steps()
    assert many <= few + 20, (few, many)


def test_a_list_read_appends_one_chained_row_per_patient_at_one_instant(provider) -> None:
    """The rows of one list read go in together (one multi-row INSERT): each is stored as it
    was hashed (client address and browser included), at the read's one instant."""
    from tests.test_provider import sharing_patient

    names = ["Lia List", "Leo List", "Lou List"]
    for name in names:
        sharing_patient(name, provider)
    client = client_for(provider)
    response = client.get(
        reverse("journal:provider-home"),
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    )
    assert response.status_code == 200
    rows = list(AccessEvent.objects.filter(actor=provider).order_by("pk"))
    assert sorted(row.patient.display_name for row in rows) == sorted(names)
    assert {row.at for row in rows} == {rows[0].at}
    assert {row.ip for row in rows} == {"203.0.113.7"}
    assert all(row.share_id and row.user_agent for row in rows)
    previous = AccessEvent.objects.filter(pk__lt=rows[0].pk).order_by("-pk").first()
    chain = previous.chain_hash if previous else ""
    for row in rows:
        assert row.chain_hash == audit_chain.link(chain, row)
        chain = row.chain_hash
    assert _verify().count("chain intact") == 2


def test_access_events_are_indexed_by_patient_once() -> None:
    """Lookups by patient use the (patient, at) index; the single-column one each list read's
    rows also paid for is gone (migration 0017), on both databases."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, AccessEvent._meta.db_table)
    indexed = [tuple(c["columns"]) for c in found.values() if c["index"] and not c["primary_key"]]
    assert ("patient_id", "at") in indexed
    assert ("patient_id",) not in indexed
    assert ("actor_id",) in indexed and ("share_id",) in indexed
