"""The patient journal: a report with some blood-pressure rows left blank, flag
acknowledgements shown to the patient, the patient home (next step, latest flags, 30-day
summary and mood chart), the grouped navigation and the "Log something" page, and the clinic
admin's time-zone label."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from journal import services
from journal.catalogue import post_session_symptoms
from journal.models import BloodPressureReading, Flag, PostSessionReport, User
from journal.navigation import NAV_ITEMS, Nav, nav_for
from tests.conftest import client_for
from tests.factories import journal_world, sharing_world
from tests.test_journal_views import ago, make_entries, plain, text, when

pytestmark = pytest.mark.django_db


class FormValues(HTMLParser):
    """What a browser would send for the first POST form of a page, untouched."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = False
        self._done = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and not self._done and "action" not in a:
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"radio", "checkbox"}:
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind != "submit":
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            self.values.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def rendered_form(client: Client, url: str) -> dict[str, str]:
    parser = FormValues()
    parser.feed(client.get(url).content.decode())
    return parser.values


# --- The report form: two readings of three ---------------------------------------------------


def test_a_report_with_fourteen_ratings_and_two_of_three_readings_saves_everything(
    patient,
) -> None:
    client = client_for(patient)
    started = ago(hours=4)
    session = services.log_session(patient=patient, started_at=started, route="intranasal")
    url = reverse("journal:report-create", args=[session.pk])
    data = rendered_form(client, url)  # exactly what the browser sends, management form included
    symptoms = post_session_symptoms("intranasal")
    severities = {s.code: i % len(s.options) for i, s in enumerate(symptoms)}
    data.update({f"sym_{code}": str(value) for code, value in severities.items()})
    data.update(
        {
            **when("reported_at", ago(hours=1)),
            "mood": "6",
            "overall_bother": "2",
            "readings-0-context": "before",
            "readings-0-systolic": "132",
            "readings-0-diastolic": "84",
            "readings-0-pulse": "71",
            "readings-1-context": "after40",
            "readings-1-systolic": "158",
            "readings-1-diastolic": "92",
        }
    )
    # Row 3 is left as the page rendered it: context pre-filled, time (its default) and
    # numbers empty.
    assert data["readings-2-systolic"] == "" and data["readings-2-context"] == "discharge"
    # 14 side effects for the intranasal route, 7 yes/no or how-long questions, overall bother
    assert len(severities) + 1 == 22

    response = client.post(url, data)

    assert "Please check blood pressure reading" not in text(response)
    report = PostSessionReport.objects.get(session=session)
    assert response["Location"] == reverse("journal:report-detail", args=[report.pk])
    # A "still present now?" answer counts only for an effect that was felt.
    felt = {s.code for s in symptoms if not s.follows or severities[s.follows]}
    assert {r.code: r.severity for r in report.ratings.all()} == {
        c: v for c, v in severities.items() if c in felt
    }
    assert (report.mood, report.overall_bother) == (6, 2)
    readings = BloodPressureReading.objects.filter(report=report).order_by("measured_at", "id")
    assert [(r.context, r.systolic, r.diastolic, r.pulse) for r in readings] == [
        ("before", 132, 84, 71),
        ("after40", 158, 92, None),
    ]


