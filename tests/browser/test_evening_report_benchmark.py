"""The evening report, measured: from home, "I just had a session", the typical report (three
side effects, two blood-pressure readings), saved, then Trends. On a phone (390×844) and a
desktop (1280×800), on a light device with the session started now (the form's default) and on
a dark device with the session started two hours ago (one tap on home: "2 h ago"). On the dark
device every page is dark (`data-bs-theme`) and Trends shows the dark chart drawings.

A benchmark, not a timed test: it records how tall the form is once filled in and how many
interactions (taps, clicks and fields typed into) it took, in
test-results/evening-report-<viewport>.json; BENCHMARKS.md ("Evening report at 390×844") keeps
the figures. It asserts what the journey saved, that axe finds nothing, and that nothing
scrolls sideways.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from journal import services
from journal.models import BloodPressureReading, PostSessionReport, TreatmentSession, User
from tests.browser.conftest import ROOT, Web
from tests.browser.journeys import choose, go_via_nav, group, status
from tests.browser.test_charts_phone_and_dark import load_chart_images

pytestmark = pytest.mark.browser

RESULTS = ROOT / "test-results"


class Counted:
    """Counts what the patient does: one tap or click, or one field typed into."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.interactions = 0

    def choose(self, question: str, answer: str) -> None:
        choose(self.page, question, answer)
        self.interactions += 1

    def fill(self, box, label: str, value: str) -> None:
        box.get_by_label(label, exact=True).fill(value)
        self.interactions += 1

    def click(self, locator) -> None:
        locator.click()
        self.interactions += 1


# (device scheme, when the session started): each journey at both sizes.
JOURNEYS = [("light", "now"), ("dark", "2 h ago")]


@pytest.mark.parametrize(("scheme", "started"), JOURNEYS, ids=["light-now", "dark-2h-ago"])
def test_the_typical_evening_report_from_home(
    web: Web, viewport: str, scheme: str, started: str, patient: User
) -> None:
    # The route is remembered from the last session (a spray: the longest list of questions).
    services.log_session(
        patient=patient,
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
        route="intranasal",
    )
    page = web.open(patient, "journal:patient-home")
    assert page.evaluate("() => document.documentElement.dataset.bsTheme") == scheme
    web.assert_accessible(page)
    act = Counted(page)

    with page.expect_navigation(wait_until="load"):
        if started == "now":
            act.click(page.get_by_role("link", name="I just had a session"))
        else:
            act.click(page.get_by_role("link", name=f"I had a session that started {started}"))
    opened = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your session and how it went")
    expect(page.get_by_text("This journal is not monitored in real time.")).to_be_visible()
    # The route of the last session is chosen, and named where it can be changed.
    expect(page.get_by_text(re.compile(r"^Intranasal spray · change"))).to_be_visible()
    empty_height = form_height(page)

    act.choose("Mood right now", "6")
    act.choose("Any side effects since the session?", "Yes")
    act.choose("Dizziness or spinning", "Mild")
    act.choose("Nausea", "Moderate")
    act.choose("Headache", "Mild")
    act.choose("Overall, how much did side effects bother you?", "Mild")
    first, second = group(page, "Reading 1"), group(page, "Reading 2")
    act.fill(first, "Systolic", "132")
    act.fill(first, "Diastolic", "84")
    act.fill(second, "Systolic", "146")
    act.fill(second, "Diastolic", "90")
    height = form_height(page)
    page_height = page.evaluate("() => document.documentElement.scrollHeight")
    web.shot(page, f"evening-report-filled-{viewport}-{scheme}")
    assert web.horizontal_overflow(page) == 0, "the form scrolls sideways"
    assert clipped_answers(page) == [], "answers whose text does not fit their button"
    web.assert_accessible(page)

    act.click(page.get_by_role("button", name="Save session and report"))
    expect(status(page, "Session and report saved")).to_be_visible()
    assert page.evaluate("() => document.documentElement.dataset.bsTheme") == scheme
    web.assert_accessible(page)

    figures = {
        "viewport": viewport,
        "scheme": scheme,
        "started": started,
        "form_height_px_filled": height,
        "form_height_px_empty": empty_height,
        "page_height_px_filled": page_height,
        "interactions": act.interactions,
    }
    RESULTS.mkdir(exist_ok=True)
    name = f"evening-report-{viewport}" + ("" if started == "now" else "-started-earlier")
    Path(RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2))
    print(figures)

    # The charts drawn from it, in the device's scheme (outside the counted report).
    go_via_nav(page, "Trends")
    images = load_chart_images(page)
    assert len(images) >= 2, images
    assert all(("theme=dark" in i["src"]) == (scheme == "dark") for i in images), images
    assert all(i["natural"] > 0 for i in images), images
    web.shot(page, f"evening-report-trends-{viewport}-{scheme}")
    web.assert_accessible(page)

    session = TreatmentSession.objects.exclude(report=None).get(patient=patient)
    assert session.route == "intranasal"
    earlier = dt.timedelta(hours=0 if started == "now" else 2)
    assert opened - earlier - dt.timedelta(minutes=1) <= session.started_at <= opened - earlier
    report = PostSessionReport.objects.get(session=session)
    felt = {r.code: r.severity for r in report.ratings.all() if r.severity}
    assert felt == {"dizziness": 1, "nausea": 2, "headache": 1}
    assert (report.mood, report.overall_bother) == (6, 1)
    readings = BloodPressureReading.objects.filter(report=report)
    assert sorted((r.context, r.systolic, r.diastolic) for r in readings) == [
        ("after40", 146, 90),
        ("before", 132, 84),
    ]


def clipped_answers(page: Page) -> list[str]:
    """Visible answer buttons whose text is wider than the button."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.scale-option')]
            .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
            .map(b => b.textContent.trim())"""
    )


def form_height(page: Page) -> int:
    """The form's height in CSS pixels, from its top to its last button."""
    return round(page.locator("form.session-report").evaluate("f => f.offsetHeight"))
