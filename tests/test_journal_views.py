"""Journal pages through the test client: creating, reading, editing and deleting entries,
ownership, edit conflicts and history, questionnaires, flags and the patient home."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.catalogue import GAD7, PFIZER_ATTRIBUTION, PHQ9, SCREENING_NOTICE
from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    EntryRevision,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
)
from tests.conftest import client_for
from tests.factories import journal_world

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")


def when(prefix: str, value: dt.datetime) -> dict[str, str]:
    local = value.astimezone(NY)
    return {f"{prefix}_0": f"{local:%Y-%m-%d}", f"{prefix}_1": f"{local:%H:%M}"}


def ago(**kwargs) -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0) - dt.timedelta(**kwargs)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def plain(response) -> str:
    """The page's visible words, tags removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def reading_row(i: int, at: dt.datetime) -> dict[str, str]:
    return {f"readings-{i}-{k}": v for k, v in when("measured_at", at).items()}


@pytest.fixture
def world(personas) -> dict[str, object]:
    return journal_world(personas)


def empty_readings(total: int = 3) -> dict[str, str]:
    data = {
        "readings-TOTAL_FORMS": str(total),
        "readings-INITIAL_FORMS": "0",
        "readings-MIN_NUM_FORMS": "0",
        "readings-MAX_NUM_FORMS": "3",
    }
    for i in range(total):
        data[f"readings-{i}-context"] = "home"
    return data


# --- Sessions and reports ---------------------------------------------------------------------


def test_a_patient_logs_a_session_then_its_report_with_readings(patient) -> None:
    client = client_for(patient)
    started = ago(hours=5)
    response = client.post(
        reverse("journal:session-create"),
        {**when("started_at", started), "route": "intranasal", "dose_mg": "56"},
    )
    session = TreatmentSession.objects.get()
    assert response["Location"] == reverse("journal:session-detail", args=[session.pk])
    form_page = text(client.get(reverse("journal:report-create", args=[session.pk])))
    assert "Taste change" in form_page and "Nasal discomfort" in form_page
    data = {
        **when("reported_at", ago(hours=1)),
        "mood": "4",
        "sym_nausea": "3",
        "overall_bother": "2",
        "note": "Wobbly evening",
        "note_shareable": "on",
        **empty_readings(),
        **reading_row(0, started - dt.timedelta(minutes=5)),
        "readings-0-context": "before",
        "readings-0-systolic": "130",
        "readings-0-diastolic": "82",
        **reading_row(1, started + dt.timedelta(minutes=40)),
        "readings-1-context": "after40",
        "readings-1-systolic": "185",
        "readings-1-diastolic": "121",
        "readings-1-pulse": "96",
    }  # fmt: skip
    response = client.post(reverse("journal:report-create", args=[session.pk]), data)
    report = PostSessionReport.objects.get()
    assert response["Location"] == reverse("journal:report-detail", args=[report.pk])
    assert report.note_shareable and report.mood == 4
    ratings = {r.code: r.severity for r in report.ratings.all()}
    assert ratings["nausea"] == 3 and ratings["dizziness"] == 0 and len(ratings) == 14
    assert BloodPressureReading.objects.filter(report=report).count() == 2
    page = text(client.get(response["Location"]))
    assert "Severe side effect" in page and "Very high blood pressure (185/121)" in page
    assert "Blood pressure rose after the dose (+55/+39)" in page
    assert "Wobbly evening" in page and "Shareable" in page


def test_only_mood_is_required_on_a_report(patient, world) -> None:
    session = world["journal_session_unreported"]
    client = client_for(patient)
    url = reverse("journal:report-create", args=[session.pk])
    missing = client.post(url, {**when("reported_at", ago(minutes=5)), **empty_readings()})
    assert "Choose a number from 0 to 10" in text(missing)
    assert not PostSessionReport.objects.filter(session=session).exists()
    ok = client.post(url, {**when("reported_at", ago(minutes=5)), "mood": "7", **empty_readings()})
    assert ok.status_code == 302
    # Every side effect defaults to None; the yes/no questions stay unanswered.
    assert PostSessionReport.objects.get(session=session).ratings.filter(severity=0).count() == 14


def test_a_half_filled_reading_row_keeps_everything_unsaved(patient, world) -> None:
    session = world["journal_session_unreported"]
    data = {
        **when("reported_at", ago(minutes=5)),
        "mood": "7",
        **empty_readings(),
        "readings-0-systolic": "140",
    }
    response = client_for(patient).post(reverse("journal:report-create", args=[session.pk]), data)
    page = text(response)
    assert response.status_code == 200 and "Enter the lower number (diastolic)" in page
    # The time may stay empty: it defaults by context (tests/test_session_report_flow.py).
    assert "Enter when this reading was taken" not in page
    assert not PostSessionReport.objects.filter(session=session).exists()


