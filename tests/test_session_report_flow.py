""" "I just had a session": the session and its report on one screen, saved together; reading
times that default by context; "None" in one tap; follow-ups only when relevant."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journal import services
from journal.catalogue import post_session_symptoms
from journal.models import AuditEvent, BloodPressureReading, PostSessionReport, TreatmentSession
from tests.conftest import client_for
from tests.test_journal_double_submit import form_token
from tests.test_journal_views import ago, text, when
from tests.test_patient_home_and_navigation import rendered_form

pytestmark = pytest.mark.django_db

URL = reverse("journal:session-report-create")


def filled(client, **changes: str) -> dict[str, str]:
    """The one-screen form as the browser sends it, with `changes` on top."""
    return {**rendered_form(client, URL), **changes}


# --- Reading times by context -----------------------------------------------------------------


def test_reading_times_default_to_the_session_start_forty_minutes_and_two_hours_later() -> None:
    start = dt.datetime(2026, 3, 1, 14, 0, tzinfo=dt.UTC)
    now = start + dt.timedelta(hours=5)

    def at(context: str) -> dt.datetime:
        return services.default_reading_time(context=context, session_start=start, now=now)

    assert at("before") == start
    assert at("after40") == start + dt.timedelta(minutes=40)
    assert at("discharge") == start + dt.timedelta(hours=2)
    assert at("home") == now  # no usual time at home: when it is written down


def test_a_default_reading_time_is_never_later_than_now() -> None:
    start = dt.datetime(2026, 3, 1, 14, 0, tzinfo=dt.UTC)
    now = start + dt.timedelta(minutes=30)
    for context in ("after40", "discharge"):
        assert services.default_reading_time(context=context, session_start=start, now=now) == now
    assert services.default_reading_time(context="before", session_start=start, now=now) == start


def test_a_report_reading_without_a_time_is_stored_at_its_contexts_usual_time(patient) -> None:
    started = ago(hours=5)
    session = services.log_session(patient=patient, started_at=started, route="iv")
    services.submit_report(
        patient=patient,
        session=session,
        reported_at=ago(minutes=1),
        mood=6,
        ratings={},
        readings=[
            services.ReadingInput(None, 130, 85, "before"),
            services.ReadingInput(None, 150, 90, "after40"),
            services.ReadingInput(None, 128, 80, "discharge"),
        ],
    )
    times = dict(BloodPressureReading.objects.values_list("context", "measured_at"))
    assert times == {
        "before": started,
        "after40": started + dt.timedelta(minutes=40),
        "discharge": started + dt.timedelta(hours=2),
    }


def test_the_report_form_leaves_reading_times_empty_so_the_usual_ones_apply(patient) -> None:
    client = client_for(patient)
    started = ago(hours=4)
    session = services.log_session(patient=patient, started_at=started, route="iv")
    url = reverse("journal:report-create", args=[session.pk])
    data = {
        **rendered_form(client, url),
        **when("reported_at", ago(minutes=2)),
        "mood": "6",
        "readings-0-systolic": "132",
        "readings-0-diastolic": "84",
        "readings-1-systolic": "158",
        "readings-1-diastolic": "92",
    }
    assert data["readings-1-measured_at_0"] == "" and data["readings-1-context"] == "after40"
    assert client.post(url, data).status_code == 302
    times = dict(BloodPressureReading.objects.values_list("context", "measured_at"))
    assert times == {"before": started, "after40": started + dt.timedelta(minutes=40)}


def test_a_reading_time_the_patient_enters_is_kept(patient) -> None:
    client = client_for(patient)
    data = filled(
        client,
        **when("started_at", ago(hours=3)),
        mood="5",
        **{"readings-0-systolic": "140", "readings-0-diastolic": "90"},
        **when("readings-0-measured_at", ago(hours=3, minutes=15)),
    )
    assert client.post(URL, data).status_code == 302
    assert BloodPressureReading.objects.get().measured_at == ago(hours=3, minutes=15)


# --- The one-screen flow ------------------------------------------------------------------


def test_one_post_creates_exactly_one_session_and_one_report_with_its_readings(patient) -> None:
    client = client_for(patient)
    started = ago(hours=2, minutes=30)
    data = filled(
        client,
        **when("started_at", started),
        route="intranasal",
        dose_mg="56",
        session_note="Two devices.",
        mood="6",
        any_side_effects="1",
        sym_nausea="2",
        sym_headache="1",
        sym_nasal="1",
        overall_bother="2",
        note="Tired.",
        **{
            "readings-0-systolic": "138",
            "readings-0-diastolic": "86",
            "readings-0-pulse": "72",
            "readings-1-systolic": "152",
            "readings-1-diastolic": "94",
        },
    )
    response = client.post(URL, data)

    session = TreatmentSession.objects.get(patient=patient)
    report = PostSessionReport.objects.get(patient=patient)
    assert response["Location"] == reverse("journal:report-detail", args=[report.pk])
    assert report.session == session
    assert (session.started_at, session.route, str(session.dose_mg), session.note) == (
        started,
        "intranasal",
        "56.00",
        "Two devices.",
    )
    assert (report.mood, report.overall_bother, report.note) == (6, 2, "Tired.")
    assert report.reported_at >= started
    ratings = {r.code: r.severity for r in report.ratings.all()}
    assert {c: v for c, v in ratings.items() if v} == {"nausea": 2, "headache": 1, "nasal": 1}
    readings = BloodPressureReading.objects.filter(session=session, report=report)
    assert sorted((r.context, r.systolic, r.measured_at) for r in readings) == [
        ("after40", 152, started + dt.timedelta(minutes=40)),
        ("before", 138, started),
    ]
    actions = AuditEvent.objects.filter(action="journal.create").values_list("detail", flat=True)
    assert sorted(d["entry_type"] for d in actions) == ["report", "session"]


def test_a_double_tap_saves_one_session_and_one_report(patient) -> None:
    client = client_for(patient)
    data = filled(client, **when("started_at", ago(hours=1)), mood="7", any_side_effects="0")
    data["submission_token"] = form_token(client, URL)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert TreatmentSession.objects.filter(patient=patient).count() == 1
    assert PostSessionReport.objects.filter(patient=patient).count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_the_session_time_defaults_to_now_and_the_route_to_the_last_sessions(patient) -> None:
    services.log_session(patient=patient, started_at=ago(days=9), route="iv")
    services.log_session(patient=patient, started_at=ago(days=2), route="intranasal")
    services.log_session(patient=patient, started_at=ago(days=5), route="im")
    values = filled(client_for(patient))
    assert values["route"] == "intranasal"
    local = ago(minutes=0).astimezone(patient.zone)
    assert values["started_at_0"] == f"{local:%Y-%m-%d}"
    assert abs(int(values["started_at_1"][:2]) * 60 + int(values["started_at_1"][3:5])
               - (local.hour * 60 + local.minute)) <= 1  # fmt: skip


def test_a_patients_first_session_defaults_to_iv(patient) -> None:
    assert filled(client_for(patient))["route"] == "iv"


def test_none_in_one_tap_stores_every_side_effect_as_none(patient) -> None:
    client = client_for(patient)
    # Even ratings left in the hidden list (chosen before "None") are stored as None.
    data = filled(
        client,
        **when("started_at", ago(hours=1)),
        route="intranasal",
        mood="7",
        any_side_effects="0",
        sym_nausea="3",
        sym_dissociation_now="1",
        overall_bother="3",
    )
    assert client.post(URL, data).status_code == 302
    report = PostSessionReport.objects.get()
    ratings = {r.code: r.severity for r in report.ratings.all()}
    severity_codes = {s.code for s in post_session_symptoms("intranasal") if s.is_severity}
    assert {c: ratings[c] for c in severity_codes} == dict.fromkeys(severity_codes, 0)
    assert "dissociation_now" not in ratings
    assert report.overall_bother == 0
    assert not report.flags.exists()


def test_a_still_present_answer_counts_only_for_an_effect_that_was_felt(patient) -> None:
    client = client_for(patient)
    data = filled(
        client,
        **when("started_at", ago(hours=4)),
        mood="6",
        any_side_effects="1",
        sym_dissociation="0",
        sym_dissociation_now="1",
        sym_drowsiness="2",
        sym_drowsiness_now="1",
    )
    assert client.post(URL, data).status_code == 302
    ratings = {r.code: r.severity for r in PostSessionReport.objects.get().ratings.all()}
    assert "dissociation_now" not in ratings and ratings["drowsiness_now"] == 1


def test_spray_only_questions_are_not_stored_for_another_route(patient) -> None:
    client = client_for(patient)
    data = filled(client, **when("started_at", ago(hours=1)), route="iv", mood="6", sym_taste="2")
    assert client.post(URL, data).status_code == 302
    codes = set(PostSessionReport.objects.get().ratings.values_list("code", flat=True))
    assert "taste" not in codes and "nasal" not in codes and "nausea" in codes


def test_errors_keep_everything_typed_and_save_nothing(patient) -> None:
    client = client_for(patient)
    data = filled(
        client,
        **when("started_at", ago(hours=2)),
        route="intranasal",
        dose_mg="56",
        any_side_effects="1",
        sym_nausea="2",
        note="Felt floaty.",
        **{"readings-0-systolic": "150"},
    )  # no mood, a reading without its lower number
    response = client.post(URL, data)
    assert response.status_code == 200
    assert not TreatmentSession.objects.exists() and not PostSessionReport.objects.exists()
    page = text(response)
    assert "Nothing was saved yet" in page
    assert "Choose a number from 0 to 10." in page
    assert "Please check blood pressure reading 1" in page
    assert "Enter the lower number (diastolic)." in page
    assert 'value="150"' in page and 'value="56"' in page and "Felt floaty." in page
    assert re.search(r'name="sym_nausea" value="2"[^>]*checked', page)
    assert re.search(r'name="route" value="intranasal"[^>]*checked', page)


def test_a_session_in_the_future_is_refused_and_nothing_is_saved(patient) -> None:
    client = client_for(patient)
    data = filled(client, **when("started_at", ago(hours=-3)), mood="6")
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "This time is in the future." in text(response)
    assert not TreatmentSession.objects.exists()


def test_the_service_saves_both_or_neither(patient) -> None:
    with pytest.raises(ValidationError) as refused:
        services.log_session_with_report(
            patient=patient,
            started_at=ago(hours=2),
            route="iv",
            reported_at=ago(hours=1),
            mood=6,
            ratings={"nausea": 9},
        )
    assert "ratings" in refused.value.message_dict
    assert (
        not TreatmentSession.objects.exists()
        and not AuditEvent.objects.filter(action="journal.create").exists()
    )
    with pytest.raises(ValidationError) as refused:
        services.log_session_with_report(
            patient=patient,
            started_at=ago(hours=-2),
            route="iv",
            reported_at=ago(hours=1),
            mood=6,
            ratings={},
        )
    assert "started_at" in refused.value.message_dict
    assert not TreatmentSession.objects.exists()


def test_the_page_carries_the_real_time_notice_and_the_crisis_numbers(patient) -> None:
    page = text(client_for(patient).get(URL))
    assert "This journal is not monitored in real time." in page
    assert 'href="tel:988"' in page and 'href="tel:911"' in page


def test_home_offers_i_just_had_a_session(patient) -> None:
    page = text(client_for(patient).get(reverse("journal:patient-home")))
    button = rf'<a class="btn [^"]*btn-lg w-100" href="{URL}">I just had a session</a>'
    assert re.search(button, page)


def test_a_remembered_route_is_named_and_changed_on_request(patient) -> None:
    client = client_for(patient)
    first = text(client.get(URL))
    # No earlier session: the route question is open.
    assert '<details class="session-more mb-3" open>' in first
    services.log_session(patient=patient, started_at=ago(days=3), route="intranasal")
    page = text(client.get(URL))
    assert '<details class="session-more mb-3">' in page
    assert '<span class="fw-semibold">Intranasal spray</span> · change' in page


def test_after_home_questions_are_open_on_a_later_report_and_closed_right_after(patient) -> None:
    client = client_for(patient)
    assert '<details class="after-home">' in text(client.get(URL))
    session = services.log_session(patient=patient, started_at=ago(hours=20), route="iv")
    later = text(client.get(reverse("journal:report-create", args=[session.pk])))
    assert '<details class="after-home" open>' in later
    assert "After getting home: were you hard to wake" in later


def test_log_something_offers_the_one_screen_flow(patient) -> None:
    page = text(client_for(patient).get(reverse("journal:log-something")))
    assert f'href="{URL}">I just had a session</a>' in page


# --- A session that began earlier, in one tap from home ----------------------------------------


def test_home_offers_the_earlier_start_times_as_links_to_the_one_screen_form(patient) -> None:
    html = client_for(patient).get(reverse("journal:patient-home")).content.decode()
    for minutes in (30, 60, 120, 180):
        assert f'href="{URL}?started={minutes}"' in html
    assert "I had a session that started </span>2 h ago" in html


def test_started_two_hours_ago_fills_in_that_start_and_the_readings_follow_it(patient) -> None:
    client = client_for(patient)
    data = {**rendered_form(client, URL + "?started=120"), "mood": "6"}
    data.update(
        {
            "readings-0-systolic": "132",
            "readings-0-diastolic": "84",
            "readings-1-systolic": "146",
            "readings-1-diastolic": "90",
        }
    )
    before = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    response = client.post(URL, data)
    assert response.status_code == 302, text(response)
    session = TreatmentSession.objects.get(patient=patient)
    two_hours = before - dt.timedelta(hours=2)
    assert two_hours - dt.timedelta(minutes=1) <= session.started_at <= two_hours
    times = dict(BloodPressureReading.objects.values_list("context", "measured_at"))
    assert times == {
        "before": session.started_at,
        "after40": session.started_at + dt.timedelta(minutes=40),
    }


@pytest.mark.parametrize("value", ["", "45", "-60", "99999", "x"])
def test_any_other_started_value_opens_the_form_at_now(patient, value: str) -> None:
    client = client_for(patient)
    now = dt.datetime.now(patient.zone)
    data = rendered_form(client, f"{URL}?started={value}")
    assert data["started_at_0"] == f"{now:%Y-%m-%d}"
    assert data["started_at_1"] in {f"{now:%H:%M}", f"{now + dt.timedelta(minutes=1):%H:%M}"}
