"""A patient keeps their journal in a real browser, on a phone and a desktop.

Session (intranasal) → post-session report with two readings (one 185/121) and side effects →
check-in → PHQ-9 with item 9 answered "Several days" (crisis resources) → flags with guidance →
Trends (charts load, a data table opens) → the check-in edited and its history shown. The
database is checked at the end. On a light and on a dark device (the page dark and the charts
in their dark drawings).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from journal.models import (
    BloodPressureReading,
    CheckIn,
    EntryRevision,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
    User,
)
from tests.browser.conftest import Web
from tests.browser.journeys import (
    choose,
    fill_when,
    go_via_nav,
    group,
    local_now,
    radio,
    status,
)
from tests.browser.test_charts_phone_and_dark import load_chart_images

pytestmark = pytest.mark.browser

PHQ9_ANSWERS = [
    "More than half the days",
    "Several days",
    "More than half the days",
    "Nearly every day",
    "Several days",
    "Not at all",
    "Several days",
    "Not at all",
    "Several days",  # item 9: thoughts of being better off dead or of self-harm
]  # total 2+1+2+3+1+0+1+0+1 = 11


def log_intranasal_session(web: Web, page: Page, started: dt.datetime) -> None:
    go_via_nav(page, "Treatment session", menu="Log")
    expect(page.get_by_role("heading", name="Log a treatment session")).to_be_visible()
    fill_when(page, "When did the session start?", started)
    choose(page, "How was it given?", "Intranasal spray")
    page.get_by_label("Dose in mg (if you know it)").fill("56")
    page.get_by_label("Clinic note (optional)").fill("Two devices, five minutes apart.")
    web.shot(page, f"journal-1-session-form-{web.viewport}")
    page.get_by_role("button", name="Save session").click()
    expect(status(page, "Session saved")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session on")
    expect(page.get_by_text("Intranasal spray", exact=True)).to_be_visible()
    web.assert_clean(page)


def write_report(web: Web, page: Page) -> None:
    page.get_by_role("link", name="Write the report").click()
    expect(page.get_by_role("heading", name="How did the session go?")).to_be_visible()
    expect(page.get_by_text("Intranasal spray", exact=False).first).to_be_visible()
    choose(page, "Mood right now", "6")
    # The side effects open with "Yes"; each one is rated where it is asked.
    expect(group(page, "Dissociation")).to_be_hidden()
    choose(page, "Any side effects since the session?", "Yes")
    choose(page, "Dissociation", "Moderate")
    # "Still present now?" is asked about an effect that was felt.
    expect(group(page, "Dissociation: still present now?")).to_be_visible()
    choose(page, "Nausea", "Severe")
    # Intranasal sessions are asked about the nose; the spray-only question is on this form.
    choose(page, "Nasal discomfort", "Mild")
    choose(page, "Overall, how much did side effects bother you?", "Moderate")
    first = group(page, "Reading 1")
    expect(first.get_by_label("Reading 1", exact=True)).to_have_value("before")
    first.get_by_label("Systolic").fill("138")
    first.get_by_label("Diastolic").fill("86")
    first.get_by_label("Pulse").fill("72")
    second = group(page, "Reading 2")
    expect(second.get_by_label("Reading 2", exact=True)).to_have_value("after40")
    second.get_by_label("Systolic").fill("185")
    second.get_by_label("Diastolic").fill("121")
    page.get_by_text("Add a note").click()
    page.get_by_label("Note (optional)").fill("Felt floaty for an hour.")
    web.shot(page, f"journal-2-report-form-{web.viewport}")
    assert web.horizontal_overflow(page) == 0, "the report form scrolls sideways"
    page.get_by_role("button", name="Save report").click()

    expect(status(page, "Report saved")).to_be_visible()
    flags = page.get_by_role("region", name="Flags on this entry")
    expect(flags.get_by_text("Very high blood pressure (185/121)")).to_be_visible()
    expect(flags.get_by_text(re.compile(r"^Severe side effects?$"))).to_be_visible()
    web.shot(page, f"journal-3-report-saved-{web.viewport}")
    web.assert_clean(page)


def log_checkin(web: Web, page: Page) -> None:
    go_via_nav(page, "Check-in", menu="Log")
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    choose(page, "Mood", "4")
    choose(page, "Anxiety (optional)", "6")
    choose(page, "Sleep problems", "Mild")
    page.get_by_label("Note (optional)").fill("Tired but steady.")
    page.get_by_role("button", name="Save check-in").click()
    expect(status(page, "Check-in saved")).to_be_visible()
    expect(page.get_by_text("4 out of 10")).to_be_visible()
    web.assert_clean(page)


def fill_phq9(web: Web, page: Page) -> None:
    go_via_nav(page, "PHQ-9 questionnaire", menu="Log")
    expect(page.get_by_role("heading", name="Patient Health Questionnaire (PHQ-9)")).to_be_visible()
    for number, answer in enumerate(PHQ9_ANSWERS, start=1):
        choose(page, re.compile(rf"^{number}\. "), answer)
    web.shot(page, f"journal-4-phq9-form-{web.viewport}")
    page.get_by_role("button", name="See my score").click()

    expect(page.get_by_role("heading", name="Your PHQ-9 result")).to_be_visible()
    crisis = page.get_by_role("alert").filter(has_text="Support is available right now")
    expect(crisis).to_be_visible()
    expect(crisis.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
    expect(crisis.get_by_role("link", name="988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_text("11 out of 27")).to_be_visible()
    expect(page.get_by_text("You mentioned thoughts of death or self-harm")).to_be_visible()
    web.shot(page, f"journal-5-phq9-crisis-{web.viewport}")
    web.assert_accessible(page)


def see_flags(web: Web, page: Page) -> None:
    go_via_nav(page, "Flags", menu="Log")
    expect(page.get_by_role("heading", name="Flags", exact=True)).to_be_visible()
    flags = page.get_by_role("region", name="Not yet seen by your care team")
    cards = flags.get_by_role("listitem")
    bp = cards.filter(has_text="Very high blood pressure (185/121)")
    expect(bp).to_contain_text("sit quietly for five minutes and measure again")
    expect(bp).to_contain_text("Urgent")  # severity in words, not only in colour
    harm = cards.filter(has_text="You mentioned thoughts of death or self-harm")
    expect(harm).to_have_count(1)
    expect(cards.filter(has_text=re.compile("Severe side effects?"))).to_have_count(1)
    # The most urgent flags come first.
    expect(cards.first).to_contain_text("Urgent")
    web.shot(page, f"journal-6-flags-{web.viewport}")


def see_trends(web: Web, page: Page) -> None:
    go_via_nav(page, "Trends")
    expect(page.get_by_role("heading", name="Trends", exact=True)).to_be_visible()
    charts = page.get_by_role("main").get_by_role("img")
    count = charts.count()
    assert count >= 3, f"expected the mood, side-effect and blood-pressure charts, got {count}"
    for index in range(count):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()  # the charts load lazily
        expect(chart).to_have_attribute("alt", re.compile(r"\S"))
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
        )
    scheme = web.scheme
    assert page.evaluate("() => document.documentElement.dataset.bsTheme") == scheme
    shown = [i["src"] for i in load_chart_images(page)]
    assert shown and all(("theme=dark" in src) == (scheme == "dark") for src in shown), shown
    blood = page.get_by_role("region").filter(
        has=page.get_by_role("heading", level=2, name=re.compile("blood pressure", re.I))
    )
    blood.get_by_text("Show the numbers as a table").click()
    table = blood.get_by_role("table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("185")
    web.shot(page, f"journal-7-trends-{web.viewport}-{scheme}")
    assert web.horizontal_overflow(page) == 0, "Trends scrolls sideways with a table open"
    web.assert_accessible(page)


def edit_checkin(web: Web, page: Page) -> None:
    go_via_nav(page, "Check-ins", menu="Log")
    page.get_by_role("main").get_by_role(
        "link", name=re.compile(r"\d{4}, \d\d:\d\d$")
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check-in")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit check-in")).to_be_visible()
    expect(radio(group(page, "Mood"), "4")).to_be_checked()
    choose(page, "Mood", "5")
    page.get_by_label("Note (optional)").fill("Tired but steady. Better by evening.")
    page.get_by_role("button", name="Save check-in").click()
    expect(status(page, "Check-in updated")).to_be_visible()
    expect(page.get_by_text("5 out of 10")).to_be_visible()

    history = page.get_by_role("region", name="Edit history")
    version = history.get_by_text(re.compile(r"^Version 1, replaced"))
    version.click()
    earlier = history.locator("details").first
    expect(earlier).to_contain_text("Tired but steady.")
    expect(earlier).not_to_contain_text("Better by evening")
    web.shot(page, f"journal-8-checkin-history-{web.viewport}")
    web.assert_clean(page)


def test_a_patient_logs_a_session_report_check_in_and_phq9_then_reviews_flags_trends_and_history(
    web: Web, viewport: str, scheme: str, patient: User
) -> None:
    page = web.open(patient, "journal:patient-home")
    started = local_now(patient) - dt.timedelta(hours=3)

    log_intranasal_session(web, page, started)
    write_report(web, page)
    log_checkin(web, page)
    fill_phq9(web, page)
    see_flags(web, page)
    see_trends(web, page)
    edit_checkin(web, page)

    # What the browser did is what the database holds.
    session = TreatmentSession.objects.get(patient=patient)
    assert session.route == "intranasal" and str(session.dose_mg) == "56.00"
    assert session.started_at == started.astimezone(dt.UTC)
    report = PostSessionReport.objects.get(session=session)
    assert report.mood == 6 and report.overall_bother == 2
    ratings = {r.code: r.severity for r in report.ratings.all()}
    assert ratings["dissociation"] == 2 and ratings["nausea"] == 3 and ratings["nasal"] == 1
    readings = sorted(
        (r.context, r.systolic, r.diastolic, r.pulse)
        for r in BloodPressureReading.objects.filter(patient=patient)
    )
    assert readings == [("after40", 185, 121, None), ("before", 138, 86, 72)]
    # Reading times default by context: the start before the dose, 40 minutes after it.
    times = dict(BloodPressureReading.objects.values_list("context", "measured_at"))
    assert times == {
        "before": session.started_at,
        "after40": session.started_at + dt.timedelta(minutes=40),
    }
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.anxiety, checkin.pain, checkin.version) == (5, 6, None, 2)
    assert {r.code: r.severity for r in checkin.ratings.all() if r.severity} == {"sleep": 1}
    revision = EntryRevision.objects.get(entry_type="checkin", entry_id=checkin.pk)
    assert revision.version == 1
    phq9 = QuestionnaireResponse.objects.get(patient=patient)
    assert phq9.instrument == "phq9" and phq9.total == 11 and phq9.answers[8] == 1
    kinds = set(Flag.objects.filter(patient=patient).values_list("kind", flat=True))
    assert {"severe_bp", "severe_side_effect", "self_harm"} <= kinds
    assert not Flag.objects.filter(patient=patient, acknowledged_at__isnull=False).exists()
