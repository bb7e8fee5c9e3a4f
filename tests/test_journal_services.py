"""Journal services: validated atomic writes, flags in the same transaction, optimistic
locking, revisions and audited deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from journal import services
from journal.models import (
    AuditEvent,
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    EntryRevision,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    SymptomRating,
    TreatmentSession,
)

pytestmark = pytest.mark.django_db


def ago(**kwargs) -> timezone.datetime:
    return timezone.now().replace(microsecond=0) - timedelta(**kwargs)


@pytest.fixture
def session(patient) -> TreatmentSession:
    return services.log_session(patient=patient, started_at=ago(hours=6), route="intranasal")


def flag_kinds(**lookup) -> set[str]:
    return set(Flag.objects.filter(**lookup).values_list("kind", flat=True))


def test_a_report_stores_ratings_readings_and_flags_together(patient, session) -> None:
    report = services.submit_report(
        patient=patient,
        session=session,
        reported_at=ago(hours=1),
        mood=1,
        ratings={"nausea": 3, "taste": 1, "dissociation": 0},
        overall_bother=2,
        readings=[
            services.ReadingInput(ago(hours=6, minutes=5), 130, 85, "before", pulse=70),
            services.ReadingInput(ago(hours=5, minutes=20), 185, 121, "after40"),
        ],
        note="Felt floaty",
        note_shareable=True,
    )
    assert {r.code: r.severity for r in report.ratings.all()} == {
        "nausea": 3,
        "taste": 1,
        "dissociation": 0,
    }
    after = BloodPressureReading.objects.get(context="after40")
    # Alarming but plausible values are stored exactly.
    assert (after.systolic, after.diastolic, after.report_id) == (185, 121, report.pk)
    assert flag_kinds(report=report) == {"very_low_mood", "severe_side_effect"}
    assert flag_kinds(reading=after) == {"severe_bp", "post_dose_rise"}
    assert Flag.objects.filter(reading=after, kind="severe_bp").get().severity == 3


def test_a_bad_reading_rolls_back_the_whole_report(patient, session) -> None:
    with pytest.raises(ValidationError):
        services.submit_report(
            patient=patient,
            session=session,
            reported_at=ago(hours=1),
            mood=5,
            ratings={"nausea": 1},
            readings=[services.ReadingInput(ago(hours=5), 120, 130, "after40")],
        )
    assert not PostSessionReport.objects.exists()
    assert not SymptomRating.objects.exists()
    assert not BloodPressureReading.objects.exists()


def test_services_refuse_another_patients_session(patient, other_patient, session) -> None:
    with pytest.raises(ValidationError) as report_error:
        services.submit_report(
            patient=other_patient, session=session, reported_at=ago(hours=1), mood=5, ratings={}
        )
    assert "session" in report_error.value.message_dict
    with pytest.raises(ValidationError):
        services.add_reading(
            patient=other_patient,
            measured_at=ago(hours=1),
            systolic=120,
            diastolic=80,
            context="before",
            session=session,
        )
    assert not PostSessionReport.objects.exists() and not BloodPressureReading.objects.exists()


def test_ratings_must_be_catalogue_codes_asked_for_that_route(patient) -> None:
    iv = services.log_session(patient=patient, started_at=ago(hours=5), route="iv")
    with pytest.raises(ValidationError):
        services.submit_report(
            patient=patient, session=iv, reported_at=ago(hours=1), mood=5, ratings={"taste": 1}
        )
    with pytest.raises(ValidationError):
        services.log_checkin(
            patient=patient, recorded_at=ago(hours=1), mood=5, ratings={"nausea": 1}
        )
    with pytest.raises(ValidationError):
        services.log_checkin(
            patient=patient, recorded_at=ago(hours=1), mood=5, ratings={"urinary": 5}
        )
    assert not CheckIn.objects.exists() and not PostSessionReport.objects.exists()


def test_future_times_and_reports_before_their_session_are_refused(patient, session) -> None:
    with pytest.raises(ValidationError):
        services.log_session(
            patient=patient, started_at=timezone.now() + timedelta(hours=1), route="iv"
        )
    with pytest.raises(ValidationError) as exc:
        services.submit_report(
            patient=patient, session=session, reported_at=ago(hours=7), mood=5, ratings={}
        )
    assert "reported_at" in exc.value.message_dict
    assert TreatmentSession.objects.count() == 1


def test_a_before_reading_added_later_flags_the_earlier_after_reading(patient, session) -> None:
    after = services.add_reading(
        patient=patient,
        measured_at=ago(hours=5),
        systolic=160,
        diastolic=90,
        context="after40",
        session=session,
    )
    assert flag_kinds(reading=after) == set()
    services.add_reading(
        patient=patient,
        measured_at=ago(hours=6, minutes=10),
        systolic=118,
        diastolic=76,
        context="before",
        session=session,
    )
    assert flag_kinds(reading=after) == {"post_dose_rise"}


def test_deleting_the_before_reading_withdraws_the_rise_flag_and_keeps_it(patient, session) -> None:
    before = services.add_reading(
        patient=patient, measured_at=ago(hours=6), systolic=118, diastolic=76, context="before",
        session=session,
    )  # fmt: skip
    after = services.add_reading(
        patient=patient, measured_at=ago(hours=5), systolic=160, diastolic=90, context="after40",
        session=session,
    )  # fmt: skip
    assert flag_kinds(reading=after) == {"post_dose_rise"}
    services.delete_reading(patient=patient, reading=before)
    flag = Flag.objects.get(reading=after)
    assert flag.kind == "post_dose_rise" and flag.acknowledged_at is None
    assert flag.withdrawn_at is not None and flag.withdrawal["action"] == "edit"
    assert flag.withdrawal["before"]["before_systolic"] == 118


def test_questionnaires_are_scored_and_flagged(patient) -> None:
    response = services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[3, 3, 3, 3, 3, 3, 2, 0, 1],
        completed_at=ago(minutes=1),
    )
    assert (response.total, response.band) == (21, "Severe")
    assert flag_kinds(questionnaire=response) == {"self_harm", "phq9_severe"}
    gad = services.submit_questionnaire(
        patient=patient,
        instrument="gad7",
        answers=[2] * 7,
        difficulty=1,
        completed_at=ago(minutes=1),
    )
    assert (gad.total, gad.band, gad.difficulty) == (14, "Moderate", 1)
    for bad in ([0] * 8, [0] * 8 + [4], [0] * 10):
        with pytest.raises(ValidationError):
            services.submit_questionnaire(
                patient=patient, instrument="phq9", answers=bad, completed_at=ago(minutes=1)
            )
    with pytest.raises(ValidationError):
        services.submit_questionnaire(
            patient=patient, instrument="cadss", answers=[0], completed_at=ago(minutes=1)
        )
    assert QuestionnaireResponse.objects.count() == 2


def test_changed_clinic_thresholds_apply_to_new_entries(patient, clinic_admin) -> None:
    services.update_clinic_settings(actor=clinic_admin, values={"very_low_mood": 4})
    checkin = services.log_checkin(patient=patient, recorded_at=ago(hours=1), mood=4)
    assert flag_kinds(checkin=checkin) == {"very_low_mood"}
    higher = services.log_checkin(patient=patient, recorded_at=ago(hours=1), mood=5)
    assert flag_kinds(checkin=higher) == set()


# --- Edits ---------------------------------------------------------------------------------------


def test_an_edit_keeps_the_old_values_and_bumps_the_version(patient) -> None:
    checkin = services.log_checkin(
        patient=patient, recorded_at=ago(hours=3), mood=6, ratings={"sleep": 1}, note="first"
    )
    edited = services.edit_checkin(
        patient=patient,
        checkin=checkin,
        expected_version=1,
        recorded_at=ago(hours=3),
        mood=7,
        ratings={"sleep": 0},
        note="second",
    )
    assert (edited.version, edited.mood, edited.note) == (2, 7, "second")
    revision = EntryRevision.objects.get(entry_type="checkin", entry_id=checkin.pk)
    assert revision.version == 1 and revision.action == "edit"
    assert revision.data["mood"] == 6 and revision.data["note"] == "first"
    assert revision.data["ratings"] == {"sleep": 1}


def test_a_stale_edit_raises_with_the_current_values_and_changes_nothing(patient) -> None:
    checkin = services.log_checkin(patient=patient, recorded_at=ago(hours=3), mood=6)
    services.edit_checkin(
        patient=patient, checkin=checkin, expected_version=1, recorded_at=ago(hours=3), mood=8
    )
    with pytest.raises(services.StaleEdit) as exc:
        services.edit_checkin(
            patient=patient, checkin=checkin, expected_version=1, recorded_at=ago(hours=3), mood=1
        )
    assert exc.value.current_version == 2 and exc.value.current["mood"] == 8
    checkin.refresh_from_db()
    assert (checkin.mood, checkin.version) == (8, 2)
    assert EntryRevision.objects.count() == 1
    assert not Flag.objects.exists()  # the refused mood of 1 raised nothing


def test_edits_recompute_flags_and_keep_acknowledgement_of_ones_that_still_apply(
    patient, provider
) -> None:
    checkin = services.log_checkin(
        patient=patient, recorded_at=ago(hours=3), mood=1, ratings={"urinary": 3}
    )
    Flag.objects.filter(checkin=checkin).update(
        acknowledged_by=provider, acknowledged_at=timezone.now()
    )
    services.edit_checkin(
        patient=patient,
        checkin=checkin,
        expected_version=1,
        recorded_at=ago(hours=3),
        mood=6,
        ratings={"urinary": 2},
    )
    remaining = Flag.objects.get(checkin=checkin, kind="urinary")
    assert remaining.acknowledged_by == provider and remaining.withdrawn_at is None
    assert remaining.detail["severity"] == 2
    # The mood flag no longer fires: withdrawn by the patient, kept, still acknowledged.
    withdrawn = Flag.objects.get(checkin=checkin, kind="very_low_mood")
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawal["before"]["mood"] == 1
    assert withdrawn.withdrawal["after"]["mood"] == 6


def test_editing_a_reading_out_of_alarm_withdraws_its_flag_and_keeps_it_open(patient) -> None:
    reading = services.add_reading(
        patient=patient, measured_at=ago(hours=1), systolic=185, diastolic=121, context="home"
    )
    services.edit_reading(
        patient=patient, reading=reading, expected_version=1, measured_at=ago(hours=1),
        systolic=125, diastolic=81, context="home",
    )  # fmt: skip
    flag = Flag.objects.get(reading=reading)
    assert flag.kind == "severe_bp" and flag.acknowledged_at is None
    assert flag.withdrawal["before"]["systolic"] == 185
    assert flag.withdrawal["after"]["systolic"] == 125
    assert "note" not in flag.withdrawal["after"]
    # Back into alarm: the same flag, no longer withdrawn.
    services.edit_reading(
        patient=patient, reading=reading, expected_version=2, measured_at=ago(hours=1),
        systolic=190, diastolic=100, context="home",
    )  # fmt: skip
    again = Flag.objects.get(reading=reading)
    assert again.pk == flag.pk and again.withdrawn_at is None


def test_edit_session_and_report_and_questionnaire(patient, session) -> None:
    report = services.submit_report(
        patient=patient, session=session, reported_at=ago(hours=1), mood=5, ratings={"nausea": 1}
    )
    services.edit_session(
        patient=patient, session=session, expected_version=1, started_at=ago(hours=7),
        route="iv", dose_mg=None, note="moved",
    )  # fmt: skip
    with pytest.raises(ValidationError):  # a session cannot move after its report
        services.edit_session(
            patient=patient, session=session, expected_version=2, started_at=ago(minutes=30),
            route="iv",
        )  # fmt: skip
    services.edit_report(
        patient=patient, report=report, expected_version=1, reported_at=ago(hours=1), mood=5,
        ratings={"nausea": 4},
    )  # fmt: skip
    assert flag_kinds(report=report) == {"severe_side_effect"}
    response = services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=[0] * 9, completed_at=ago(minutes=5)
    )
    edited = services.edit_questionnaire(
        patient=patient, response=response, expected_version=1, answers=[0] * 8 + [1],
        completed_at=response.completed_at,
    )  # fmt: skip
    assert (edited.total, edited.band) == (1, "Minimal")
    assert flag_kinds(questionnaire=response) == {"self_harm"}
    assert EntryRevision.objects.filter(action="edit").count() == 3


def test_edits_refuse_another_patients_entry(patient, other_patient) -> None:
    checkin = services.log_checkin(patient=patient, recorded_at=ago(hours=3), mood=6)
    with pytest.raises(ValidationError):
        services.edit_checkin(
            patient=other_patient,
            checkin=checkin,
            expected_version=1,
            recorded_at=ago(hours=3),
            mood=1,
        )
    with pytest.raises(ValidationError):
        services.delete_checkin(patient=other_patient, checkin=checkin)
    checkin.refresh_from_db()
    assert checkin.mood == 6


# --- Deletion ---------------------------------------------------------------------------------


def test_deleting_a_session_snapshots_everything_and_audits_without_content(
    patient, session
) -> None:
    services.submit_report(
        patient=patient,
        session=session,
        reported_at=ago(hours=1),
        mood=5,
        ratings={},
        readings=[services.ReadingInput(ago(hours=6), 185, 121, "before")],
        note="very private words",
    )
    services.delete_session(patient=patient, session=session, ip="203.0.113.9")
    assert not TreatmentSession.objects.exists()
    assert not PostSessionReport.objects.exists()
    assert not BloodPressureReading.objects.exists()
    # The severe reading's flag outlives it: withdrawn (deleted), naming the entry it was on.
    assert set(Flag.objects.values_list("kind", flat=True)) == {"severe_bp", "elevated_before_dose"}
    flag = Flag.objects.get(kind="severe_bp")
    assert (flag.reading_id, flag.entry_type) == (None, "reading")
    assert flag.withdrawal["action"] == "delete" and flag.acknowledged_at is None
    assert not Flag.objects.filter(withdrawn_at__isnull=True).exists()
    actions = set(EntryRevision.objects.values_list("entry_type", "action"))
    assert actions == {("session", "delete"), ("report", "delete"), ("reading", "delete")}
    event = AuditEvent.objects.get(action="journal.delete")
    assert event.actor == patient and event.detail == {
        "entry_type": "session",
        "entry_id": session.pk,
    }
    assert "private" not in str(event.detail)


def test_deleting_a_report_keeps_its_readings_with_the_session(patient, session) -> None:
    report = services.submit_report(
        patient=patient,
        session=session,
        reported_at=ago(hours=1),
        mood=5,
        ratings={},
        readings=[services.ReadingInput(ago(hours=6), 120, 80, "before")],
    )
    services.delete_report(patient=patient, report=report)
    reading = BloodPressureReading.objects.get()
    assert reading.session_id == session.pk and reading.report_id is None


def test_the_thresholds_row_is_created_on_first_use() -> None:
    assert not ClinicSettings.objects.exists()
    assert ClinicSettings.load_thresholds().severe_systolic == 180
