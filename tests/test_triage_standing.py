"""`TriageStanding` (the open flags each share shows its provider, kept for the triage list's
ranking) equals a recount from the flags after every write that can change it, and the list
ranked from it is the list counted in Python."""

from __future__ import annotations

import ast
import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Max, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journal import permissions, services
from journal.models import (
    BloodPressureReading,
    Flag,
    FlagSeverity,
    Role,
    Share,
    TriageStanding,
)
from journal.reads import provider as provider_reads
from journal.services import data_rights, security, standings
from tests.conftest import PASSWORD, enroll
from tests.test_provider import ALL, low_mood, severe_reading, sharing_patient

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def provider_without_share(personas):
    return personas.provider_without_share


def recount(share: Share) -> dict | None:
    """The share's open flags counted from the flags, as the provider's pages show them."""
    shown = permissions.shared_flags(share).filter(acknowledged_at__isnull=True)
    found = shown.aggregate(
        max_severity=Max("severity"),
        open_count=Count("pk"),
        urgent=Count("pk", filter=Q(severity=FlagSeverity.URGENT)),
        high=Count("pk", filter=Q(severity=FlagSeverity.HIGH)),
        notable=Count("pk", filter=Q(severity=FlagSeverity.NOTABLE)),
        latest_flag_at=Max("raised_at"),
    )
    # The one the list shows: most severe, then newest, then last written.
    top = shown.order_by("-severity", "-raised_at", "-pk").first()
    found["top_flag"] = top.pk if top else None
    return found if found["open_count"] else None


def kept(share: Share) -> dict | None:
    row = TriageStanding.objects.filter(share=share).values(
        "max_severity", "open_count", "urgent", "high", "notable", "latest_flag_at", "top_flag"
    )
    return row[0] if row else None


def assert_every_standing_true() -> None:
    shares = Share.objects.filter(revoked_at__isnull=True).select_related("patient")
    assert shares, "nothing to check"
    for share in shares:
        assert kept(share) == recount(share), share


def _tamper() -> None:
    """Make every kept standing wrong, so that a test sees whether a write recounts it."""
    TriageStanding.objects.update(open_count=99)


# --- Each write that changes what a share shows ----------------------------------------------


def test_a_new_flag_and_a_second_one_are_counted(provider) -> None:
    patient = sharing_patient("Nia New", provider)
    share = Share.objects.get(patient=patient)
    assert kept(share) is None
    severe_reading(patient)
    assert kept(share)["open_count"] == 1
    assert kept(share)["urgent"] == 1
    low_mood(patient)
    assert kept(share)["open_count"] == 2
    assert_every_standing_true()


def test_an_edit_that_rejudges_a_flag_recounts_it(provider) -> None:
    patient = sharing_patient("Eli Edit", provider)
    severe_reading(patient)
    reading = BloodPressureReading.objects.get(patient=patient)
    _tamper()
    services.edit_reading(
        patient=patient,
        reading=reading,
        expected_version=reading.version,
        measured_at=reading.measured_at - timedelta(minutes=5),
        systolic=186,
        diastolic=121,
        context="home",
    )
    assert_every_standing_true()
    assert kept(Share.objects.get(patient=patient))["open_count"] == 1


def test_acknowledging_one_flag_and_several_recounts(provider, provider_without_share) -> None:
    patient = sharing_patient("Ada Ack", provider)
    services.grant_share(patient=patient, provider=provider_without_share, categories=ALL)
    severe_reading(patient)
    low_mood(patient)
    low_mood(patient, hours_ago=30)
    first, *rest = Flag.objects.filter(patient=patient).order_by("pk")
    services.acknowledge_flag(provider=provider, flag=first, disposition="reviewed")
    # An acknowledgement closes the flag for every provider the patient shares with.
    assert_every_standing_true()
    assert {kept(s)["open_count"] for s in Share.objects.filter(patient=patient)} == {len(rest)}
    services.acknowledge_flags(provider=provider, flags=rest, disposition="contacted")
    assert_every_standing_true()
    assert not TriageStanding.objects.filter(share__patient=patient).exists()


def test_granting_and_changing_a_share_counts_what_it_shows(provider) -> None:
    patient = sharing_patient("Sam Share", provider, categories=["mood"])
    severe_reading(patient)
    low_mood(patient)
    share = Share.objects.get(patient=patient)
    # Blood pressure is not shared: only the mood flag counts.
    assert (kept(share)["open_count"], kept(share)["urgent"]) == (1, 0)
    services.update_share(
        patient=patient, share=share, categories=ALL, starts_on=None, expires_on=None
    )
    assert (kept(share)["open_count"], kept(share)["urgent"]) == (2, 1)
    services.update_share(
        patient=patient,
        share=Share.objects.get(pk=share.pk),
        categories=ALL,
        starts_on=permissions.patient_today(patient) + timedelta(days=1),
        expires_on=None,
    )
    # From tomorrow: today's flags are before the share's start.
    assert kept(share) is None
    assert_every_standing_true()