def test_a_report_with_all_reading_rows_left_blank_saves_without_readings(patient) -> None:
    client = client_for(patient)
    session = services.log_session(patient=patient, started_at=ago(hours=4), route="iv")
    url = reverse("journal:report-create", args=[session.pk])
    data = {**rendered_form(client, url), **when("reported_at", ago(hours=1)), "mood": "7"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert not BloodPressureReading.objects.filter(session=session).exists()


def test_a_partly_filled_third_row_still_asks_for_the_missing_number(patient) -> None:
    client = client_for(patient)
    session = services.log_session(patient=patient, started_at=ago(hours=4), route="iv")
    url = reverse("journal:report-create", args=[session.pk])
    data = {
        **rendered_form(client, url),
        **when("reported_at", ago(hours=1)),
        "mood": "7",
        "readings-2-systolic": "150",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Please check blood pressure reading 3" in text(response)
    assert not PostSessionReport.objects.filter(session=session).exists()


# --- Flag acknowledgement, as the patient sees it ---------------------------------------------


def acknowledged_flag(personas) -> Flag:
    flag = sharing_world(personas)["shared_flag"]
    services.acknowledge_flag(provider=personas.provider, flag=flag, disposition="reviewed")
    flag.refresh_from_db()
    return flag


def test_the_flag_list_says_who_acknowledged_each_flag_and_when(personas) -> None:
    flag = acknowledged_flag(personas)
    services.log_checkin(
        patient=personas.patient, recorded_at=ago(hours=1), mood=1
    )  # a second, unacknowledged flag
    page = plain(client_for(personas.patient).get(reverse("journal:flag-list")))
    local = flag.acknowledged_at.astimezone(personas.patient.zone)
    assert f"Your care team has seen this (Dr Provider, {local:%Y-%m-%d %H:%M})" in page
    assert "Not yet seen by your care team" in page
    # Grouped by status: the open flag first, under its own heading.
    assert page.index("Not yet seen by your care team") < page.index("Seen by your care team ")


def test_entry_pages_show_the_acknowledgement_next_to_the_flag(personas) -> None:
    flag = acknowledged_flag(personas)
    client = client_for(personas.patient)
    page = plain(client.get(reverse("journal:reading-detail", args=[flag.reading_id])))
    assert "Your care team has seen this (Dr Provider," in page


def test_the_flag_list_needs_no_query_per_flag(personas, django_assert_max_num_queries) -> None:
    acknowledged_flag(personas)
    client = client_for(personas.patient)
    client.get(reverse("journal:flag-list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("journal:flag-list"))
    for i in range(6):
        flag_reading = services.add_reading(
            patient=personas.patient,
            measured_at=ago(hours=i + 2),
            systolic=190,
            diastolic=125,
            context="home",
        )
        services.acknowledge_flag(
            provider=personas.provider, flag=flag_reading.flags.get(), disposition="reviewed"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = plain(client.get(reverse("journal:flag-list")))
    assert page.count("Your care team has seen this (Dr Provider,") == 7


# --- The patient home -------------------------------------------------------------------------


def test_home_gives_the_thirty_day_trend_in_a_sentence_and_the_chart_one_tap_away(patient):
    for days, mood in ((1, 6), (2, 8), (40, 3)):
        services.log_checkin(patient=patient, recorded_at=ago(days=days), mood=mood)
    response = client_for(patient).get(reverse("journal:patient-home"))
    page = text(response)
    assert "Over the last 30 days your average daily mood was 7.0 out of 10 (2 days" in page
    assert "up 4.0 from 3.0 in the 30 days before" in page
    # No chart and no list of entries on home: both are one tap away.
    assert "<img" not in page and "<picture" not in page
    trends = f"{reverse('journal:dashboard')}?period=30"
    assert f'href="{trends}">Your trends: the charts, with the numbers as tables' in page
    assert f'href="{reverse("journal:entry-list")}">Everything you recorded' in page
    assert 'mood.svg?period=30"' in text(client_for(patient).get(trends))


def test_home_without_mood_entries_says_so_and_offers_a_check_in(patient) -> None:
    page = text(client_for(patient).get(reverse("journal:patient-home")))
    assert "No mood entries in the last 30 days yet." in page
    assert "<img" not in page


def test_home_shows_only_current_flags(personas) -> None:
    """Open flags raised since the last session or in the last 7 days; not the ones the care
    team has seen, not older open ones, not ones the patient withdrew (DESIGN.md §3)."""
    patient = personas.patient
    acknowledged_flag(personas)
    services.log_checkin(patient=patient, recorded_at=ago(days=10), mood=0)  # no session: old
    services.log_checkin(patient=patient, recorded_at=ago(days=2), mood=1)  # current
    taken_back = services.log_checkin(
        patient=patient, recorded_at=ago(days=1), mood=5, ratings={"urinary": 3}
    )
    services.edit_checkin(
        patient=patient, checkin=taken_back, expected_version=1, recorded_at=ago(days=1),
        mood=5, ratings={"urinary": 0},
    )  # fmt: skip
    client = client_for(patient)
    page = plain(client.get(reverse("journal:patient-home")))
    assert "Current flags" in page and "Very low mood (1 out of 10)" in page
    assert "Very low mood (0 out of 10)" not in page
    assert "Very high blood pressure (185/121)" not in page  # the care team has seen it
    assert "Urinary symptoms" not in page
    # All of them are on the Flags page.
    flags_page = plain(client.get(reverse("journal:flag-list")))
    for title in ("(0 out of 10)", "(1 out of 10)", "185/121", "Urinary symptoms (Severe)"):
        assert title in flags_page
    # "Since the last session" widens the window when that session is older than 7 days.
    services.log_session(patient=patient, started_at=ago(days=12), route="iv")
    page = plain(client.get(reverse("journal:patient-home")))
    assert "Very low mood (0 out of 10)" in page


def next_step_section(response) -> str:
    page = text(response)
    start = page.index('id="next-heading"')
    return page[start : page.index("</section>", start)]


def test_home_puts_the_one_thing_to_do_now_first_and_the_others_one_tap_away(patient) -> None:
    session = services.log_session(patient=patient, started_at=ago(hours=5), route="iv")
    section = next_step_section(client_for(patient).get(reverse("journal:patient-home")))
    report = reverse("journal:report-create", args=[session.pk])
    # The report first, as the one big button; today's check-in and the PHQ-9 below it.
    big = f'class="btn btn-primary btn-lg w-100" href="{report}">Write the report'
    assert big in section
    also = section[section.index("Also:") :]
    assert also.index("Log today's check-in") < also.index("Fill in your PHQ-9 questionnaire")
    assert section.count("btn-primary") == 1


def test_home_with_nothing_due_says_so_and_offers_the_session_flow_first(patient) -> None:
    services.log_checkin(patient=patient, recorded_at=ago(minutes=5), mood=6)
    services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=[1] * 9, completed_at=ago(days=3)
    )
    section = next_step_section(client_for(patient).get(reverse("journal:patient-home")))
    assert "You are up to date for today." in section and "Also:" not in section
    url = reverse("journal:session-report-create")
    assert f'class="btn btn-primary btn-lg w-100" href="{url}">I just had a session' in section


def test_a_questionnaire_is_due_two_weeks_after_the_last(patient) -> None:
    services.log_checkin(patient=patient, recorded_at=ago(minutes=5), mood=6)
    services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=[1] * 9, completed_at=ago(days=15)
    )
    client = client_for(patient)
    section = next_step_section(client.get(reverse("journal:patient-home")))
    phq9 = reverse("journal:questionnaire-create", args=["phq9"])
    assert f'href="{phq9}">Fill in your PHQ-9 questionnaire' in section
    # A GAD-7 the patient has never taken is not asked for; one taken is, two weeks on.
    assert "GAD-7" not in section
    services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=[1] * 9, completed_at=ago(days=1)
    )
    services.submit_questionnaire(
        patient=patient, instrument="gad7", answers=[1] * 7, completed_at=ago(days=14)
    )
    section = next_step_section(client.get(reverse("journal:patient-home")))
    assert "Fill in your GAD-7 questionnaire" in section and "PHQ-9" not in section


def test_a_questionnaire_falls_due_during_the_day_the_summary_was_cached(patient) -> None:
    """The home summary is cached for the day; which questionnaire is due is judged at each
    view from the last completion times it holds."""
    from datetime import datetime, timedelta

    from freezegun import freeze_time

    morning = datetime(2026, 6, 10, 9, 0, tzinfo=patient.zone)
    with freeze_time(morning):
        services.log_checkin(patient=patient, recorded_at=morning - timedelta(minutes=5), mood=6)
        services.submit_questionnaire(
            patient=patient,
            instrument="phq9",
            answers=[1] * 9,
            completed_at=morning - timedelta(days=14) + timedelta(minutes=5),
        )
        client = client_for(patient)
        assert "PHQ-9 questionnaire" not in next_step_section(
            client.get(reverse("journal:patient-home"))
        )
    with freeze_time(morning + timedelta(minutes=10)):  # well inside the idle limit
        section = next_step_section(client.get(reverse("journal:patient-home")))
        assert "Fill in your PHQ-9 questionnaire" in section


def test_home_query_count_is_pinned_and_flat(personas, django_assert_num_queries) -> None:
    """The first view after a change computes the summary (the data version, the month of mood
    rows and the questionnaires' outcome UNION among them); a repeat view reads it from the
    cache under that data version. Both counts stay flat as the journal grows."""
    patient = personas.patient
    client = client_for(patient)
    make_entries(patient, 1)
    client.get(reverse("journal:patient-home"))  # warm the clinic settings row
    make_entries(patient, 1)  # a new data version: the next view misses the summary cache
    with django_assert_num_queries(13):
        client.get(reverse("journal:patient-home"))
    with django_assert_num_queries(7):
        client.get(reverse("journal:patient-home"))
    make_entries(patient, 8)
    acknowledged_flag(personas)
    with django_assert_num_queries(13):
        response = client.get(reverse("journal:patient-home"))
    assert len(response.context["latest_flags"]) == 5
    with django_assert_num_queries(7):
        client.get(reverse("journal:patient-home"))


# --- Navigation and "Log something" -----------------------------------------------------------

PRIMARY = re.compile(r'<ul class="navbar-nav me-auto">(.*?)</ul>\s*<ul class="navbar-nav">', re.S)


def nav(response) -> str:
    match = PRIMARY.search(response.content.decode())
    assert match, "the primary navigation list is missing"
    return match.group(1)


def test_the_patient_nav_has_four_primary_entries_and_an_account_menu(patient) -> None:
    response = client_for(patient).get(reverse("journal:patient-home"))
    primary = nav(response)
    top_level = re.findall(r'<li class="nav-item[^"]*">\s*<(?:a|button)[^>]*>([^<]+)', primary)
    assert top_level == ["Home", "Log", "Trends", "Sharing"]
    body = response.content.decode()
    account_menu = body[body.index('id="nav-account"') :]
    for label in ("Account", "Export", "Who viewed my data", "Log out"):
        assert f">{label}<" in account_menu, label
    # Menus are real buttons Bootstrap opens; nothing inline.
    assert 'data-bs-toggle="dropdown" aria-expanded="false">Log</button>' in primary
    assert "onclick" not in body and "style=" not in body


@pytest.mark.parametrize(
    ("url_name", "args", "current"),
    [
        ("journal:patient-home", [], "Home"),
        ("journal:checkin-create", [], "Check-in"),
        ("journal:checkin-list", [], "Check-ins"),
        ("journal:session-list", [], "Sessions and reports"),
        ("journal:questionnaire-create", ["gad7"], "GAD-7 questionnaire"),
        ("journal:flag-list", [], "Flags"),
        ("journal:log-something", [], "Everything you can log"),
        ("journal:dashboard", [], "Trends"),
        ("journal:share-list", [], "Sharing"),
        ("journal:access-log", [], "Who viewed my data"),
        ("journal:export", [], "Export"),
        ("journal:account-settings", [], "Account"),
    ],
)
def test_exactly_one_link_is_marked_as_the_current_page(url_name, args, current, patient) -> None:
    body = client_for(patient).get(reverse(url_name, args=args)).content.decode()
    header = body[: body.index("</header>")]
    marked = re.findall(r'aria-current="page">([^<]+)</a>', header)
    assert marked == [current]


def test_the_log_toggle_shows_its_section_is_current(patient) -> None:
    body = client_for(patient).get(reverse("journal:reading-list")).content.decode()
    assert 'class="nav-link dropdown-toggle active" id="nav-log"' in body
    home = client_for(patient).get(reverse("journal:patient-home")).content.decode()
    assert 'class="nav-link dropdown-toggle" id="nav-log"' in home


def test_every_url_name_in_the_navigation_map_exists() -> None:
    journal_urls = get_resolver().namespace_dict["journal"][1]
    names = {f"journal:{name}" for name in journal_urls.reverse_dict if isinstance(name, str)}
    assert set(NAV_ITEMS) <= names, set(NAV_ITEMS) - names


def test_a_page_that_resolves_nothing_has_no_section() -> None:
    assert nav_for(None) == Nav()


def test_a_404_page_renders_for_a_signed_in_patient(patient) -> None:
    response = client_for(patient).get("/no-such-page/")
    assert response.status_code == 404
    assert 'class="nav-link dropdown-toggle" id="nav-log"' in response.content.decode()


def test_providers_and_admins_keep_their_own_links_and_log_out(personas) -> None:
    for user, link in ((personas.provider, "Patients"), (personas.clinic_admin, "Clinic")):
        home = reverse("journal:provider-home" if user.role == "provider" else "journal:admin-home")
        response = client_for(user).get(home)
        primary = nav(response)
        assert f">{link}</a>" in primary and "Trends" not in primary
        body = response.content.decode()
        assert ">Log out</button>" in body and "Who viewed my data" not in body


def test_log_something_lists_every_kind_of_entry(patient, personas) -> None:
    world = journal_world(personas)
    page = client_for(patient).get(reverse("journal:log-something")).content.decode()
    for url in (
        reverse("journal:checkin-create"),
        reverse("journal:session-create"),
        reverse("journal:reading-create"),
        reverse("journal:questionnaire-create", args=["phq9"]),
        reverse("journal:questionnaire-create", args=["gad7"]),
        reverse("journal:report-create", args=[world["journal_session_unreported"].pk]),
    ):
        assert f'href="{url}"' in page, url
    # A session that already has its report is not offered again.
    assert reverse("journal:report-create", args=[world["journal_session"].pk]) not in page


def test_log_something_says_when_no_session_waits_for_a_report(patient) -> None:
    page = text(client_for(patient).get(reverse("journal:log-something")))
    assert "No recent session is waiting for a report." in page


# --- Clinic admin: adding a user --------------------------------------------------------------


def test_the_add_user_form_labels_the_time_zone_for_someone_else(clinic_admin: User) -> None:
    page = text(client_for(clinic_admin).get(reverse("admin:journal_user_add")))
    assert ">Time zone:<" in page or ">Time zone<" in page
    assert "Your time zone" not in page
    assert "The person's local time zone; they can change it" in page
