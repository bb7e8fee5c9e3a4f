"""Consent-based sharing: patients grant, change and revoke; providers see only what is shared."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal import permissions, services
from journal.models import (
    AccessEvent,
    BloodPressureReading,
    Flag,
    Share,
    ShareCategory,
    ShareEvent,
)
from tests.conftest import client_for
from tests.factories import PRIVATE_NOTE, SHAREABLE_NOTE, journal_in_every_category

ALL = ShareCategory.values

# What the summary page shows for each category (and only for it).
MARKERS = {
    ShareCategory.MOOD: ["Mood scores", "PHQ-9 and GAD-7 totals", "Mood 1/10"],
    ShareCategory.SIDE_EFFECTS: ["Side effects by session", "Nausea: Severe"],
    ShareCategory.BLOOD_PRESSURE: ["Blood pressure readings", "185/121"],
    ShareCategory.NOTES: [SHAREABLE_NOTE],
}


def summary_url(patient) -> str:
    return reverse("journal:provider-patient", args=[patient.pk])


def db_state() -> tuple:
    shares = list(Share.objects.order_by("pk").values())
    return (
        shares,
        ShareEvent.objects.count(),
        BloodPressureReading.objects.count(),
        list(Flag.objects.order_by("pk").values("pk", "acknowledged_at")),
    )


# --- Granting, changing, revoking ------------------------------------------------------------


def test_the_new_share_form_starts_with_nothing_ticked(patient) -> None:
    response = client_for(patient).get(reverse("journal:share-create"))
    assert response.status_code == 200
    body = response.content.decode()
    for category in ALL:
        assert f'name="{category}"' in body
    assert "checked" not in body


def test_a_share_without_any_category_is_refused_and_nothing_is_saved(patient, provider) -> None:
    response = client_for(patient).post(reverse("journal:share-create"), {"provider": provider.pk})
    assert response.status_code == 200
    assert "Choose at least one kind of information to share." in response.content.decode()
    assert not Share.objects.exists() and not ShareEvent.objects.exists()


def test_a_patient_shares_by_provider_code_and_the_grant_is_in_the_history(
    patient, provider
) -> None:
    code = f" {provider.provider_code[:3].lower()} {provider.provider_code[3:].lower()} "
    expires = permissions.patient_today(patient) + timedelta(days=30)
    response = client_for(patient).post(
        reverse("journal:share-create"),
        {"provider_code": code, "blood_pressure": "on", "expires_on": expires.isoformat()},
    )
    assert response.status_code == 302
    share = Share.objects.get()
    assert (share.patient, share.provider, share.expires_on) == (patient, provider, expires)
    assert permissions.shared_categories(share) == {ShareCategory.BLOOD_PRESSURE}
    event = ShareEvent.objects.get()
    assert event.action == "granted" and event.actor == patient
    assert event.detail["categories"] == ["blood_pressure"]
    page = client_for(patient).get(reverse("journal:share-list")).content.decode()
    assert "Dr Provider" in page and "Shared" in page and expires.isoformat() in page


def test_an_unknown_provider_code_gets_a_clear_message_and_nothing_is_saved(patient) -> None:
    response = client_for(patient).post(
        reverse("journal:share-create"), {"provider_code": "ZZZZZZ", "mood": "on"}
    )
    assert response.status_code == 200
    assert "No active provider has this code" in response.content.decode()
    assert not Share.objects.exists()


def test_an_expiry_before_the_start_or_in_the_past_is_refused(patient, provider) -> None:
    today = permissions.patient_today(patient)
    client = client_for(patient)
    response = client.post(
        reverse("journal:share-create"),
        {
            "provider": provider.pk,
            "mood": "on",
            "starts_on": (today + timedelta(days=5)).isoformat(),
            "expires_on": (today + timedelta(days=1)).isoformat(),
        },
    )
    assert "The end date must be on or after the start date." in response.content.decode()
    response = client.post(
        reverse("journal:share-create"),
        {"provider": provider.pk, "mood": "on", "expires_on": "2001-01-01"},
    )
    assert "The end date cannot be in the past." in response.content.decode()
    response = client.post(
        reverse("journal:share-create"),
        {"provider": provider.pk, "mood": "on", "expires_on": "31/31/2031"},
    )
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()
    assert not Share.objects.exists()


def test_sharing_twice_with_the_same_provider_asks_to_change_the_existing_share(
    patient, provider
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    with pytest.raises(ValidationError):
        services.grant_share(patient=patient, provider=provider, categories=["notes"])
    response = client_for(patient).post(
        reverse("journal:share-create"), {"provider": provider.pk, "notes": "on"}
    )
    assert "You already share with Dr Provider" in response.content.decode()
    assert Share.objects.count() == 1


def test_a_patient_changes_a_share_and_the_history_keeps_before_and_after(
    patient, provider
) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    response = client_for(patient).post(
        reverse("journal:share-edit", args=[share.pk]),
        {"side_effects": "on", "blood_pressure": "on"},
    )
    assert response.status_code == 302
    share.refresh_from_db()
    assert permissions.shared_categories(share) == {"side_effects", "blood_pressure"}
    changed = ShareEvent.objects.get(action="changed")
    assert changed.detail["before"]["categories"] == ["mood"]
    assert changed.detail["categories"] == ["blood_pressure", "side_effects"]
    # Saving the same settings again writes no history line.
    client_for(patient).post(
        reverse("journal:share-edit", args=[share.pk]),
        {"side_effects": "on", "blood_pressure": "on"},
    )
    assert ShareEvent.objects.filter(action="changed").count() == 1


def test_another_patient_cannot_see_change_or_revoke_a_share(
    patient, other_patient, provider
) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    before = db_state()
    client = client_for(other_patient)
    assert client.get(reverse("journal:share-edit", args=[share.pk])).status_code == 404
    assert (
        client.post(reverse("journal:share-edit", args=[share.pk]), {"notes": "on"}).status_code
        == 404
    )
    assert client.post(reverse("journal:share-revoke", args=[share.pk])).status_code == 404
    assert "Dr Provider" not in client.get(reverse("journal:share-list")).content.decode()
    assert db_state() == before
    with pytest.raises(PermissionDenied):
        services.revoke_share(patient=other_patient, share=share)


# --- What a provider sees ----------------------------------------------------------------


def test_a_provider_without_a_share_sees_nothing_about_the_patient_anywhere(personas) -> None:
    patient, stranger = personas.patient, personas.provider_without_share
    services.grant_share(patient=patient, provider=personas.provider, categories=ALL)
    records = journal_in_every_category(patient)
    flag = Flag.objects.filter(patient=patient).first()
    client = client_for(stranger)

    home = client.get(reverse("journal:provider-home"))
    assert home.status_code == 200
    assert "Pat Patient" not in home.content.decode()
    assert "No patient is sharing" in home.content.decode()
    assert client.get(summary_url(patient)).status_code == 404
    print_url = reverse("journal:provider-patient-print", args=[patient.pk])
    assert client.get(print_url).status_code == 404
    ack_url = reverse("journal:provider-flag-acknowledge", args=[flag.pk])
    assert client.post(ack_url).status_code == 404
    assert not permissions.patients_shared_with(stranger).exists()
    assert not permissions.flags_visible_to(stranger).exists()
    assert permissions.get_active_share(stranger, patient) is None
    assert records["session"].pk  # the data exists; it is just not this provider's to see
    assert not AccessEvent.objects.filter(actor=stranger).exists()
    flag.refresh_from_db()
    assert flag.acknowledged_at is None


@pytest.mark.parametrize("category", ALL)
def test_each_category_on_its_own_shows_exactly_that_category(personas, category: str) -> None:
    patient, provider = personas.patient, personas.provider
    journal_in_every_category(patient)
    services.grant_share(patient=patient, provider=provider, categories=[category])
    body = client_for(provider).get(summary_url(patient)).content.decode()
    for other, markers in MARKERS.items():
        for marker in markers:
            assert (marker in body) == (other == category), (category, other, marker)
    assert PRIVATE_NOTE not in body


def test_turning_a_category_off_hides_it_on_the_next_request(personas) -> None:
    patient, provider = personas.patient, personas.provider
    journal_in_every_category(patient)
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    client = client_for(provider)
    assert "185/121" in client.get(summary_url(patient)).content.decode()
    services.update_share(
        patient=patient, share=share, categories=["mood"], starts_on=None, expires_on=None
    )
    body = client.get(summary_url(patient)).content.decode()
    assert "185/121" not in body and "Mood scores" in body
    home = client.get(reverse("journal:provider-home")).content.decode()
    assert "Urgent" not in home  # the 185/121 flag no longer counts


def test_notes_need_both_the_note_and_the_share_to_allow_them(personas) -> None:
    patient, provider = personas.patient, personas.provider
    journal_in_every_category(patient)
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    body = client_for(provider).get(summary_url(patient)).content.decode()
    assert SHAREABLE_NOTE not in body and PRIVATE_NOTE not in body
    services.update_share(
        patient=patient, share=share, categories=["mood", "notes"], starts_on=None, expires_on=None
    )
    body = client_for(provider).get(summary_url(patient)).content.decode()
    assert SHAREABLE_NOTE in body and PRIVATE_NOTE not in body
    share.refresh_from_db()
    reports, checkins = permissions.shared_notes(share)
    assert [r.note for r in reports] == [SHAREABLE_NOTE] and not checkins.exists()


def test_data_from_before_the_start_date_is_hidden(personas) -> None:
    patient, provider = personas.patient, personas.provider
    now = timezone.now()
    services.add_reading(
        patient=patient,
        measured_at=now - timedelta(days=10),
        systolic=190,
        diastolic=125,
        context="home",
    )
    services.add_reading(
        patient=patient,
        measured_at=now - timedelta(hours=1),
        systolic=128,
        diastolic=82,
        context="home",
    )
    start = permissions.patient_today(patient) - timedelta(days=3)
    share = services.grant_share(
        patient=patient, provider=provider, categories=ALL, starts_on=start
    )
    body = client_for(provider).get(summary_url(patient) + "?period=all").content.decode()
    assert "128/82" in body and "190/125" not in body
    assert not permissions.shared_flags(share).exists()
    assert not permissions.flags_visible_to(provider).exists()
    home = client_for(provider).get(reverse("journal:provider-home")).content.decode()
    assert "Pat Patient" in home and "None open" in home


def test_a_share_that_starts_in_the_future_shows_nothing_yet(personas) -> None:
    patient, provider = personas.patient, personas.provider
    journal_in_every_category(patient)
    start = permissions.patient_today(patient) + timedelta(days=2)
    services.grant_share(patient=patient, provider=provider, categories=ALL, starts_on=start)
    assert client_for(provider).get(summary_url(patient)).status_code == 404
    assert (
        "Not started yet" in client_for(patient).get(reverse("journal:share-list")).content.decode()
    )


# --- Revocation and expiry -----------------------------------------------------------------


def test_revocation_takes_effect_on_the_providers_next_request(personas) -> None:
    patient, provider = personas.patient, personas.provider
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    client = client_for(provider)
    assert client.get(summary_url(patient)).status_code == 200
    response = client_for(patient).post(reverse("journal:share-revoke", args=[share.pk]))
    assert response.status_code == 302
    assert client.get(summary_url(patient)).status_code == 404
    assert "Pat Patient" not in client.get(reverse("journal:provider-home")).content.decode()
    assert ShareEvent.objects.filter(share=share, action="revoked", actor=patient).exists()
    # A revoked share cannot be edited back to life.
    edit = client_for(patient).post(reverse("journal:share-edit", args=[share.pk]), {"mood": "on"})
    assert edit.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None


def test_expiry_lasts_through_the_end_of_the_patients_local_day(personas) -> None:
    patient, provider = personas.patient, personas.provider  # America/New_York
    zone = ZoneInfo("America/New_York")
    with freeze_time(datetime(2030, 3, 1, 12, 0, tzinfo=zone)):
        share = services.grant_share(
            patient=patient, provider=provider, categories=ALL, expires_on=date(2030, 3, 10)
        )
    # 23:59 on 10 March in New York is already 11 March in UTC: still shared.
    with freeze_time(datetime(2030, 3, 10, 23, 59, tzinfo=zone)):
        client = client_for(provider)  # log in "now": sessions have idle timeouts
        assert client.get(summary_url(patient)).status_code == 200
        assert permissions.patients_shared_with(provider).count() == 1
    with freeze_time(datetime(2030, 3, 11, 0, 0, 1, tzinfo=zone)):
        assert client.get(summary_url(patient)).status_code == 404
        assert not permissions.patients_shared_with(provider).exists()
        assert not ShareEvent.objects.filter(action="expired").exists()
        page = client_for(patient).get(reverse("journal:share-list")).content.decode()
        assert "Ended (expiry date passed)" in page and "Expired" in page
        call_command("record_share_expiries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    expired = ShareEvent.objects.get(share=share, action="expired")
    assert expired.at == datetime(2030, 3, 11, 0, 0, tzinfo=zone)


def test_the_expiry_command_records_each_expiry_once(personas) -> None:
    patient, provider = personas.patient, personas.provider
    zone = ZoneInfo("America/New_York")
    with freeze_time(datetime(2030, 3, 1, 12, 0, tzinfo=zone)):
        services.grant_share(
            patient=patient, provider=provider, categories=["mood"], expires_on=date(2030, 3, 2)
        )
    with freeze_time(datetime(2030, 3, 5, tzinfo=zone)):
        assert services.record_expired_shares() == 1
        assert services.record_expired_shares() == 0
    assert ShareEvent.objects.filter(action="expired").count() == 1


# --- Providers cannot write --------------------------------------------------------------


def test_a_provider_cannot_change_a_share_or_write_patient_data(personas) -> None:
    patient, provider = personas.patient, personas.provider
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    journal_in_every_category(patient)
    before = db_state()
    client = client_for(provider)
    attempts = [
        (reverse("journal:share-edit", args=[share.pk]), {"notes": "on", "blood_pressure": "on"}),
        (reverse("journal:share-revoke", args=[share.pk]), {}),
        (reverse("journal:share-create"), {"provider": provider.pk, "mood": "on"}),
        (summary_url(patient), {"mood": "on"}),
    ]
    journal_writes = ["journal:reading-create", "journal:checkin-create", "journal:session-create"]
    for name in journal_writes:
        try:
            attempts.append((reverse(name), {"systolic": 120, "diastolic": 80, "mood": 5}))
        except Exception:  # noqa: S112 - the journal pages may not exist yet in this tree
            continue
    for url, data in attempts:
        status = client.post(url, data).status_code
        assert status in {403, 404, 405}, (url, status)
    assert db_state() == before
    with pytest.raises(PermissionDenied):
        services.update_share(
            patient=provider, share=share, categories=ALL, starts_on=None, expires_on=None
        )
    with pytest.raises(PermissionDenied):
        services.revoke_share(patient=provider, share=share)
    assert db_state() == before


# --- Access events -------------------------------------------------------------------------


def test_every_provider_read_writes_an_access_event_and_the_patients_own_reads_do_not(
    personas,
) -> None:
    patient, provider = personas.patient, personas.provider
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)
    client = client_for(provider)
    client.get(reverse("journal:provider-home"), REMOTE_ADDR="203.0.113.9")
    client.get(summary_url(patient) + "?period=30", REMOTE_ADDR="203.0.113.9")
    client.get(reverse("journal:provider-patient-print", args=[patient.pk]))
    events = list(AccessEvent.objects.order_by("at", "id"))
    assert [e.what for e in events] == [
        "patient list (flag counts)",
        "summary (last 30 days)",
        "printable summary (last 90 days)",
    ]
    assert all(e.actor == provider and e.patient == patient and e.share == share for e in events)
    assert events[0].ip == "203.0.113.9" and events[1].path.endswith("?period=30")

    own = client_for(patient)
    for name in ["journal:patient-home", "journal:share-list", "journal:access-log"]:
        assert own.get(reverse(name)).status_code == 200
    assert AccessEvent.objects.count() == 3
    assert services.record_access(actor=patient, patient=patient, what="own page") is None
    log = own.get(reverse("journal:access-log")).content.decode()
    # The three reads a second apart are one visit, one line, listing every page in order.
    assert log.count("Dr Provider") == 1
    assert (
        "Your name and flag counts in their patient list; your summary (last 30 days); "
        "your printable summary (last 90 days)"
    ) in log


def test_access_events_are_append_only(personas) -> None:
    patient, provider = personas.patient, personas.provider
    event = services.record_access(actor=provider, patient=patient, what="summary")
    event.what = "nothing"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