def test_a_new_time_zone_recounts_the_patients_shares(provider, clinic_admin) -> None:
    patient = sharing_patient("Tia Zone", provider)
    severe_reading(patient)
    _tamper()
    security.update_account_settings(
        user=patient, display_name=patient.display_name, time_zone="Pacific/Auckland"
    )
    assert_every_standing_true()
    _tamper()
    services.update_account(
        actor=clinic_admin,
        user=patient,
        display_name=patient.display_name,
        time_zone="Europe/Madrid",
    )
    assert_every_standing_true()


def test_revoking_keeps_counts_and_the_list_leaves_the_patient_out(provider) -> None:
    patient = sharing_patient("Rex Revoke", provider)
    severe_reading(patient)
    share = Share.objects.get(patient=patient)
    services.revoke_share(patient=patient, share=share)
    assert provider_reads.triage(provider) == []
    assert kept(share)["open_count"] == 1  # never read again: the share is not active


def test_an_erased_account_takes_its_standings_with_it(provider) -> None:
    patient = sharing_patient("Eve Erased", provider)
    severe_reading(patient)
    assert TriageStanding.objects.filter(share__patient=patient).exists()
    due = data_rights.request_erasure(user=patient, password=PASSWORD)
    data_rights.erase_account(user=patient, now=due + timedelta(seconds=1))
    assert not TriageStanding.objects.filter(share__patient=patient).exists()
    assert provider_reads.triage(provider) == []


def test_refresh_is_harmless_twice_and_repairs_a_wrong_standing(provider) -> None:
    patient = sharing_patient("Ivy Idem", provider)
    severe_reading(patient)
    _tamper()
    standings.refresh([patient.pk])
    standings.refresh([patient.pk])
    assert_every_standing_true()
    assert TriageStanding.objects.count() == 1


def test_the_migration_counts_existing_shares(provider) -> None:
    patient = sharing_patient("Mia Migrate", provider)
    severe_reading(patient)
    low_mood(patient)
    TriageStanding.objects.all().delete()
    migration = importlib.import_module("journal.migrations.0016_triage_standing")
    migration.count_open_flags(apps, None)
    assert_every_standing_true()


# --- The ranking ------------------------------------------------------------------------------


def _sharing(name: str, email: str, provider):
    patient = enroll(f"{email}@clinic.test", Role.PATIENT, name)
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    return patient


def _cast(provider, provider_without_share) -> None:
    """Patients whose order needs every rule: severity, then count, then the newest flag, then
    the name (case-insensitive), then the id; partial shares; a share for another provider."""
    now = timezone.now()
    urgent_old = _sharing("bea Urgent", "bea.lower", provider)
    severe_reading(urgent_old, hours_ago=20)
    urgent_new = sharing_patient("Bea Urgent", provider)
    severe_reading(urgent_new, hours_ago=2)
    two_high = sharing_patient("Cal Twice", provider)
    low_mood(two_high, hours_ago=3)
    low_mood(two_high, hours_ago=26)
    one_high = sharing_patient("dan Once", provider)
    low_mood(one_high, hours_ago=1)
    bp_only = sharing_patient("Abe Pressure", provider, categories=["mood"])
    severe_reading(bp_only)  # not shared with this provider: no open flag here
    for name in ("Zed Quiet", "amy Quiet"):
        sharing_patient(name, provider)
    _sharing("Amy Quiet", "amy.upper", provider)
    elsewhere = enroll("else@clinic.test", Role.PATIENT, "Aaron Elsewhere")
    services.grant_share(patient=elsewhere, provider=provider_without_share, categories=ALL)
    severe_reading(elsewhere)
    assert timezone.now() - now < timedelta(minutes=5)


@pytest.mark.parametrize("order", ["urgency", "name"])
def test_the_database_ranks_as_python_counts(provider, provider_without_share, order) -> None:
    _cast(provider, provider_without_share)
    query = provider_reads.TriageQuery(order=order)
    items, facts = provider_reads._ranked(provider, query, None)
    counted = provider_reads._rows(items, None, facts)
    ranked = provider_reads.triage(provider, query=query)

    def shown(rows) -> list[tuple]:
        return [
            (r.patient.pk, r.open_count, r.urgent, r.high, r.notable, r.latest_flag_at, r.top_flag)
            for r in rows
        ]

    assert shown(ranked) == shown(counted)
    names = [r.patient.display_name for r in ranked]
    assert len(names) == 8 and "Aaron Elsewhere" not in names
    if order == "urgency":
        assert names[:4] == ["Bea Urgent", "bea Urgent", "Cal Twice", "dan Once"]
        assert names[4:] == ["Abe Pressure", "amy Quiet", "Amy Quiet", "Zed Quiet"]  # ties: by id
    else:
        assert names[0] == "Abe Pressure"


