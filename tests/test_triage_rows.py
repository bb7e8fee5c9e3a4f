"""Triage rows say what happened without opening a patient: the top open flag in words with its
value and age, how many more, last entry and last session, adherence; sorted, filtered and
searched by GET parameters; the top flag acknowledged in place, back to the same list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import permissions, services
from journal.models import Flag, Role, ShareCategory
from journal.reads import provider as provider_reads
from journal.reads.provider import Adherence, TriageQuery
from tests.conftest import client_for, enroll
from tests.test_provider import ALL, low_mood, severe_reading, sharing_patient

pytestmark = pytest.mark.django_db

HOME = "journal:provider-home"


def _ago(**kwargs: float) -> datetime:
    return timezone.now() - timedelta(**kwargs)


def _body(provider, **params: str) -> str:
    response = client_for(provider).get(reverse(HOME), params)
    assert response.status_code == 200
    return response.content.decode()


def _row_html(body: str, patient) -> str:
    match = re.search(rf'<tr id="patient-{patient.pk}">(.*?)</tr>', body, re.S)
    assert match, f"no row for {patient.display_name}"
    return match.group(1)


def _order(body: str, *patients) -> list[str]:
    """The display names of `patients` in the order their rows appear in the page."""
    shown = [p for p in patients if f'id="patient-{p.pk}"' in body]
    return [p.display_name for p in sorted(shown, key=lambda p: body.index(f'id="patient-{p.pk}"'))]


def _cell(row: str, label: str) -> str:
    match = re.search(rf'data-label="{label}">(.*?)</t[dh]>', row, re.S)
    assert match, f"no {label} cell"
    return _text(match.group(1)).strip()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- The top open flag, in words -------------------------------------------------------------


def _bp_after_dose(patient) -> None:
    at = _ago(days=2, hours=1)
    session = services.log_session(patient=patient, started_at=at, route="intranasal")
    services.submit_report(
        patient=patient,
        session=session,
        reported_at=at + timedelta(hours=2),
        mood=6,
        ratings={},
        readings=(services.ReadingInput(at + timedelta(minutes=40), 185, 121, "after40"),),
    )


def _pulse(patient) -> None:
    services.add_reading(
        patient=patient,
        measured_at=_ago(days=2, hours=1),
        systolic=118,
        diastolic=76,
        pulse=131,
        context="home",
    )


def _low_mood(patient) -> None:
    services.log_checkin(patient=patient, recorded_at=_ago(days=2, hours=1), mood=1)


def _item9(patient) -> None:
    services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[0, 0, 0, 0, 0, 0, 0, 0, 1],
        completed_at=_ago(days=2, hours=1),
    )


def _phq9_severe(patient) -> None:
    services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[3, 3, 3, 3, 3, 3, 3, 3, 0],
        completed_at=_ago(days=2, hours=1),
    )


def _urinary(patient) -> None:
    services.log_checkin(
        patient=patient, recorded_at=_ago(days=2, hours=1), mood=6, ratings={"urinary": 3}
    )


@pytest.mark.parametrize(
    ("make", "kind", "words", "severity"),
    [
        (_bp_after_dose, "severe_bp", "BP 185/121 at 40 min after dose", "Urgent"),
        (_pulse, "pulse", "Pulse 131/min at home", "High"),
        (_low_mood, "very_low_mood", "Mood 1/10", "High"),
        (_item9, "self_harm", "PHQ-9 item 9: several days", "Urgent"),
        (_phq9_severe, "phq9_severe", "PHQ-9 24 (severe)", "High"),
        (_urinary, "urinary", "Urinary symptoms rated Severe", "High"),
    ],
)
def test_the_row_says_the_top_flag_in_words_with_its_value_and_age(
    provider, make, kind: str, words: str, severity: str
) -> None:
    patient = sharing_patient("Fay Flagged", provider)
    make(patient)
    (row,) = provider_reads.triage(provider)
    assert row.top_flag is not None
    assert (row.top_flag.kind, row.top_flag.title) == (kind, words)
    html = _row_html(_body(provider), patient)
    assert f"{words}</span> · 2 days ago" in html
    assert f"{severity}</span>" in html  # the severity in words, not colour alone
    assert "more open" not in html


def test_the_top_flag_is_the_most_severe_and_the_rest_are_counted(provider) -> None:
    patient = sharing_patient("Mo Many", provider)
    _urinary(patient)
    _bp_after_dose(patient)
    low_mood(patient, hours_ago=3)
    (row,) = provider_reads.triage(provider)
    assert row.top_flag is not None and row.top_flag.kind == "severe_bp"
    assert (row.open_count, row.more_open) == (3, 2)
    text = _text(_row_html(_body(provider), patient))
    assert "BP 185/121 at 40 min after dose · 2 days ago" in text
    assert "and 2 more open" in text


def test_the_top_flag_is_only_from_the_shared_categories_and_of_the_filtered_kind(
    provider,
) -> None:
    patient = sharing_patient("Sal Shared", provider, categories=[ShareCategory.MOOD])
    severe_reading(patient)  # blood pressure: not shared
    _urinary(patient)  # side effects: not shared
    low_mood(patient, hours_ago=2)
    (row,) = provider_reads.triage(provider)
    assert row.top_flag is not None and row.top_flag.kind == "very_low_mood"
    assert row.more_open == 0
    both = sharing_patient("Bo Both", provider)
    severe_reading(both)
    low_mood(both, hours_ago=2)
    rows = provider_reads.triage(provider, query=TriageQuery(kind="very_low_mood"))
    assert [(r.patient.display_name, r.top_flag and r.top_flag.kind) for r in rows] == [
        ("Bo Both", "very_low_mood"),
        ("Sal Shared", "very_low_mood"),
    ]


def test_an_acknowledged_flag_leaves_the_row(provider) -> None:
    patient = sharing_patient("Al Acked", provider)
    severe_reading(patient)
    flag = Flag.objects.get(patient=patient)
    services.acknowledge_flag(provider=provider, flag=flag, disposition="reviewed")
    (row,) = provider_reads.triage(provider)
    assert row.top_flag is None
    assert "None open" in _row_html(_body(provider), patient)


# --- Days since, adherence ---------------------------------------------------------------------


def _sessions(patient, days_ago: list[int], reported: set[int]) -> None:
    for days in days_ago:
        at = _ago(days=days, hours=1)
        session = services.log_session(patient=patient, started_at=at, route="intranasal")
        if days in reported:
            services.submit_report(
                patient=patient,
                session=session,
                reported_at=at + timedelta(hours=2),
                mood=6,
                ratings={},
            )


def test_adherence_counts_reports_for_the_last_five_sessions(provider) -> None:
    patient = sharing_patient("Ada Adherent", provider)
    # Six sessions; the oldest (12 days) is reported but is not one of the last five; of those
    # five, the one 6 days ago has no report.
    _sessions(patient, [12, 10, 8, 6, 4, 2], reported={12, 10, 8, 4, 2})
    services.log_checkin(patient=patient, recorded_at=_ago(days=1, hours=2), mood=6)
    (row,) = provider_reads.triage(provider)
    assert row.adherence == Adherence(reported=4, sessions=5)
    text = _text(_row_html(_body(provider), patient))
    assert "4 of last 5 sessions reported" in text
    last_entry = text.split("1 day ago")
    assert len(last_entry) == 2, text  # the check-in, the newest entry
    assert "2 days ago" in text  # the last session


def test_adherence_and_sessions_only_as_far_as_the_share_allows(provider, patient) -> None:
    _sessions(patient, [12, 10, 8, 6, 4, 2], reported={12, 10, 8, 4, 2})
    start = permissions.patient_today(patient) - timedelta(days=5)
    share = services.grant_share(
        patient=patient, provider=provider, categories=ALL, starts_on=start
    )
    (row,) = provider_reads.triage(provider)
    assert row.adherence == Adherence(reported=2, sessions=2)  # only 4 and 2 days ago
    assert "2 of last 2 sessions reported" in _text(_row_html(_body(provider), patient))
    assert share.starts_on == start


@pytest.mark.parametrize(
    ("categories", "sessions_shown", "adherence_shown"),
    [
        ([ShareCategory.BLOOD_PRESSURE], True, False),  # sessions, but not their reports
        ([ShareCategory.MOOD], False, False),  # reports' mood, but not the sessions
        ([ShareCategory.SIDE_EFFECTS], True, True),
        ([ShareCategory.MOOD, ShareCategory.BLOOD_PRESSURE], True, True),
    ],
)
def test_sessions_and_adherence_follow_the_shared_categories(
    provider, categories, sessions_shown: bool, adherence_shown: bool
) -> None:
    patient = sharing_patient("Cat Category", provider, categories=categories)
    _sessions(patient, [4, 2], reported={2})
    (row,) = provider_reads.triage(provider)
    assert row.shows_sessions is sessions_shown
    assert (row.last_session_at is not None) is sessions_shown
    assert (row.adherence is not None) is adherence_shown
    cell = _cell(_row_html(_body(provider), patient), "Last session")
    assert ("1 of last 2 sessions reported" in cell) is adherence_shown
    assert (cell == "Not shared") is not sessions_shown


def test_the_last_entry_ignores_categories_that_are_not_shared(provider) -> None:
    patient = sharing_patient("Bea Bponly", provider, categories=[ShareCategory.BLOOD_PRESSURE])
    services.add_reading(
        patient=patient, measured_at=_ago(days=9), systolic=120, diastolic=80, context="home"
    )
    low_mood(patient, hours_ago=1)  # mood: not shared, must not count as the last entry
    (row,) = provider_reads.triage(provider)
    assert row.last_entry_at is not None and row.last_entry_at < _ago(days=8)
    assert "9 days ago" in _text(_row_html(_body(provider), patient))
    names = [r.patient.display_name for r in provider_reads.triage(provider, query=_quiet(7))]
    assert names == ["Bea Bponly"]


# --- Sort, filter, search ----------------------------------------------------------------------


def _quiet(days: int) -> TriageQuery:
    return TriageQuery(quiet_days=days)


@pytest.fixture
def four(provider):
    """Ann: no flags, entry 5 days ago. Bob: urgent flag 3 days ago. Cy: high flag an hour
    ago. Dee: nothing at all."""
    ann = sharing_patient("Ann Alpha", provider)
    services.log_checkin(patient=ann, recorded_at=_ago(days=5, hours=1), mood=6)
    bob = sharing_patient("Bob Beta", provider)
    severe_reading(bob, hours_ago=74)
    cy = sharing_patient("Cy Gamma", provider)
    low_mood(cy, hours_ago=1)
    dee = sharing_patient("Dee Delta", provider)
    return ann, bob, cy, dee


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Bob Beta", "Cy Gamma", "Ann Alpha", "Dee Delta"]),
        ("urgency", ["Bob Beta", "Cy Gamma", "Ann Alpha", "Dee Delta"]),
        ("last_entry", ["Cy Gamma", "Bob Beta", "Ann Alpha", "Dee Delta"]),
        ("name", ["Ann Alpha", "Bob Beta", "Cy Gamma", "Dee Delta"]),
        ("nonsense", ["Bob Beta", "Cy Gamma", "Ann Alpha", "Dee Delta"]),
    ],
)
def test_the_list_sorts_by_urgency_last_entry_or_name(
    provider, four, sort: str | None, expected: list[str]
) -> None:
    body = _body(provider, **({"sort": sort} if sort else {}))
    assert _order(body, *four) == expected


@pytest.mark.parametrize(
    ("quiet", "expected"),
    [
        ("3", ["Bob Beta", "Ann Alpha", "Dee Delta"]),
        ("7", ["Dee Delta"]),
        ("14", ["Dee Delta"]),
        ("5x", ["Bob Beta", "Cy Gamma", "Ann Alpha", "Dee Delta"]),  # invalid: ignored
        ("4", ["Bob Beta", "Cy Gamma", "Ann Alpha", "Dee Delta"]),  # not a choice: ignored
    ],
)
def test_the_list_filters_by_no_entry_for_n_days(
    provider, four, quiet: str, expected: list[str]
) -> None:
    assert _order(_body(provider, quiet=quiet), *four) == expected


def test_the_list_filters_by_flag_kind_and_quiet_days_together(provider, four) -> None:
    assert _order(_body(provider, kind="severe_bp"), *four) == ["Bob Beta"]
    assert _order(_body(provider, kind="severe_bp", quiet="7"), *four) == []
    assert _order(_body(provider, kind="not-a-kind"), *four) == _order(_body(provider), *four)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("be", ["Bob Beta"]),
        ("BETA", ["Bob Beta"]),
        ("  a  ", ["Bob Beta", "Cy Gamma", "Ann Alpha", "Dee Delta"]),
        ("ta", ["Bob Beta", "Dee Delta"]),
        ("zz", []),
    ],
)
def test_the_list_searches_display_names(provider, four, q: str, expected: list[str]) -> None:
    body = _body(provider, q=q)
    assert _order(body, *four) == expected
    if not expected:
        assert "No patient sharing with you matches" in body


def test_the_query_is_kept_across_pages_and_in_the_acknowledgement_forms(provider, four) -> None:
    response = client_for(provider).get(
        reverse(HOME), {"q": "a", "sort": "name", "quiet": "3", "kind": "", "page": "1"}
    )
    assert response.context["page_query"] == "q=a&quiet=3&sort=name&"
    assert response.context["back"] == "/provider/?q=a&quiet=3&sort=name"
    body = response.content.decode()
    assert 'name="next" value="/provider/?q=a&amp;quiet=3&amp;sort=name"' in body
    page = provider_reads.triage_page(
        provider, per_page=1, number=2, query=TriageQuery(order="name", search="a")
    )
    assert [row.patient.display_name for row in page] == ["Bob Beta"]
    assert page.paginator.count == 4


@pytest.mark.parametrize(
    "params",
    [
        {"page": "999"},
        {"page": "-1"},
        {"quiet": "abc", "sort": "zzz", "kind": "x"},
        {"q": "x" * 500},
        {"q": "nul\x00byte"},
        {"quiet": ["3", "7"]},
    ],
)
def test_invalid_parameters_are_ignored_never_an_error(provider, four, params) -> None:
    response = client_for(provider).get(reverse(HOME), params)
    assert response.status_code == 200


# --- Time, across zones ----------------------------------------------------------------------


def test_absolute_times_are_the_patients_with_the_zone_written(provider) -> None:
    provider.time_zone = "America/Los_Angeles"
    provider.save(update_fields=["time_zone"])
    patient = enroll(
        "kiri@clinic.test", Role.PATIENT, "Kiri Auckland", time_zone="Pacific/Auckland"
    )
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    # 2025-12-03 12:40 UTC: 2025-12-04 01:40 in Auckland (daylight time), 04:40 in Los Angeles.
    at = datetime(2025, 12, 3, 12, 40, tzinfo=UTC)
    services.add_reading(
        patient=patient, measured_at=at, systolic=186, diastolic=122, context="home"
    )
    html = _row_html(_body(provider), patient)
    assert "2025-12-04 01:40 NZDT" in html  # the flag and the last entry
    assert html.count("2025-12-04 01:40 NZDT") == 2
    assert "2025-12-03 04:40" not in html and "2025-12-03 12:40" not in html
    days = (timezone.now() - at).days
    assert f"{days} days ago" in html


# --- Acknowledging the top flag in place -------------------------------------------------------


def _ack_url(flag: Flag) -> str:
    return reverse("journal:provider-flag-acknowledge", args=[flag.pk])


def test_each_row_with_an_open_flag_has_a_form_for_that_flag(provider, four) -> None:
    ann, bob, _cy, _dee = four
    flag = Flag.objects.get(patient=bob)
    body = _body(provider, sort="name")
    row = _row_html(body, bob)
    assert f'action="{_ack_url(flag)}"' in row
    assert 'class="flag-ack-form' in row
    assert 'name="csrfmiddlewaretoken"' in row and 'name="submission_token"' in row
    assert 'name="next" value="/provider/?sort=name"' in row
    assert '<option value="contacted">Contacted the patient</option>' in row
    assert "<form" not in _row_html(body, ann)


def test_acknowledging_from_the_list_comes_back_to_the_same_list(provider, four) -> None:
    bob = four[1]
    flag = Flag.objects.get(patient=bob)
    client = client_for(provider)
    response = client.post(
        _ack_url(flag), {"disposition": "contacted", "next": "/provider/?sort=name&quiet=3"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/provider/?sort=name&quiet=3#patient-{bob.pk}"
    flag.refresh_from_db()
    assert flag.acknowledged_by == provider and flag.disposition == "contacted"
    body = client.get(response["Location"]).content.decode()
    assert "Flag acknowledged" in body
    assert "None open" in _row_html(body, bob)


def test_a_missing_disposition_comes_back_to_the_list_unacknowledged(provider, four) -> None:
    bob = four[1]
    flag = Flag.objects.get(patient=bob)
    response = client_for(provider).post(_ack_url(flag), {"next": "triage"})
    assert response["Location"] == f"/provider/#patient-{bob.pk}"
    flag.refresh_from_db()
    assert flag.acknowledged_at is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/provider/",
        "//evil.example/provider/",
        "/\\evil.example/provider/",
        "http://testserver/provider/?x=1",
        "/provider/../accounts/",
        "/patients/",
        "javascript:alert(1)",
    ],
)
def test_next_cannot_redirect_off_the_triage_list(provider, four, target: str) -> None:
    bob = four[1]
    flag = Flag.objects.get(patient=bob)
    response = client_for(provider).post(
        _ack_url(flag), {"disposition": "reviewed", "next": target}
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(reverse("journal:provider-patient", args=[bob.pk]))
    assert "evil" not in location


def test_a_flag_outside_the_share_cannot_be_acknowledged_from_the_list(provider) -> None:
    patient = sharing_patient("Mia Moodonly", provider, categories=[ShareCategory.MOOD])
    severe_reading(patient)  # blood pressure is not shared
    flag = Flag.objects.get(patient=patient)
    response = client_for(provider).post(
        _ack_url(flag), {"disposition": "reviewed", "next": "triage"}
    )
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.acknowledged_at is None


def test_another_providers_patient_cannot_be_acknowledged_from_the_list(provider, personas) -> None:
    other = enroll("other.provider@clinic.test", Role.PROVIDER, "Other Provider")
    patient = sharing_patient("Nia Notyours", other)
    severe_reading(patient)
    flag = Flag.objects.get(patient=patient)
    response = client_for(provider).post(
        _ack_url(flag), {"disposition": "reviewed", "next": "triage"}
    )
    assert response.status_code == 404
    assert Flag.objects.get(pk=flag.pk).acknowledged_at is None


# --- Query count ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({}, 30),
        ({"sort": "last_entry"}, 30),
        ({"sort": "name", "q": "patient 1"}, 10),
        ({"quiet": "3"}, 0),
    ],
)
def test_triage_query_count_stays_within_ten_with_thirty_patients(
    provider, django_assert_max_num_queries, params, shown: int
) -> None:
    for i in range(30):
        patient = sharing_patient(f"Patient {i:02d}", provider)
        severe_reading(patient, hours_ago=i + 1)
        low_mood(patient, hours_ago=i + 2)
        _sessions(patient, [i % 5 + 8, i % 5 + 1], reported={i % 5 + 1})
    client = client_for(provider)
    client.get(reverse(HOME), params)  # the first view writes the session's last activity
    with django_assert_max_num_queries(10):
        response = client.get(reverse(HOME), params)
    body = response.content.decode()
    assert body.count("<tr id=") == shown
    assert body.count("BP 185/121 at home</span> · ") == shown
    assert body.count("1 of last 2 sessions reported") == shown


@pytest.mark.parametrize(("reported", "words"), [(set(), "not reported"), ({3}, "reported")])
def test_a_single_session_says_whether_it_was_reported(provider, reported, words: str) -> None:
    patient = sharing_patient("Sol Single", provider)
    _sessions(patient, [3], reported=reported)
    cell = _cell(_row_html(_body(provider), patient), "Last session")
    assert cell.endswith(f"Last session {words}")
    assert cell.startswith("3 days ago")


def test_next_keeps_only_well_formed_list_parameters(provider, four) -> None:
    bob = four[1]
    flag = Flag.objects.get(patient=bob)
    response = client_for(provider).post(
        _ack_url(flag), {"disposition": "reviewed", "next": "/provider/?q=a b&sort=name\r\nX: y"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/provider/?q=a+b&sort=nameX%3A+y#patient-{bob.pk}"