def test_a_session_with_a_report_sends_report_create_to_the_edit_page(patient, world) -> None:
    session = world["journal_session"]
    response = client_for(patient).get(reverse("journal:report-create", args=[session.pk]))
    assert response["Location"] == reverse("journal:report-edit", args=[session.report.pk])


def test_session_list_and_detail_show_the_patients_sessions(patient, world) -> None:
    client = client_for(patient)
    page = text(client.get(reverse("journal:session-list")))
    assert "IV infusion" in page and "Write report" in page
    detail = text(client.get(reverse("journal:session-detail", args=[world["journal_session"].pk])))
    assert "35 mg" in detail and "128/80" in detail and "150/88" in detail


# --- Ownership ----------------------------------------------------------------------------------

OWNED = [
    ("session", "journal_session"),
    ("report", "journal_report"),
    ("checkin", "journal_checkin"),
    ("reading", "journal_reading"),
    ("questionnaire", "journal_questionnaire"),
]


@pytest.mark.parametrize(("kind", "key"), OWNED)
def test_another_patient_cannot_see_edit_or_delete_an_entry(
    kind, key, other_patient, world
) -> None:
    obj = world[key]
    client = client_for(other_patient)
    for action in ("detail", "edit", "delete"):
        url = reverse(f"journal:{kind}-{action}", args=[obj.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"mood": "0", "version": "1"}).status_code == 404
    type(obj).objects.get(pk=obj.pk)  # still there
    assert not EntryRevision.objects.exists()


def test_lists_show_only_the_patients_own_entries(patient, other_patient, world) -> None:
    services.log_checkin(patient=other_patient, recorded_at=ago(hours=1), mood=9, note="olive")
    client = client_for(other_patient)
    names = ("session-list", "checkin-list", "reading-list", "questionnaire-list", "flag-list")
    for name in (*names, "entry-list"):
        page = text(client.get(reverse(f"journal:{name}")))
        for kind, key in OWNED:
            assert reverse(f"journal:{kind}-detail", args=[world[key].pk]) not in page
    home = text(client.get(reverse("journal:patient-home")))
    assert reverse("journal:checkin-detail", args=[world["journal_checkin"].pk]) not in home


def test_another_patient_cannot_write_a_report_for_my_session(other_patient, world) -> None:
    session = world["journal_session_unreported"]
    response = client_for(other_patient).post(
        reverse("journal:report-create", args=[session.pk]),
        {**when("reported_at", ago(minutes=5)), "mood": "1", **empty_readings()},
    )
    assert response.status_code == 404
    assert not PostSessionReport.objects.filter(session=session).exists()


