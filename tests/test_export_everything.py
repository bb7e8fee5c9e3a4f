"""Download everything: recent re-authentication, an audit and access record, and the
patient's history (shares, consent history, who viewed, edit history) in the archive."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal import services
from journal.models import AccessEvent, AuditEvent, Notification, ShareCategory
from journal.services import notifications as notification_services
from tests.conftest import PASSWORD, client_for
from tests.factories import EXPORT_NOTE, export_journal
from tests.test_security_sessions import stale

pytestmark = pytest.mark.django_db

URL = "journal:export-all"
HISTORY = {
    "history/shares.csv",
    "history/consent_history.csv",
    "history/who_viewed.csv",
    "history/edit_history.json",
}


def _members(response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _history(patient, provider, other_provider) -> None:
    """A share granted, changed, revoked; another one; a provider view; an edited check-in."""
    share = services.grant_share(
        patient=patient, provider=provider, categories=[ShareCategory.MOOD]
    )
    services.update_share(
        patient=patient,
        share=share,
        categories=[ShareCategory.MOOD, ShareCategory.BLOOD_PRESSURE],
        starts_on=None,
        expires_on=None,
    )
    services.revoke_share(patient=patient, share=share)
    services.grant_share(patient=patient, provider=other_provider, categories=["notes"])
    services.record_access(actor=provider, patient=patient, share=share, what="summary")
    checkin = services.log_checkin(
        patient=patient, recorded_at=timezone.now() - timedelta(hours=3), mood=4, note="before"
    )
    services.edit_checkin(
        patient=patient,
        checkin=checkin,
        expected_version=checkin.version,
        recorded_at=checkin.recorded_at,
        mood=6,
        note="after",
    )


def test_a_stale_session_is_sent_to_reauthenticate_and_gets_nothing(patient) -> None:
    export_journal(patient)
    client = stale(client_for(patient))
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("journal:reauth"))
    assert EXPORT_NOTE.encode() not in response.content
    assert not AuditEvent.objects.filter(action="export.everything").exists()
    # Confirming the password comes straight back to the download.
    back = client.post(reverse("journal:reauth"), {"password": PASSWORD, "next": reverse(URL)})
    assert back["Location"] == reverse(URL)
    assert client.get(reverse(URL)).status_code == 200


def test_reauth_minutes_decide_how_fresh_is_fresh_enough(patient, settings) -> None:
    settings.REAUTH_MINUTES = 1
    with freeze_time(None) as clock:
        client = client_for(patient)
        assert client.get(reverse(URL)).status_code == 200
        clock.tick(timedelta(seconds=65))
        response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("journal:reauth"))


def test_a_fresh_session_downloads_the_history_too(personas) -> None:
    patient, provider = personas.patient, personas.provider
    export_journal(patient)
    _history(patient, provider, personas.provider_without_share)
    response = client_for(patient).get(reverse(URL))
    assert response.status_code == 200
    members = _members(response)
    assert set(members) >= HISTORY
    assert "history/" in members["README.txt"].decode()

    shares = _rows(members["history/shares.csv"])
    assert {s["provider"] for s in shares} == {"Dr Provider", "Dr Noshare"}
    revoked = next(s for s in shares if s["provider"] == "Dr Provider")
    assert revoked["revoked_at"] and revoked["categories"] == "blood_pressure; mood"

    consent = _rows(members["history/consent_history.csv"])
    assert [c["action"] for c in consent if c["provider"] == "Dr Provider"] == [
        "granted",
        "changed",
        "revoked",
    ]
    assert {c["by"] for c in consent} == {"you"}

    viewed = _rows(members["history/who_viewed.csv"])
    assert [(v["who"], v["what"]) for v in viewed] == [("Dr Provider", "Your summary")]

    edits = json.loads(members["history/edit_history.json"])
    [edit] = [e for e in edits if e["entry_type"] == "checkin"]
    assert edit["action"] == "edit" and edit["entry_as_it_was"]["note"] == "before"


def test_the_history_names_no_one_elses_address(personas) -> None:
    patient = personas.patient
    _history(patient, personas.provider, personas.provider_without_share)
    services.record_access(actor=personas.clinic_admin, patient=patient, what="summary")
    members = _members(client_for(patient).get(reverse(URL)))
    history = b"".join(members[name] for name in HISTORY).decode()
    for someone in (personas.provider, personas.provider_without_share, personas.clinic_admin):
        assert someone.email not in history
    assert personas.clinic_admin.display_name not in history
    assert "clinic staff" in history
    assert personas.other_patient.display_name not in history


def test_the_download_is_audited_and_shown_in_who_viewed_my_data(patient) -> None:
    client = client_for(patient)
    client.get(reverse(URL))
    event = AuditEvent.objects.get(action="export.everything")
    assert (event.actor, event.subject, event.outcome) == (patient, patient, "success")
    access = AccessEvent.objects.get(patient=patient)
    assert access.actor == patient and access.what == "export everything"
    page = client.get(reverse("journal:access-log")).content.decode()
    assert "Download of everything" in page and "<td>You</td>" in page
    # The next download lists the earlier one in its own history.
    viewed = _rows(_members(client.get(reverse(URL)))["history/who_viewed.csv"])
    assert [(v["who"], v["what"]) for v in viewed] == [("you", "Download of everything")]


def test_the_archive_holds_reminder_choices_push_devices_and_notifications(personas) -> None:
    patient = personas.patient
    notification_services.save_preferences(
        user=patient, values={"checkin_time": time(20, 15), "questionnaire_channel": "in_app"}
    )
    endpoint = "https://push.example.net/send/c2VjcmV0LWVuZHBvaW50LWlk"
    p256dh = (
        "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"
    )
    auth = "tBHItJI5svbpez7KI4CCXg"
    notification_services.save_push_subscription(
        user=patient, endpoint=endpoint, p256dh=p256dh, auth=auth
    )
    other = notification_services.save_push_subscription(
        user=personas.other_patient,
        endpoint="https://other.example.org/x",
        p256dh=p256dh,
        auth=auth,
    )
    now = timezone.now()
    Notification.objects.create(
        recipient=patient,
        kind="checkin",
        due_key="day:2026-03-07",
        due_at=now - timedelta(hours=2),
        next_attempt_at=now - timedelta(hours=2),
        sent_at=now - timedelta(hours=2),
        status="sent",
        channel="email",
        claim="f00dfeedf00dfeedf00dfeedf00dfeed",
    )
    Notification.objects.create(
        recipient=personas.other_patient,
        kind="questionnaire",
        due_key="phq9+gad7:2026-03-07:1",
        due_at=now,
        next_attempt_at=now,
    )
    members = _members(client_for(patient).get(reverse(URL)))
    assert "notifications.csv" in members["README.txt"].decode()

    rows = _rows(members["history/notifications.csv"])
    # Saving the choices planned the day's reminders: those are listed too, still pending.
    assert {r["status"] for r in rows} == {"sent", "pending"}
    (sent,) = [r for r in rows if r["status"] == "sent"]
    assert (sent["kind"], sent["channel"], sent["status"]) == ("checkin", "email", "sent")
    assert sent["due_at"] and sent["sent_at"] and sent["read_at"] == ""
    settings = json.loads(members["history/notification_settings.json"])
    prefs = settings["reminder_preferences"]
    assert prefs["checkin_time"] == "20:15:00" and prefs["questionnaire_channel"] == "in_app"
    (device,) = settings["push_devices"]
    assert device["push_service"] == "push.example.net"
    everything = b"".join(members.values())
    # Never the subscription's keys, its full address, a claim token, or anyone else's rows.
    for secret in (p256dh, auth, "c2VjcmV0LWVuZHBvaW50LWlk", "f00dfeed", other.endpoint):
        assert secret.encode() not in everything, secret
    assert b"phq9+gad7" not in everything


def test_the_archive_says_so_when_no_reminder_was_ever_chosen(patient) -> None:
    members = _members(client_for(patient).get(reverse(URL)))
    settings = json.loads(members["history/notification_settings.json"])
    assert settings == {"reminder_preferences": {}, "push_devices": []}
    assert _rows(members["history/notifications.csv"]) == []
