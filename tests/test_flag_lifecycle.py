"""Flag lifecycle (DESIGN.md §3): raised once and kept; edits and deletes that stop a rule firing
mark the flag withdrawn by the patient, and it stays open for providers until acknowledged.
Black-box where it can be: through the provider's pages, as a clinician would see it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import permissions, services
from journal.models import Flag, FlagSeverity, Role, ShareCategory
from journal.reads import provider as provider_reads
from tests.conftest import client_for, enroll

pytestmark = pytest.mark.django_db

ITEM9_SEVERAL_DAYS = [1, 1, 1, 1, 0, 0, 0, 0, 1]
ITEM9_NOT_AT_ALL = [1, 1, 1, 1, 0, 0, 0, 0, 0]


def ago(**kwargs) -> timezone.datetime:
    return timezone.now() - timedelta(**kwargs)


def summary(client, patient) -> str:
    return client.get(reverse("journal:provider-patient", args=[patient.pk])).content.decode()


def share_all(patient, provider):
    return services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)


def test_item_9_taken_back_keeps_the_urgent_flag_open_for_the_provider(patient, provider) -> None:
    share_all(patient, provider)
    response = services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=ITEM9_SEVERAL_DAYS, completed_at=ago(hours=1)
    )
    doctor = client_for(provider)
    assert "PHQ-9 item 9: several days" in summary(doctor, patient)

    services.edit_questionnaire(
        patient=patient,
        response=response,
        expected_version=1,
        answers=ITEM9_NOT_AT_ALL,
        completed_at=ago(hours=1),
    )
    flag = Flag.objects.get(patient=patient, kind="self_harm")
    assert flag.withdrawn_at is not None and flag.acknowledged_at is None
    assert flag.withdrawal["before"]["item9"] == 1 and flag.withdrawal["after"]["answers"][8] == 0
    page = summary(doctor, patient)
    assert "PHQ-9 item 9: several days" in page
    assert "Withdrawn by the patient" in page and "The patient changed this entry" in page
    # The edit history shows the answers as they were and as they are.
    assert "Edit history of this entry (2 versions)" in page
    assert "Version 1, replaced" in page and "Now (version 2)" in page
    # Still urgent in triage and in the kind filter.
    row = provider_reads.triage(provider)[0]
    assert (row.urgent, row.open_count) == (1, 1)
    home = doctor.get(reverse("journal:provider-home") + "?kind=self_harm").content.decode()
    assert patient.display_name in home


def test_a_deleted_flagged_entry_leaves_its_flag_and_history(patient, provider) -> None:
    share_all(patient, provider)
    checkin = services.log_checkin(
        patient=patient, recorded_at=ago(hours=2), mood=1, note="a private thought"
    )
    services.delete_checkin(patient=patient, checkin=checkin)
    flag = Flag.objects.get(patient=patient, kind="very_low_mood")
    assert (flag.checkin_id, flag.entry_type, flag.entry_id) == (None, "checkin", checkin.pk)
    assert flag.withdrawal == {"action": "delete", "before": {"mood": 1}, "after": None}
    page = summary(client_for(provider), patient)
    assert "Mood 1/10" in page and "The patient deleted this entry" in page
    assert "Version 1, deleted" in page
    assert "a private thought" not in page  # history never carries notes
    # The patient's own Flags page keeps it too, saying what happened.
    mine = client_for(patient).get(reverse("journal:flag-list")).content.decode()
    assert "Very low mood (1 out of 10)" in mine and "You changed or deleted this entry" in mine


def test_a_withdrawn_flag_is_hidden_from_a_provider_without_its_category(patient, provider) -> None:
    services.grant_share(
        patient=patient, provider=provider, categories=[ShareCategory.BLOOD_PRESSURE]
    )
    response = services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=ITEM9_SEVERAL_DAYS, completed_at=ago(hours=1)
    )
    services.edit_questionnaire(
        patient=patient,
        response=response,
        expected_version=1,
        answers=ITEM9_NOT_AT_ALL,
        completed_at=ago(hours=1),
    )
    flag = Flag.objects.get(patient=patient, kind="self_harm")
    doctor = client_for(provider)
    page = summary(doctor, patient)
    assert "item 9" not in page and "Withdrawn" not in page
    ack = reverse("journal:provider-flag-acknowledge", args=[flag.pk])
    assert doctor.post(ack, {"disposition": "reviewed"}).status_code == 404
    assert provider_reads.triage(provider)[0].open_count == 0


def test_acknowledging_a_withdrawn_flag_closes_it_and_the_patient_sees_it(
    patient, provider
) -> None:
    share_all(patient, provider)
    reading = services.add_reading(
        patient=patient, measured_at=ago(hours=1), systolic=186, diastolic=100, context="home"
    )
    services.delete_reading(patient=patient, reading=reading)
    flag = Flag.objects.get(patient=patient, kind="severe_bp")
    doctor = client_for(provider)
    url = reverse("journal:provider-flag-acknowledge", args=[flag.pk])
    assert doctor.post(url, {"disposition": "contacted"}).status_code == 302
    flag.refresh_from_db()
    assert flag.disposition == "contacted" and flag.withdrawn_at is not None
    assert provider_reads.triage(provider)[0].open_count == 0
    page = summary(doctor, patient)
    assert "Acknowledged by Dr Provider" in page and "contacted the patient" in page
    mine = client_for(patient).get(reverse("journal:flag-list")).content.decode()
    assert "Your care team has seen this (Dr Provider," in mine


def test_an_open_flag_older_than_the_period_stays_on_the_summary(patient, provider) -> None:
    share_all(patient, provider)
    services.add_reading(
        patient=patient, measured_at=ago(days=60), systolic=190, diastolic=100, context="home"
    )
    url = reverse("journal:provider-patient", args=[patient.pk]) + "?period=7"
    page = client_for(provider).get(url).content.decode()
    assert "BP 190/100 at home" in page


# --- Property: urgent flags are never lost ---------------------------------------------------

_counter = itertools.count()

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("reading"), st.integers(100, 200), st.integers(60, 130)),
        st.tuples(st.just("phq9"), st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.just("report"), st.integers(0, 1), st.integers(0, 10)),
        st.tuples(st.just("edit"), st.integers(0, 50), st.integers(0, 200)),
        st.tuples(st.just("delete"), st.integers(0, 50), st.integers(0, 0)),
    ),
    min_size=1,
    max_size=8,
)


def _apply(patient, entries: list, op: tuple) -> None:
    kind, a, b = op
    when = ago(hours=2)
    if kind == "reading":
        entries.append(
            services.add_reading(
                patient=patient,
                measured_at=when,
                systolic=a,
                diastolic=min(b, a - 10),
                context="home",
            )
        )
    elif kind == "phq9":
        answers = [b, 0, 0, 0, 0, 0, 0, 0, a]
        entries.append(
            services.submit_questionnaire(
                patient=patient, instrument="phq9", answers=answers, completed_at=when
            )
        )
    elif kind == "report":
        session = services.log_session(patient=patient, started_at=ago(hours=6), route="iv")
        entries.append(
            services.submit_report(
                patient=patient,
                session=session,
                reported_at=when,
                mood=b,
                ratings={"breathing_waking": a},
            )
        )
    elif entries:
        entry = entries[a % len(entries)]
        entry.refresh_from_db()
        if kind == "delete":
            entries.remove(entry)
            deleters = {
                "BloodPressureReading": lambda: services.delete_reading(
                    patient=patient, reading=entry
                ),
                "QuestionnaireResponse": lambda: services.delete_questionnaire(
                    patient=patient, response=entry
                ),
                "PostSessionReport": lambda: services.delete_session(
                    patient=patient, session=entry.session
                ),
            }
            deleters[type(entry).__name__]()
            return
        name = type(entry).__name__
        if name == "BloodPressureReading":
            services.edit_reading(
                patient=patient, reading=entry, expected_version=entry.version,
                measured_at=entry.measured_at, systolic=100 + b % 100, diastolic=70,
                context="home",
            )  # fmt: skip
        elif name == "QuestionnaireResponse":
            answers = [*entry.answers[:8], b % 4]
            services.edit_questionnaire(
                patient=patient, response=entry, expected_version=entry.version,
                answers=answers, completed_at=entry.completed_at,
            )  # fmt: skip
        else:
            services.edit_report(
                patient=patient, report=entry, expected_version=entry.version,
                reported_at=entry.reported_at, mood=b % 11, ratings={"breathing_waking": b % 2},
            )  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_every_urgent_flag_stays_reachable_until_acknowledged(personas, operations) -> None:
    """For any sequence of creates, edits and deletes, every urgent flag ever raised is still
    visible, open, to the provider who has the share."""
    n = next(_counter)
    patient = enroll(f"prop{n}@clinic.test", Role.PATIENT, f"Prop {n}")
    share = share_all(patient, personas.provider)
    entries: list = []
    ever: set[int] = set()
    for op in operations:
        _apply(patient, entries, op)
        ever |= set(
            Flag.objects.filter(patient=patient, severity=FlagSeverity.URGENT).values_list(
                "pk", flat=True
            )
        )
        visible = set(
            permissions.flags_visible_to(personas.provider)
            .filter(patient=patient, acknowledged_at__isnull=True)
            .values_list("pk", flat=True)
        )
        assert ever <= visible
        on_summary = {
            item.flag.pk
            for item in provider_reads.patient_summary(share, "30").flags
            if item.is_open
        }
        assert ever <= on_summary
