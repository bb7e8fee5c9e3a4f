"""Refused requests of signed-in people are audited as `access.denied` with the route pattern
(never the raw path), the kind of object, the status and a reason; a flood is capped per person
with one `access.denied.suppressed` row; anonymous requests and unknown URLs are not audited."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from journal.models import AuditEvent, Share, User
from journal.services.denials import DENIAL_LIMIT
from tests.conftest import client_for
from tests.factories import journal_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas) -> dict[str, object]:
    return journal_world(personas)


def denials(actor: User | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action__startswith="access.denied").order_by("pk")
    if actor is not None:
        events = events.filter(actor=actor)
    return list(events)


def test_another_patients_entry_is_not_found_and_audited_by_route_pattern(personas, world) -> None:
    session = world["journal_session"]
    url = reverse("journal:session-detail", args=[session.pk])
    client = client_for(personas.other_patient)

    response = client.get(url, HTTP_USER_AGENT="Scanner/2.0")

    assert response.status_code == 404
    [row] = denials()
    assert row.actor == personas.other_patient and row.outcome == "denied"
    assert row.detail == {
        "route": "sessions/<int:pk>/",
        "view": "journal:session-detail",
        "object_type": "session",
        "status": 404,
        "reason": "not found in scope",
    }
    assert url not in json.dumps(row.detail) and str(session.pk) not in json.dumps(row.detail)
    assert (row.ip, row.user_agent) == ("127.0.0.1", "Scanner/2.0")


@pytest.mark.parametrize("kind", ["report", "checkin", "reading", "questionnaire"])
def test_every_entry_kind_of_another_patient_is_audited_with_its_type(
    kind: str, personas, world
) -> None:
    entry = world[f"journal_{kind}"]
    client = client_for(personas.other_patient)
    assert client.get(reverse(f"journal:{kind}-edit", args=[entry.pk])).status_code == 404
    [row] = denials()
    assert row.detail["object_type"] == kind and row.detail["view"] == f"journal:{kind}-edit"


def test_a_provider_opening_a_patient_without_a_share_is_audited(personas, world) -> None:
    provider = personas.provider_without_share
    url = reverse("journal:provider-patient", args=[personas.patient.pk])

    response = client_for(provider).get(url)

    assert response.status_code == 404
    [row] = denials(provider)
    assert row.detail["route"] == "provider/patients/<int:patient_id>/"
    assert row.detail["object_type"] == "patient"
    assert str(personas.patient.pk) not in json.dumps(row.detail)


def test_a_provider_posting_to_a_patient_page_is_audited_as_forbidden(personas) -> None:
    response = client_for(personas.provider).post(reverse("journal:checkin-create"), {"mood": "5"})

    assert response.status_code == 403
    [row] = denials(personas.provider)
    assert row.detail["status"] == 403 and row.detail["reason"] == "forbidden"
    assert row.detail["object_type"] == "checkin"


def test_a_forged_share_grant_to_someone_who_is_not_a_provider_is_audited(personas) -> None:
    client = client_for(personas.patient)
    data = {"provider": str(personas.other_patient.pk), "mood": "on"}

    response = client.post(reverse("journal:share-create"), data)

    assert response.status_code == 200
    assert not Share.objects.filter(patient=personas.patient).exists()
    [row] = denials(personas.patient)
    assert row.detail["reason"].startswith("forged grant")
    assert row.detail["object_type"] == "provider" and row.detail["route"] == "sharing/new/"


def test_a_flood_of_refused_requests_writes_at_most_the_limit_and_one_suppressed_row(
    personas, world
) -> None:
    client = client_for(personas.other_patient)
    url = reverse("journal:session-detail", args=[world["journal_session"].pk])

    for _ in range(100):
        assert client.get(url).status_code == 404

    rows = denials(personas.other_patient)
    assert len(rows) == DENIAL_LIMIT + 1
    assert {r.action for r in rows[:-1]} == {"access.denied"}
    assert rows[-1].action == "access.denied.suppressed"
    assert rows[-1].detail["limit"] == DENIAL_LIMIT


def test_the_limit_is_per_person(personas, world) -> None:
    url = reverse("journal:session-detail", args=[world["journal_session"].pk])
    flooder = client_for(personas.other_patient)
    for _ in range(DENIAL_LIMIT + 5):
        flooder.get(url)

    assert client_for(personas.provider_without_share).get(url).status_code == 403

    assert len(denials(personas.provider_without_share)) == 1


def test_anonymous_requests_and_unknown_urls_are_not_audited(personas, world) -> None:
    url = reverse("journal:session-detail", args=[world["journal_session"].pk])
    anonymous = client_for(None)
    assert anonymous.get(url).status_code == 302
    assert anonymous.get("/no-such-page/").status_code in (302, 404)
    signed_in = client_for(personas.other_patient)
    assert signed_in.get("/no-such-page/").status_code == 404
    assert signed_in.get("/static/no-such-file.css").status_code == 404

    assert denials() == []


def test_the_owners_own_pages_are_not_audited_as_denials(personas, world) -> None:
    url = reverse("journal:session-detail", args=[world["journal_session"].pk])
    assert client_for(personas.patient).get(url).status_code == 200
    assert denials() == []
