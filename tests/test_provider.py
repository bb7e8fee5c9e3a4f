"""Provider workspace: triage list, patient summary, acknowledging flags, the printable view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import permissions, services
from journal.models import AccessEvent, AuditEvent, Flag, Role, ShareCategory
from journal.reads import provider as provider_reads
from tests.conftest import client_for, enroll
from tests.factories import journal_in_every_category

ALL = ShareCategory.values


def sharing_patient(name: str, provider, categories=ALL):
    patient = enroll(f"{name.lower().replace(' ', '.')}@clinic.test", Role.PATIENT, name)
    services.grant_share(patient=patient, provider=provider, categories=categories)
    return patient


def severe_reading(patient, hours_ago: float = 1) -> None:
    services.add_reading(
        patient=patient,
        measured_at=timezone.now() - timedelta(hours=hours_ago),
        systolic=185,
        diastolic=121,
        context="home",
    )


def low_mood(patient, hours_ago: float = 1) -> None:
    services.log_checkin(
        patient=patient, recorded_at=timezone.now() - timedelta(hours=hours_ago), mood=1
    )


def triage_names(provider, kind: str | None = None) -> list[str]:
    return [row.patient.display_name for row in provider_reads.triage(provider, kind=kind)]


# --- Triage ----------------------------------------------------------------------------------


def test_triage_sorts_by_highest_open_flag_then_count_then_latest_flag(provider) -> None:
    quiet = sharing_patient("Quinn Quiet", provider)
    two_high = sharing_patient("Hana Twohigh", provider)
    low_mood(two_high, hours_ago=20)
    # A second high flag of another kind: two low moods on two local days would add a
    # sustained-low-mood flag, depending on the hour the test runs.
    services.log_checkin(
        patient=two_high,
        recorded_at=timezone.now() - timedelta(hours=30),
        mood=6,
        ratings={"urinary": 3},
    )
    recent = sharing_patient("Rae Recent", provider)
    low_mood(recent, hours_ago=2)
    urgent = sharing_patient("Uma Urgent", provider)
    severe_reading(urgent, hours_ago=50)
    older = sharing_patient("Oren Older", provider)
    low_mood(older, hours_ago=40)
    assert quiet.pk
    assert triage_names(provider) == [
        "Uma Urgent",  # severity 3
        "Hana Twohigh",  # severity 2, two open flags
        "Rae Recent",  # severity 2, one flag, newest
        "Oren Older",  # severity 2, one flag, older
        "Quinn Quiet",  # no open flags
    ]
    body = client_for(provider).get(reverse("journal:provider-home")).content.decode()
    assert body.index("Uma Urgent") < body.index("Hana Twohigh") < body.index("Quinn Quiet")
    assert "Urgent</span> 1" in body and "High</span> 2" in body and "None open" in body


def test_triage_counts_only_open_flags_in_shared_categories(provider) -> None:
    patient = sharing_patient("Mo Moodonly", provider, categories=["mood"])
    severe_reading(patient)  # blood pressure is not shared
    assert provider_reads.triage(provider)[0].open_count == 0
    low_mood(patient)
    row = provider_reads.triage(provider)[0]
    assert (row.open_count, row.urgent, row.high) == (1, 0, 1)
    flag = Flag.objects.get(patient=patient, category="mood")
    services.acknowledge_flag(provider=provider, flag=flag, disposition="reviewed")
    assert provider_reads.triage(provider)[0].open_count == 0


def test_triage_filters_by_flag_kind(provider) -> None:
    severe_reading(sharing_patient("Bea Pressure", provider))
    low_mood(sharing_patient("Lou Mood", provider))
    sharing_patient("Nia None", provider)
    assert triage_names(provider, kind="severe_bp") == ["Bea Pressure"]
    assert triage_names(provider, kind="very_low_mood") == ["Lou Mood"]
    body = client_for(provider).get(reverse("journal:provider-home") + "?kind=very_low_mood")
    text = body.content.decode()
    assert "Lou Mood" in text and "Bea Pressure" not in text and "Nia None" not in text
    # An unknown kind is ignored rather than an error.
    unknown = client_for(provider).get(reverse("journal:provider-home") + "?kind=<script>")
    assert unknown.status_code == 200 and "Nia None" in unknown.content.decode()


def _triage_queries(provider, django_assert_max_num_queries, budget: int) -> None:
    client = client_for(provider)
    with django_assert_max_num_queries(budget):
        response = client.get(reverse("journal:provider-home"))
    assert response.status_code == 200


@pytest.mark.parametrize("patients", [1, 30])
def test_triage_query_count_does_not_grow_with_patients_or_entries(
    provider, django_assert_max_num_queries, patients: int
) -> None:
    for i in range(patients):
        patient = sharing_patient(f"Patient {i:02d}", provider)
        severe_reading(patient, hours_ago=i + 1)
        low_mood(patient, hours_ago=i + 2)
    # The benchmark's budget is 10 (it measures repeat requests). Used: shares, flags'
    # fingerprint, open flags (skipped when cached), shown patients' newest entries, their PHQ-9
    # outcomes, the access log's chain head and its insert, plus session/user/device; a first
    # request also writes the session's last activity.
    _triage_queries(provider, django_assert_max_num_queries, budget=11)
    _triage_queries(provider, django_assert_max_num_queries, budget=10)
    assert len(provider_reads.triage(provider)) == patients
    assert AccessEvent.objects.filter(actor=provider).count() == 2 * patients  # two views


# --- Patient summary -------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 20])
def test_summary_query_count_does_not_grow_with_entries(
    patient, provider, django_assert_max_num_queries, days: int
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    for day in range(days):
        journal_in_every_category(patient, at=timezone.now() - timedelta(days=day + 1))
    client = client_for(provider)
    # 21 for the summary (the access log's chain head and insert among them) + 10 for the charts
    # (chartdata.dashboard_data: one per kind of row) + 1 for the data version the chart panels
    # are cached under (a repeat view skips the 10) + 1 for the outcome lines (one UNION of
    # questionnaires, session times and marked baselines).
    with django_assert_max_num_queries(33):
        response = client.get(reverse("journal:provider-patient", args=[patient.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("Nausea: Severe") == days


def test_the_period_picker_limits_the_rows(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["blood_pressure"])
    now = timezone.now()
    for days_ago, systolic in [(5, 121), (60, 132), (200, 143)]:
        services.add_reading(
            patient=patient,
            measured_at=now - timedelta(days=days_ago),
            systolic=systolic,
            diastolic=80,
            context="home",
        )
    url = reverse("journal:provider-patient", args=[patient.pk])
    client = client_for(provider)
    expected = {"30": {121}, "90": {121, 132}, "365": {121, 132, 143}, "bogus": {121, 132}}
    for period, shown in expected.items():
        body = client.get(url, {"period": period}).content.decode()
        for systolic in (121, 132, 143):
            assert (f"{systolic}/80" in body) == (systolic in shown), (period, systolic)


def test_the_printable_summary_is_one_compact_page_without_controls(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    for day in range(12):
        services.add_reading(
            patient=patient,
            measured_at=timezone.now() - timedelta(days=day, hours=1),
            systolic=150 + day,
            diastolic=80,
            context="home",
        )
    response = client_for(provider).get(
        reverse("journal:provider-patient-print", args=[patient.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "provider_print.css" in body and "print.js" in body
    assert body.count("/80</td>") == 8  # the latest eight readings only
    assert "Acknowledge" not in body
    assert "<script>" not in body and 'style="' not in body and "onclick" not in body


# --- Acknowledging flags ---------------------------------------------------------------------


def test_acknowledging_records_who_and_when_and_the_patient_sees_it(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    severe_reading(patient)
    flag = Flag.objects.get(patient=patient)
    url = reverse("journal:provider-flag-acknowledge", args=[flag.pk])
    # Without saying what was done, nothing is recorded and the provider is told why.
    refused = client_for(provider).post(url, {"period": "30"}, follow=True)
    assert "Not acknowledged: Choose what you did about this flag." in refused.content.decode()
    flag.refresh_from_db()
    assert flag.acknowledged_at is None
    data = {"period": "30", "disposition": "contacted", "note": "Called; resting, retook 150/95"}
    response = client_for(provider).post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/provider/patients/{patient.pk}/?period=30#flags")
    flag.refresh_from_db()
    assert flag.acknowledged_by == provider and flag.acknowledged_at is not None
    assert (flag.disposition, flag.acknowledgement_note) == ("contacted", data["note"])
    event = AuditEvent.objects.get(action="flag.acknowledge")
    assert (event.actor, event.subject) == (provider, patient)
    assert event.detail["disposition"] == "contacted" and "retook" not in str(event.detail)
    first = flag.acknowledged_at
    client_for(provider).post(url, {"disposition": "other"})  # a second click changes nothing
    flag.refresh_from_db()
    assert (flag.acknowledged_at, flag.disposition) == (first, "contacted")
    # The patient sees that their care team has seen it, never the note.
    flags_page = client_for(patient).get(reverse("journal:flag-list")).content.decode()
    assert "Your care team has seen this (Dr Provider," in flags_page
    assert "retook" not in flags_page and "Contacted" not in flags_page
    log = client_for(patient).get(reverse("journal:access-log")).content.decode()
    assert (
        "Very high blood pressure (185/121)" in log
        and "Your care team has seen this (Dr Provider," in log
    )


def test_a_flag_outside_the_shared_categories_cannot_be_acknowledged(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    severe_reading(patient)
    flag = Flag.objects.get(patient=patient)
    url = reverse("journal:provider-flag-acknowledge", args=[flag.pk])
    assert client_for(provider).post(url).status_code == 404
    assert client_for(patient).post(url).status_code == 403
    assert client_for(provider).get(url).status_code == 405
    flag.refresh_from_db()
    assert flag.acknowledged_at is None and flag.acknowledged_by is None


# --- The whole story -------------------------------------------------------------------------


def test_done_when_a_shared_alarming_reading_is_triaged_acknowledged_and_revoked(
    personas,
) -> None:
    patient, provider = personas.patient, personas.provider
    low_mood(sharing_patient("Other Person", provider), hours_ago=3)
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    today = permissions.patient_today(patient)
    pat = client_for(patient)

    # The patient shares side effects and blood pressure (not notes, not mood) until next month.
    response = pat.post(
        reverse("journal:share-create"),
        {
            "provider": provider.pk,
            "side_effects": "on",
            "blood_pressure": "on",
            "expires_on": (today + timedelta(days=31)).isoformat(),
        },
    )
    assert response.status_code == 302

    # The provider sees the patient at the top of triage because of the 185/121 reading.
    doc = client_for(provider)
    home = doc.get(reverse("journal:provider-home")).content.decode()
    assert home.index("Pat Patient") < home.index("Other Person")
    assert triage_names(provider)[0] == "Pat Patient"
    assert provider_reads.triage(provider)[0].urgent == 1

    # The summary shows blood pressure and side effects, never mood or notes.
    summary = doc.get(reverse("journal:provider-patient", args=[patient.pk])).content.decode()
    assert "185/121" in summary and "Nausea: Severe" in summary
    assert "Mood scores" not in summary and "Shareable: slept badly" not in summary

    flag = Flag.objects.get(patient=patient, kind="severe_bp")
    doc.post(
        reverse("journal:provider-flag-acknowledge", args=[flag.pk]), {"disposition": "reviewed"}
    )
    flag.refresh_from_db()
    assert flag.acknowledged_by == provider

    # The patient sees the view and the acknowledgement in their log.
    log = pat.get(reverse("journal:access-log")).content.decode()
    assert "Dr Provider" in log and "summary (last 90 days)" in log
    assert "Your care team has seen this (Dr Provider," in log

    # The patient revokes; the provider's next request gets 404.
    share = permissions.get_active_share(provider, patient)
    assert pat.post(reverse("journal:share-revoke", args=[share.pk])).status_code == 302
    assert doc.get(reverse("journal:provider-patient", args=[patient.pk])).status_code == 404
    assert "Pat Patient" not in doc.get(reverse("journal:provider-home")).content.decode()
    history = pat.get(reverse("journal:share-list")).content.decode()
    assert "Shared" in history and "Revoked" in history