def test_a_standalone_reading_cannot_be_linked_to_another_patients_session(
    other_patient, world
) -> None:
    response = client_for(other_patient).post(
        reverse("journal:reading-create"),
        {
            **when("measured_at", ago(minutes=5)),
            "context": "before",
            "systolic": "120",
            "diastolic": "80",
            "session": str(world["journal_session"].pk),
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not BloodPressureReading.objects.filter(patient=other_patient).exists()


# --- Editing, conflicts and history --------------------------------------------------------------


def checkin_post(checkin: CheckIn, **changes) -> dict[str, str]:
    data = {**when("recorded_at", checkin.recorded_at), "mood": str(checkin.mood), "version": "1"}
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_an_edit_is_saved_and_the_history_shows_the_old_version(patient, world) -> None:
    checkin = world["journal_checkin"]
    client = client_for(patient)
    url = reverse("journal:checkin-edit", args=[checkin.pk])
    edit_page = text(client.get(url))
    assert 'name="version" value="1"' in edit_page
    response = client.post(url, checkin_post(checkin, mood=8, note="better"))
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert (checkin.mood, checkin.version, checkin.note) == (8, 2, "better")
    detail = text(client.get(reverse("journal:checkin-detail", args=[checkin.pk])))
    assert "Edit history" in detail and "Version 1, replaced" in detail
    assert "Mood (0–10) </dt>" in detail or "Mood (0–10)" in detail


def test_a_stale_edit_shows_both_versions_and_changes_nothing(patient, world) -> None:
    checkin = world["journal_checkin"]
    client = client_for(patient)
    url = reverse("journal:checkin-edit", args=[checkin.pk])
    # Another tab saves first.
    client.post(url, checkin_post(checkin, mood=9, note="from my phone"))
    response = client.post(url, checkin_post(checkin, mood=1, note="from my laptop"))
    page = text(response)
    assert response.status_code == 409
    assert "changed somewhere else" in page and "Nothing was overwritten" in page
    assert "from my phone" in page and "from my laptop" in page
    assert 'name="version" value="2"' in page
    checkin.refresh_from_db()
    assert (checkin.mood, checkin.note, checkin.version) == (9, "from my phone", 2)
    assert not Flag.objects.filter(checkin=checkin).exists()
    # Saving again from the conflict page is a deliberate overwrite.
    again = client.post(url, checkin_post(checkin, mood=1, note="from my laptop", version=2))
    assert again.status_code == 302
    checkin.refresh_from_db()
    assert (checkin.mood, checkin.version) == (1, 3)
    assert Flag.objects.filter(checkin=checkin, kind="very_low_mood").exists()


@pytest.mark.parametrize(
    ("kind", "key", "data"),
    [
        ("session", "journal_session", {"route": "im", "dose_mg": "40"}),
        ("reading", "journal_reading", {"context": "home", "systolic": "131", "diastolic": "85"}),
        ("questionnaire", "journal_questionnaire", {f"item_{i}": "2" for i in range(9)}),
        ("report", "journal_report", {"mood": "3"}),
    ],
)
def test_every_entry_type_can_be_edited_and_conflicts_are_caught(
    kind, key, data, patient, world
) -> None:
    obj = world[key]
    time_field = {"session": "started_at", "reading": "measured_at", "report": "reported_at"}
    post = {**data, "version": "1"}
    if kind in time_field:
        post.update(when(time_field[kind], getattr(obj, time_field[kind])))
    client = client_for(patient)
    url = reverse(f"journal:{kind}-edit", args=[obj.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, post).status_code == 302
    assert client.post(url, post).status_code == 409  # version 1 is now stale
    obj.refresh_from_db()
    assert obj.version == 2
    assert EntryRevision.objects.filter(entry_type=kind, entry_id=obj.pk).count() == 1
    detail = text(client.get(reverse(f"journal:{kind}-detail", args=[obj.pk])))
    assert "Version 1, replaced" in detail


# --- Deleting ---------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_then_deletes(patient, world) -> None:
    reading = world["journal_reading"]
    client = client_for(patient)
    url = reverse("journal:reading-delete", args=[reading.pk])
    assert "Yes, delete" in text(client.get(url))
    assert BloodPressureReading.objects.filter(pk=reading.pk).exists()
    response = client.post(url)
    assert response["Location"] == reverse("journal:reading-list")
    assert not BloodPressureReading.objects.filter(pk=reading.pk).exists()
    assert EntryRevision.objects.filter(entry_type="reading", action="delete").exists()


def test_deleting_a_session_takes_its_report_and_readings(patient, world) -> None:
    session = world["journal_session"]
    client_for(patient).post(reverse("journal:session-delete", args=[session.pk]))
    assert not TreatmentSession.objects.filter(pk=session.pk).exists()
    assert not PostSessionReport.objects.filter(pk=world["journal_report"].pk).exists()
    assert not BloodPressureReading.objects.filter(session_id=session.pk).exists()


# --- Questionnaires ---------------------------------------------------------------------------


def phq9_answers(*answers: int) -> dict[str, str]:
    return {f"item_{i}": str(a) for i, a in enumerate(answers)}


def test_the_phq9_form_shows_exact_wording_attribution_and_screening_notice(patient) -> None:
    page = client_for(patient).get(reverse("journal:questionnaire-create", args=["phq9"]))
    body = page.content.decode()
    for item in PHQ9.items:
        assert item in body
    assert PHQ9.stem in body and PFIZER_ATTRIBUTION in body and SCREENING_NOTICE in body
    gad = client_for(patient).get(reverse("journal:questionnaire-create", args=["gad7"]))
    assert all(item in gad.content.decode() for item in GAD7.items)
    assert client_for(patient).get("/questionnaires/cadss/new/").status_code == 404


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ((0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "Minimal"),
        ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "Minimal"),
        ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "Mild"),
        ((3, 3, 3, 0, 0, 0, 0, 0, 0), 9, "Mild"),
        ((3, 3, 3, 1, 0, 0, 0, 0, 0), 10, "Moderate"),
        ((3, 3, 3, 3, 2, 0, 0, 0, 0), 14, "Moderate"),
        ((3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "Moderately severe"),
        ((3, 3, 3, 3, 3, 3, 1, 0, 0), 19, "Moderately severe"),
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "Severe"),
        ((3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "Severe"),
    ],
)
def test_phq9_is_scored_into_every_band(answers, total, band, patient) -> None:
    client = client_for(patient)
    response = client.post(
        reverse("journal:questionnaire-create", args=["phq9"]), phq9_answers(*answers)
    )
    saved = QuestionnaireResponse.objects.get()
    assert (saved.total, saved.band) == (total, band)
    page = plain(client.get(response["Location"]))
    assert f" {total} out of 27 " in page and f"Band: {band} " in page


@pytest.mark.parametrize(
    ("answers", "band"),
    [((0,) * 7, "Minimal"), ((1, 1, 1, 1, 1, 0, 0), "Mild"), ((2, 2, 2, 2, 2, 0, 0), "Moderate"),
     ((3, 3, 3, 3, 3, 0, 0), "Severe")],
)  # fmt: skip
def test_gad7_is_scored_into_every_band(answers, band, patient) -> None:
    client_for(patient).post(
        reverse("journal:questionnaire-create", args=["gad7"]),
        {f"item_{i}": str(a) for i, a in enumerate(answers)},
    )
    saved = QuestionnaireResponse.objects.get()
    assert (saved.instrument, saved.total, saved.band) == ("gad7", sum(answers), band)


def test_item_nine_above_zero_shows_crisis_resources_on_the_result_page(patient) -> None:
    ClinicSettings.objects.update_or_create(
        pk=1,
        defaults={"crisis_number": "988", "emergency_number": "911", "clinic_phone": "555-0100"},
    )
    client = client_for(patient)
    response = client.post(
        reverse("journal:questionnaire-create", args=["phq9"]),
        phq9_answers(0, 0, 0, 0, 0, 0, 0, 0, 1),
    )
    page = text(client.get(response["Location"]))
    assert "Support is available right now" in page
    assert 'href="tel:988"' in page and 'href="tel:911"' in page and "555-0100" in page
    assert Flag.objects.filter(kind="self_harm", severity=3).exists()


def test_no_crisis_panel_when_item_nine_is_not_at_all(patient) -> None:
    client = client_for(patient)
    response = client.post(
        reverse("journal:questionnaire-create", args=["phq9"]),
        phq9_answers(3, 3, 0, 0, 0, 0, 0, 0, 0),
    )
    assert "Support is available right now" not in text(client.get(response["Location"]))


def test_an_unanswered_item_is_refused_and_nothing_is_saved(patient) -> None:
    response = client_for(patient).post(
        reverse("journal:questionnaire-create", args=["phq9"]), phq9_answers(0, 0, 0, 0, 0, 0, 0, 0)
    )
    assert "Choose one answer for this question" in text(response)
    assert not QuestionnaireResponse.objects.exists()


# --- Safety notice, flags, home -----------------------------------------------------------------

ENTRY_FORMS = [
    ("journal:session-create", []),
    ("journal:checkin-create", []),
    ("journal:reading-create", []),
    ("journal:questionnaire-create", ["phq9"]),
]


@pytest.mark.parametrize(("name", "args"), ENTRY_FORMS)
def test_every_entry_form_carries_the_safety_notice_with_clinic_numbers(
    name, args, patient
) -> None:
    ClinicSettings.objects.update_or_create(
        pk=1,
        defaults={"clinic_phone": "555-0142", "crisis_number": "988", "emergency_number": "112"},
    )
    page = text(client_for(patient).get(reverse(name, args=args)))
    assert "not monitored in real time" in page
    assert "555-0142" in page and "988" in page and "112" in page


def test_report_and_edit_forms_carry_the_safety_notice(patient, world) -> None:
    client = client_for(patient)
    for url in (
        reverse("journal:report-create", args=[world["journal_session_unreported"].pk]),
        reverse("journal:report-edit", args=[world["journal_report"].pk]),
        reverse("journal:checkin-edit", args=[world["journal_checkin"].pk]),
    ):
        assert "not monitored in real time" in text(client.get(url))


def test_flag_list_shows_guidance_and_links_to_the_entry(patient) -> None:
    reading = services.add_reading(
        patient=patient, measured_at=ago(hours=1), systolic=185, diastolic=121, context="home"
    )
    page = text(client_for(patient).get(reverse("journal:flag-list")))
    assert "Very high blood pressure (185/121)" in page and "sit quietly for five minutes" in page
    assert reverse("journal:reading-detail", args=[reading.pk]) in page


def test_home_suggests_todays_check_in_and_the_missing_report(patient, world) -> None:
    # The world's check-in is 16 hours old: on the patient's "today" late in the UTC day.
    CheckIn.objects.filter(patient=patient).delete()
    client = client_for(patient)
    page = text(client.get(reverse("journal:patient-home")))
    assert "Log today's check-in" in page
    assert reverse("journal:report-create", args=[world["journal_session_unreported"].pk]) in page
    services.log_checkin(patient=patient, recorded_at=ago(minutes=1), mood=6)
    assert "Log today's check-in" not in text(client.get(reverse("journal:patient-home")))


def test_the_check_in_reminder_uses_the_patients_local_day(patient) -> None:
    patient.time_zone = "Pacific/Kiritimati"  # UTC+14: "today" there differs from UTC's
    patient.save()
    zone = zoneinfo.ZoneInfo(patient.time_zone)
    local_midnight = dt.datetime.combine(timezone.now().astimezone(zone).date(), dt.time.min, zone)
    services.log_checkin(
        patient=patient, recorded_at=local_midnight - dt.timedelta(minutes=1), mood=6
    )
    assert "Log today's check-in" in text(client_for(patient).get(reverse("journal:patient-home")))


def test_home_shows_open_flags_with_guidance(patient) -> None:
    services.log_checkin(patient=patient, recorded_at=ago(hours=1), mood=5, ratings={"cravings": 3})
    page = text(client_for(patient).get(reverse("journal:patient-home")))
    assert "Cravings for ketamine (Severe)" in page and "nothing to be ashamed of" in page


def make_entries(patient, n: int) -> None:
    for i in range(n):
        session = services.log_session(patient=patient, started_at=ago(days=i, hours=8), route="iv")
        services.submit_report(
            patient=patient, session=session, reported_at=ago(days=i, hours=4), mood=1,
            ratings={"nausea": 4},
            readings=[services.ReadingInput(ago(days=i, hours=8), 185, 121, "before")],
        )  # fmt: skip
        services.log_checkin(patient=patient, recorded_at=ago(days=i, hours=2), mood=5)
        services.submit_questionnaire(
            patient=patient, instrument="gad7", answers=[1] * 7, completed_at=ago(days=i, hours=1)
        )


def test_everything_recorded_is_listed_newest_first_twenty_a_page(patient) -> None:
    make_entries(patient, 6)  # 30 entries
    client = client_for(patient)
    first = client.get(reverse("journal:entry-list"))
    items = first.context["feed"].object_list
    assert len(items) == 20 and first.context["feed"].paginator.count == 30
    times = [item.at for item in items]
    assert times == sorted(times, reverse=True)
    assert {item.kind for item in items} == {
        "session",
        "report",
        "reading",
        "checkin",
        "questionnaire",
    }
    second = client.get(reverse("journal:entry-list") + "?page=2")
    assert len(second.context["feed"].object_list) == 10
    assert client.get(reverse("journal:entry-list") + "?page=abc").status_code == 200
    # Home links to it instead of listing entries itself.
    home = client.get(reverse("journal:patient-home"))
    assert "feed" not in home.context and reverse("journal:entry-list") in text(home)


def test_home_query_count_does_not_grow_with_entries(
    patient, django_assert_max_num_queries
) -> None:
    client = client_for(patient)
    make_entries(patient, 1)
    client.get(reverse("journal:patient-home"))  # warm the clinic settings row
    make_entries(patient, 1)  # a new data version: the summary is computed afresh
    # 6 for the page (session, user, next steps, current flags), +1 for the data version the
    # summary is cached under, +5 for the 30-day mood sentence (chartdata.dashboard_data for
    # the mood category: sessions, check-ins, reports, the session before, questionnaires),
    # +1 for the questionnaires' outcomes (one UNION of scores, sessions, marked baselines).
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("journal:patient-home"))
    make_entries(patient, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("journal:patient-home"))
    assert response.status_code == 200


def test_an_edit_without_a_version_is_treated_as_a_conflict(patient, world) -> None:
    checkin = world["journal_checkin"]
    data = checkin_post(checkin, mood=1)
    del data["version"]
    response = client_for(patient).post(reverse("journal:checkin-edit", args=[checkin.pk]), data)
    assert response.status_code == 409
    checkin.refresh_from_db()
    assert (checkin.mood, checkin.version) == (5, 1)
