"""Helpers the browser journeys share: moving through the navigation as a person would,
answering scale questions, reading focus, and building the data a journey starts from.

Locators go by role and accessible name (what a screen-reader user hears), never by CSS
class, so the journeys keep working while the templates' markup changes underneath.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zipfile
from typing import Any

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from journal import services
from journal.models import TreatmentSession, User

Name = str | re.Pattern[str]


def open_menu_if_collapsed(page: Page, *, nav: str = "Main", button: str = "Menu") -> None:
    """On a phone the navigation sits behind the Menu button: open it (once). `nav` and
    `button` are their accessible names in the page's language."""
    page.wait_for_load_state("load")  # the menus work once bootstrap.bundle.js (last) has run
    toggler = page.get_by_role("navigation", name=nav).get_by_role(
        "button", name=button, exact=True
    )
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(toggler).to_have_attribute("aria-expanded", "true")


def go_via_nav(
    page: Page,
    link: Name,
    *,
    menu: Name | None = None,
    nav_name: str = "Main",
    menu_button: str = "Menu",
) -> None:
    """Follow a main-navigation link as a person would: open the phone menu, then the
    dropdown `menu` (for example "Log", or the account menu), then click the link."""
    nav = page.get_by_role("navigation", name=nav_name)
    open_menu_if_collapsed(page, nav=nav_name, button=menu_button)
    if menu is not None:
        dropdown = nav.get_by_role("button", name=menu, exact=True)
        # A click during the phone menu's opening transition can be lost on a busy machine;
        # a person would click again, and so does this (at most three times).
        for attempt in range(3):
            if dropdown.get_attribute("aria-expanded") != "true":
                dropdown.click()
            try:
                expect(dropdown).to_have_attribute("aria-expanded", "true", timeout=4000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
    with page.expect_navigation(wait_until="load"):
        nav.get_by_role("link", name=link, exact=True).click()


ACCOUNT_MENU = re.compile(r": account menu$")


def log_in_through_the_form(page: Page, email: str, password: str) -> None:
    """Fill in and submit the log-in form."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def group(page: Page | Locator, legend: Name) -> Locator:
    """A fieldset (role group) by its legend; `legend` may be the start of the text."""
    name = legend if isinstance(legend, re.Pattern) else re.compile("^" + re.escape(legend))
    return page.get_by_role("group", name=name)


def choose(page: Page | Locator, question: Name, answer: str) -> None:
    """Pick `answer` in the fieldset whose legend is `question`, by clicking the visible
    button (the radio input itself is visually hidden behind its label, as on the page)."""
    box = group(page, question)
    box.get_by_text(answer, exact=True).click()
    expect(radio(box, answer)).to_be_checked()


def radio(box: Page | Locator, answer: str) -> Locator:
    """A scale answer by its visible text. The chosen answer's label also shows a tick
    (CSS generated content, which browsers add to the accessible name), so allow it."""
    return box.get_by_role("radio", name=re.compile(rf"^(✓\s*)?{re.escape(answer)}$"))


def fill_when(page: Page | Locator, question: Name, when: dt.datetime) -> None:
    """Fill a date + time pair (the fieldset `question`) with the local wall-clock `when`."""
    box = group(page, question)
    box.get_by_label("Date").fill(f"{when:%Y-%m-%d}")
    box.get_by_label("Time").fill(f"{when:%H:%M}")


def local_now(user: User) -> dt.datetime:
    """The current wall-clock time in the user's zone, to the minute."""
    return timezone.now().astimezone(user.zone).replace(second=0, microsecond=0)


def status(page: Page, text: Name) -> Locator:
    """The flash message (role status) containing `text`."""
    return page.get_by_role("status").filter(has_text=text)


def focused(page: Page) -> dict[str, Any]:
    """What has keyboard focus, and whether its focus indicator can be seen.

    Scale answers are visually hidden radio buttons whose label is the visible button: for
    those the label's outline or box-shadow is what a sighted keyboard user sees. Chromium's
    own ring around a date/time input's picker button is trusted as visible.
    """
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            let shown = el;
            if (el.matches('input.btn-check') && el.labels && el.labels.length) {
                shown = el.labels[0];
            }
            const s = getComputedStyle(shown);
            const r = shown.getBoundingClientRect();
            // Tab also stops on the calendar/clock button inside a date or time input. The
            // input then no longer matches :focus and Chromium draws its own ring around the
            // button (not visible to getComputedStyle): count it as visible.
            const picker = ['date', 'time'].includes(el.type) && !el.matches(':focus');
            const ring = picker || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                || (s.boxShadow && s.boxShadow !== 'none');
            const inView = r.bottom > 0 && r.top < window.innerHeight
                && r.right > 0 && r.left < window.innerWidth;
            return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '',
                    name: el.name || '', value: el.value || '', checked: !!el.checked,
                    text: ((el.labels && el.labels[0] ? el.labels[0].innerText : el.innerText)
                           || '').trim().slice(0, 80),
                    ring: !!ring, visible: r.width > 0 && r.height > 0, inView: inView};
        }"""
    )


FOCUS_IN_VIEW = """() => {
    let el = document.activeElement;
    if (el.matches('input.btn-check') && el.labels && el.labels.length) el = el.labels[0];
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
}"""


def assert_focus_visible(page: Page, where: str = "") -> dict[str, Any]:
    """The focused element is on screen and draws a focus indicator."""
    now = focused(page)
    if not now["inView"]:
        # Bootstrap scrolls smoothly (unless reduced motion is asked for): let it arrive.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(FOCUS_IN_VIEW, timeout=2_000)
        now = focused(page)
    assert now["visible"] and now["inView"], f"{where}: focus is off screen: {now}"
    assert now["ring"], f"{where}: no visible focus indicator on {now}"
    return now


def press(page: Page, key: str, where: str = "") -> dict[str, Any]:
    """Press one key and check that focus is still visible afterwards."""
    page.keyboard.press(key)
    return assert_focus_visible(page, f"{where} after {key}")


def tab_until(page: Page, predicate: Any, what: str, *, limit: int = 80) -> dict[str, Any]:
    """Press Tab until `predicate(focused)` holds, checking visible focus on every stop."""
    for _ in range(limit):
        now = press(page, "Tab", f"looking for {what}")
        if predicate(now):
            return now
    raise AssertionError(f"{limit} presses of Tab never reached {what}")


def zip_names(body: bytes) -> list[str]:
    """File names inside a zip download."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return archive.namelist()


def recorded_session_with_severe_bp(patient: User) -> TreatmentSession:
    """A session two hours ago whose report holds a 185/121 reading (set-up, not the journey)."""
    started = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=2)
    session = services.log_session(
        patient=patient, started_at=started, route="intranasal", dose_mg=None
    )
    services.submit_report(
        patient=patient,
        session=session,
        reported_at=started + dt.timedelta(minutes=90),
        mood=5,
        ratings={"nausea": 2, "dissociation": 1},
        readings=[
            services.ReadingInput(
                measured_at=started, systolic=134, diastolic=84, context="before"
            ),
            services.ReadingInput(
                measured_at=started + dt.timedelta(minutes=40),
                systolic=185,
                diastolic=121,
                context="after40",
            ),
        ],
        note="Private: felt floaty on the drive home.",
    )
    services.log_checkin(
        patient=patient,
        recorded_at=started + dt.timedelta(minutes=100),
        mood=4,
        note="Private check-in note.",
    )
    return session
