"""Every journal entry create and edit, and every share change, writes one audit row naming
the entry's type, id and version, never what was entered; a replayed form writes none."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from journal.models import AuditEvent, Share, User
from tests.conftest import client_for
from tests.factories import sharing_world
from tests.test_journal_double_submit import CREATE_VIEWS, EDITS, form_token
from tests.test_journal_views import when

pytestmark = pytest.mark.django_db

CANARY = "Private canary note about my brother"
ENTRY_KINDS = sorted(set(CREATE_VIEWS) - {"share"})
# Kinds whose form takes a free-text note.
NOTED = {"session", "checkin", "report"}
# The entries one create form makes, in order (the one-screen flow makes a session and its
# report: one row each).
MADE = {"session_report": ["session", "report"]}


@pytest.fixture
def world(personas) -> dict[str, object]:
    from tests.factories import journal_world

    return journal_world(personas)


def rows(action: str, actor: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, actor=actor).order_by("pk"))


def assert_no_values(row: AuditEvent, *values: str) -> None:
    text = json.dumps(row.detail)
    for value in values:
        assert value not in text


@pytest.mark.parametrize("kind", ENTRY_KINDS)
def test_creating_an_entry_writes_one_row_with_its_type_id_and_version_only(
    kind: str, patient: User, world: dict
) -> None:
    build, model, _ = CREATE_VIEWS[kind]
    url, data = build(patient, world)
    if kind in NOTED:
        data["note"] = CANARY
    before = len(rows("journal.create", patient))

    response = client_for(patient).post(url, data, HTTP_USER_AGENT="AuditTest/1.0")

    assert response.status_code == 302
    entry = model.objects.filter(patient=patient).order_by("-pk").first()
    if kind in NOTED:
        assert entry.note == CANARY
    made = MADE.get(kind, [kind])
    created = rows("journal.create", patient)[before:]
    assert [row.detail["entry_type"] for row in created] == made
    assert created[-1].detail == {"entry_type": made[-1], "entry_id": entry.pk, "version": 1}
    for row in created:
        assert set(row.detail) == {"entry_type", "entry_id", "version"}
        assert (row.subject, row.ip, row.user_agent) == (patient, "127.0.0.1", "AuditTest/1.0")
        entered = (v for k, v in data.items() if k.startswith(("sys", "dia")))
        assert_no_values(row, CANARY, *entered)


@pytest.mark.parametrize("kind", ENTRY_KINDS)
def test_a_double_submitted_create_writes_one_audit_row(
    kind: str, patient: User, world: dict
) -> None:
    build, _, _ = CREATE_VIEWS[kind]
    url, data = build(patient, world)
    client = client_for(patient)
    data["submission_token"] = form_token(client, url)
    before = len(rows("journal.create", patient))

    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302

    assert len(rows("journal.create", patient)) == before + len(MADE.get(kind, [kind]))


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_editing_an_entry_writes_one_row_and_a_replayed_edit_none(
    kind: str, patient: User, world: dict
) -> None:
    key, time_field, changes = EDITS[kind]
    entry = world[key]
    url = reverse(f"journal:{kind}-edit", args=[entry.pk])
    client = client_for(patient)
    data = {**changes, "version": "1", "submission_token": form_token(client, url)}
    if time_field:
        data.update(when(time_field, getattr(entry, time_field)))
    if kind in NOTED:
        data["note"] = CANARY

    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302

    edits = rows("journal.edit", patient)
    assert len(edits) == 1
    assert edits[0].detail == {"entry_type": kind, "entry_id": entry.pk, "version": 2}
    assert_no_values(edits[0], CANARY)


def test_a_report_with_readings_writes_one_row_that_names_its_readings(world, patient) -> None:
    report = world["journal_report"]
    row = AuditEvent.objects.get(
        action="journal.create", detail__entry_type="report", detail__entry_id=report.pk
    )
    assert sorted(row.detail["reading_ids"]) == sorted(r.pk for r in report.readings.all())


def test_a_form_sent_back_with_errors_writes_no_audit_row(patient) -> None:
    client = client_for(patient)
    before = AuditEvent.objects.count()
    response = client.post(reverse("journal:checkin-create"), {"note": CANARY})
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before


def test_granting_changing_and_revoking_a_share_are_each_audited_once(personas) -> None:
    client = client_for(personas.patient)
    url = reverse("journal:share-create")
    data = {
        "provider": str(personas.provider.pk),
        "mood": "on",
        "submission_token": form_token(client, url),
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    share = Share.objects.get(patient=personas.patient)
    edit_url = reverse("journal:share-edit", args=[share.pk])
    data = {"notes": "on", "submission_token": form_token(client, edit_url)}
    assert client.post(edit_url, data).status_code == 302
    revoke_url = reverse("journal:share-revoke", args=[share.pk])
    assert client.post(revoke_url).status_code == 302

    actions = list(
        AuditEvent.objects.filter(action__startswith="share.", subject=personas.patient)
        .order_by("pk")
        .values_list("action", "actor", "detail")
    )
    detail = {"share_id": share.pk, "provider_id": personas.provider.pk}
    assert actions == [
        ("share.granted", personas.patient.pk, detail),
        ("share.changed", personas.patient.pk, detail),
        ("share.revoked", personas.patient.pk, detail),
    ]


def test_the_sharing_fixture_is_audited_as_the_patient_granting(personas) -> None:
    share = sharing_world(personas)["share"]
    row = AuditEvent.objects.get(action="share.granted", detail__share_id=share.pk)
    assert row.actor == personas.patient
