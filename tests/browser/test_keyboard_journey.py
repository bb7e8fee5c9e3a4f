"""The journal journey's session, report and check-in with the keyboard
only (Tab, Space, arrow keys inside radio groups and menus, Enter), on a phone and a desktop.

Every focus stop on the way must be on screen and draw a visible focus indicator; a stop
without one fails the test with the element it stopped on.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from journal.models import BloodPressureReading, CheckIn, PostSessionReport, TreatmentSession, User
from tests.browser.conftest import Web
from tests.browser.journeys import press, status, tab_until

pytestmark = pytest.mark.browser


def tab_to(page: Page, what: str, **expected: str) -> dict[str, Any]:
    """Tab forward until the focused element has all of `expected` (id, name, text, ...)."""
    return tab_until(page, lambda f: all(f[k] == v for k, v in expected.items()), what)


def arrow_to(page: Page, key: str, what: str, **expected: str) -> dict[str, Any]:
    """Press an arrow key until the focused element matches (menus, radio groups)."""
    for _ in range(15):
        now = press(page, key, f"looking for {what}")
        if all(now[k] == v for k, v in expected.items()):
            return now
    raise AssertionError(f"{key} never reached {what}")


def open_log_menu_item(page: Page, item: str) -> None:
    """Skip link, (phone: the Menu button), the "Log" menu, then `item`, by keyboard."""
    # Every call follows a page load, so focus starts at the top: the skip link comes first.
    now = press(page, "Tab", "the first stop")
    assert now["text"] == "Skip to main content", now
    menu = page.get_by_role("navigation", name="Main").get_by_role(
        "button", name="Menu", exact=True
    )
    if menu.is_visible():
        tab_to(page, "the Menu button", tag="button", text="")
        expect(menu).to_be_focused()
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("aria-expanded", "true")
    tab_to(page, "the Log menu", tag="button", text="Log")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log", exact=True)).to_have_attribute(
        "aria-expanded", "true"
    )
    arrow_to(page, "ArrowDown", item, tag="a", text=item)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")


def choose_by_keyboard(page: Page, name: str, value: str, *, start_unchecked: bool) -> None:
    """Tab into a radio group, check it with Space if nothing is chosen yet, then use
    ArrowRight until `value` is chosen (arrow keys move the choice within the group)."""
    now = tab_to(page, f"the {name} group", name=name)
    if start_unchecked:
        assert not now["checked"], now
        now = press(page, "Space", name)
        assert now["checked"], f"Space did not choose {now}"
    while now["value"] != value:
        now = press(page, "ArrowRight", name)
        assert now["name"] == name and now["checked"], f"ArrowRight left the group: {now}"
    assert page.locator(f"input[name='{name}'][value='{value}']").is_checked()


def type_into(page: Page, field_id: str, text: str) -> None:
    tab_to(page, field_id, id=field_id)
    page.keyboard.type(text)


def submit(page: Page, button: str) -> None:
    tab_to(page, f"the {button} button", tag="button", text=button)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")


def test_a_keyboard_user_logs_a_session_report_and_check_in_without_a_mouse(
    web: Web, viewport: str, patient: User
) -> None:
    page = web.open(patient, "journal:patient-home")

    # The session: keep the prefilled date and time, choose intranasal with the arrow keys.
    open_log_menu_item(page, "Treatment session")
    expect(page.get_by_role("heading", name="Log a treatment session")).to_be_visible()
    now = tab_to(page, "the route group", name="route")
    assert now["value"] == "iv" and now["checked"], now  # Tab lands on the chosen answer
    now = press(page, "ArrowRight", "route")
    assert now["value"] == "intranasal" and now["checked"], now
    web.shot(page, f"keyboard-1-route-focused-{viewport}")
    type_into(page, "id_dose_mg", "56")
    submit(page, "Save session")
    expect(status(page, "Session saved")).to_be_visible()
    web.assert_clean(page)

    # The report, from the session page.
    tab_to(page, "Write the report", tag="a", text="Write the report")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="How did the session go?")).to_be_visible()
    choose_by_keyboard(page, "mood", "6", start_unchecked=True)
    # "Any side effects?": Space picks "None", the arrow key "Yes", and the list opens.
    choose_by_keyboard(page, "any_side_effects", "1", start_unchecked=True)
    choose_by_keyboard(page, "sym_dissociation", "2", start_unchecked=False)
    choose_by_keyboard(page, "sym_nausea", "3", start_unchecked=False)
    web.shot(page, f"keyboard-2-severity-focused-{viewport}")
    type_into(page, "id_readings-0-systolic", "138")
    type_into(page, "id_readings-0-diastolic", "86")
    type_into(page, "id_readings-1-systolic", "185")
    type_into(page, "id_readings-1-diastolic", "121")
    submit(page, "Save report")
    expect(status(page, "Report saved")).to_be_visible()
    expect(page.get_by_text("Very high blood pressure (185/121)").first).to_be_visible()
    web.assert_clean(page)

    # The check-in.
    open_log_menu_item(page, "Check-in")
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    choose_by_keyboard(page, "mood", "4", start_unchecked=True)
    choose_by_keyboard(page, "sym_sleep", "1", start_unchecked=False)
    type_into(page, "id_note", "Typed, not clicked.")
    submit(page, "Save check-in")
    expect(status(page, "Check-in saved")).to_be_visible()
    web.assert_clean(page)

    session = TreatmentSession.objects.get(patient=patient)
    assert session.route == "intranasal" and str(session.dose_mg) == "56.00"
    report = PostSessionReport.objects.get(session=session)
    assert report.mood == 6
    assert {r.code: r.severity for r in report.ratings.all() if r.severity} == {
        "dissociation": 2,
        "nausea": 3,
    }
    assert sorted(
        BloodPressureReading.objects.filter(patient=patient).values_list("systolic", "diastolic")
    ) == [(138, 86), (185, 121)]
    checkin = CheckIn.objects.get(patient=patient)
    assert checkin.mood == 4 and checkin.note == "Typed, not clicked."
    assert {r.code: r.severity for r in checkin.ratings.all() if r.severity} == {"sleep": 1}