def test_pages_of_the_ranked_list_follow_each_other(provider, provider_without_share) -> None:
    _cast(provider, provider_without_share)
    whole = [r.patient.pk for r in provider_reads.triage(provider)]
    paged = []
    for number in (1, 2, 3):
        page = provider_reads.triage_page(provider, number=number, per_page=3)
        assert page.paginator.count == 8
        paged += [r.patient.pk for r in page.object_list]
    assert paged == whole
    # A page past the end is the last page, as Django's `get_page` gives it.
    assert provider_reads.triage_page(provider, number=9, per_page=3).number == 3


@pytest.mark.parametrize(
    ("number", "shown"),
    [(1, 1), (2, 2), ("3", 3), (3, 3), (9, 3), (0, 3), (-2, 3), ("x", 1), (None, 1), ("2.5", 1)],
)
def test_every_page_number_shows_the_page_get_page_gives(
    provider, provider_without_share, number, shown
) -> None:
    """Whatever the number (past the end, zero, malformed), the page, its rows and the count
    are Django's own `get_page` over the whole ranking; on PostgreSQL the count is read with
    the page (`RankedByStanding.expect`)."""
    _cast(provider, provider_without_share)
    whole = [r.patient.pk for r in provider_reads.triage(provider)]
    page = provider_reads.triage_page(provider, number=number, per_page=3)
    expected = Paginator(whole, 3).get_page(number)
    assert (page.number, page.paginator.count) == (expected.number, 8) == (shown, 8)
    assert [r.patient.pk for r in page.object_list] == list(expected.object_list)


def test_a_page_costs_one_ranking_query_on_postgresql(provider, provider_without_share) -> None:
    """Once the zones are read: one query for the page with its count (PostgreSQL), or the
    count and the page (SQLite, where the windowed count was slower)."""
    _cast(provider, provider_without_share)
    ranked = provider_reads.RankedByStanding(provider, "urgency", expect=slice(0, 3))
    with CaptureQueriesContext(connection) as ctx:
        page = Paginator(ranked, 3).get_page(1)
        rows = list(page.object_list)
    assert len(rows) == 3 and page.paginator.count == 8
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 2)


def test_a_provider_with_no_shares_gets_an_empty_first_page(provider) -> None:
    page = provider_reads.triage_page(provider)
    assert page.paginator.count == 0
    assert list(page.object_list) == []
    assert Paginator([], 50).num_pages == page.paginator.num_pages


# --- Nothing else writes flags or shares ------------------------------------------------------

# Every function under journal/ that writes Flag or Share rows, and why it keeps the standings
# true. A new writer fails this test: call `services.standings.refresh` there (or say here why
# it does not change what a share shows), then add it.
_ACTIVE_ONLY = "whether a share is active, not what it counts"
WRITERS = {
    ("services/entries.py", "sync_flags"): "refreshes",
    ("services/entries.py", "_withdraw"): "a withdrawn flag stays open: counted the same",
    ("services/sharing.py", "grant_share"): "refreshes",
    ("services/sharing.py", "update_share"): "refreshes",
    ("services/sharing.py", "_acknowledge"): "its callers refresh",
    ("services/sharing.py", "revoke_share"): "whether a share is active, not what it counts",
    (
        "services/sharing.py",
        "pause_provider_shares",
    ): "whether a share is active, not what it counts",
    ("services/sharing.py", "resume_share"): "whether a share is active, not what it counts",
}
_WRITE_METHODS = {"save", "update", "bulk_create", "create", "delete", "get_or_create"}


def _writes_flags_or_shares(node: ast.AST) -> bool:
    """A call of a write method on something named after flags or shares (not share events)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr not in _WRITE_METHODS:
        return False
    receiver = ast.unparse(node.func.value)
    names = {part.strip("()[]") for part in receiver.replace(".", " ").split()}
    return bool(names & {"Flag", "flag", "flags", "Share", "share", "shares"})


def test_every_writer_of_flags_and_shares_is_known() -> None:
    found = set()
    for path in sorted((ROOT / "journal").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _writes_flags_or_shares(node) for node in ast.walk(function)
            ):
                found.add((str(path.relative_to(ROOT / "journal")), function.name))
    assert found == set(WRITERS)
    for (module, name), why in WRITERS.items():
        if why == "refreshes":
            source = ast.unparse(
                next(
                    f
                    for f in ast.walk(ast.parse((ROOT / "journal" / module).read_text()))
                    if isinstance(f, ast.FunctionDef) and f.name == name
                )
            )
            assert "standings.refresh(" in source, (module, name)
