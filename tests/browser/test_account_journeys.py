"""Journeys through accounts in a real browser: enrollment, log-out, log-in, keyboard, zoom.

Each journey runs on a phone (390×844) and a desktop (1280×800) unless it says otherwise.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from journal import services
from journal.models import Role, User
from tests.browser.conftest import Web
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "plum tractor evening lantern"
ENROLL_LINK = re.compile(r"https?://\S+/enroll/[^/\s]+/")


def enrollment_link(clinic_admin: User, email: str, name: str) -> str:
    """The link the clinic would send to a newly created patient."""
    _, link = services.create_account(
        actor=clinic_admin,
        email=email,
        display_name=name,
        role=Role.PATIENT,
        time_zone="America/New_York",
    )
    return link


def open_menu_if_collapsed(page: Page) -> None:
    """On a phone the navigation sits behind the Menu button; Log out is in the account menu."""
    page.wait_for_load_state()  # the menus need bootstrap.bundle.js, loaded last
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    account = page.get_by_role("button", name=re.compile("account menu"))
    # By keyboard, as Bootstrap's dropdown supports: focus the toggle, Arrow Down opens it.
    account.focus()
    page.keyboard.press("ArrowDown")
    expect(account).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_in_through_the_form(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def focused(page: Page) -> dict[str, Any]:
    """What has keyboard focus, and how its focus is drawn."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            const r = el.getBoundingClientRect();
            return {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || '',
                    text: (el.innerText || el.value || '').trim().slice(0, 60),
                    outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
                    visible: r.width > 0 && r.height > 0};
        }"""
    )


def tab_to(page: Page, **expected: str) -> dict[str, Any]:
    """Press Tab once; assert where focus went and that the focus ring is visible."""
    page.keyboard.press("Tab")
    now = focused(page)
    for key, value in expected.items():
        assert now[key] == value, f"Tab moved focus to {now}, expected {key}={value!r}"
    assert now["visible"], f"focused element is not on screen: {now}"
    assert now["outline"] != "none" and now["outlineWidth"] > 0, f"focus not visible: {now}"
    return now


def test_a_clinic_admin_enrolls_a_patient_who_sets_a_password_logs_out_and_logs_in_again(
    web: Web, viewport: str, clinic_admin: User
) -> None:
    # The clinic admin enrolls the patient in the admin console.
    admin = web.open(clinic_admin, "journal:admin-home")
    admin.get_by_role("link", name="Enroll a patient or provider").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Add")
    admin.get_by_label("Email").fill("nova@clinic.test")
    admin.get_by_label("Display name").fill("Nova Patient")
    admin.get_by_label("Role").select_option(label="Patient")
    admin.get_by_role("button", name="Save", exact=True).click()
    message = admin.get_by_text(re.compile(r"Enrollment link emailed to nova@clinic\.test"))
    expect(message).to_be_visible()
    web.shot(admin, f"journey-enroll-1-admin-created-{viewport}")
    web.assert_accessible(admin)
    # The link goes to the patient's inbox only; the console never shows it.
    assert not ENROLL_LINK.search(message.inner_text())
    [email] = [m for m in mail.outbox if m.to == ["nova@clinic.test"]]
    match = ENROLL_LINK.search(email.body)
    assert match, email.body

    # The patient opens the link in their own browser and chooses a password and time zone.
    patient = web.context(None).new_page()
    web.goto(patient, match.group(0))
    expect(patient.get_by_role("heading", name="Welcome, Nova Patient")).to_be_visible()
    patient.get_by_label("Choose a password").fill(NEW_PASSWORD)
    patient.get_by_label("Type the password again").fill(NEW_PASSWORD)
    patient.get_by_label("Your time zone").select_option("Europe/Berlin")
    web.shot(patient, f"journey-enroll-2-set-password-{viewport}")
    patient.get_by_role("button", name="Set password and continue").click()

    expect(patient).to_have_url(web.url("journal:patient-home"))
    expect(patient.get_by_role("heading", name="Hello, Nova Patient")).to_be_visible()
    expect(patient.get_by_role("status").filter(has_text="Your password is set")).to_be_visible()
    web.shot(patient, f"journey-enroll-3-patient-home-{viewport}")
    web.assert_accessible(patient)
    nova = User.objects.get(email="nova@clinic.test")
    assert nova.role == Role.PATIENT and nova.time_zone == "Europe/Berlin"
    assert nova.check_password(NEW_PASSWORD)

    # Log out with the POST button, then log in again through the form.
    open_menu_if_collapsed(patient)
    patient.get_by_role("button", name="Log out").click()
    expect(patient).to_have_url(re.compile(re.escape(web.url("login"))))
    expect(patient.get_by_role("heading", name="Log in to Aftercare")).to_be_visible()
    web.goto(patient, "journal:patient-home", expect_status=None)
    expect(patient).to_have_url(re.compile(re.escape(web.url("login")) + r"\?next="))

    log_in_through_the_form(patient, "nova@clinic.test", NEW_PASSWORD)
    expect(patient).to_have_url(web.url("journal:patient-home"))
    expect(patient.get_by_role("heading", name="Hello, Nova Patient")).to_be_visible()
    web.assert_clean(patient)


def test_a_keyboard_user_completes_enrollment_and_logs_in_without_a_mouse(
    web: Web, viewport: str, clinic_admin: User
) -> None:
    link = enrollment_link(clinic_admin, "kay@clinic.test", "Kay Board")
    page = web.context(None).new_page()
    web.goto(page, link)

    # The skip link is the first Tab stop, is visible when focused, and moves focus to main.
    skip = tab_to(page, tag="a", text="Skip to main content")
    assert skip["visible"]
    web.shot(page, f"journey-keyboard-1-skip-link-{viewport}")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # From main, Tab walks the form in order.
    tab_to(page, id="id_password1")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, id="id_password2")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, id="id_time_zone")
    page.keyboard.type("Europe/Lisbon")  # type-ahead selects the zone in a closed select
    assert page.get_by_label("Your time zone").input_value() == "Europe/Lisbon"
    # The language the app will be in: the browser's (English here), kept as it is.
    tab_to(page, id="id_language")
    assert page.get_by_label("Language").input_value() == "en"
    tab_to(page, tag="button", text="Set password and continue")
    web.shot(page, f"journey-keyboard-2-submit-focused-{viewport}")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Kay Board")).to_be_visible()
    web.assert_clean(page)
    assert User.objects.get(email="kay@clinic.test").time_zone == "Europe/Lisbon"

    # A fresh browser: log in with the keyboard only (the e-mail field has focus on arrival).
    page = web.context(None).new_page()
    web.goto(page, "login")
    assert focused(page)["id"] == "id_username"
    page.keyboard.type("kay@clinic.test")
    tab_to(page, id="id_password")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, tag="button", text="Log in")
    page.keyboard.press("Enter")
    expect(page).to_have_url(web.url("journal:patient-home"))
    expect(page.get_by_role("heading", name="Hello, Kay Board")).to_be_visible()

    # On the home page too, the skip link comes first and lands in main.
    page.reload()
    tab_to(page, tag="a", text="Skip to main content")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    web.assert_clean(page)


def main_pages(personas: Any, clinic_admin: User) -> list[tuple[User | None, str]]:
    """The pages every person meets first, as the persona who meets them."""
    link = enrollment_link(clinic_admin, "zoe@clinic.test", "Zoe Zoom-Reader")
    return [
        (None, reverse("login")),
        (None, reverse("password_reset")),
        (None, link),
        (personas.patient, reverse("journal:patient-home")),
        (personas.provider, reverse("journal:provider-home")),
        (personas.clinic_admin, reverse("journal:admin-home")),
    ]


def test_text_at_200_percent_needs_no_sideways_scrolling_on_a_phone(
    web: Web, personas: Any, clinic_admin: User
) -> None:
    web.viewport = "phone"
    failures = []
    for user, path in main_pages(personas, clinic_admin):
        page = web.context(user).new_page()
        web.goto(page, path)
        text_size = "() => parseFloat(getComputedStyle(document.querySelector('main')).fontSize)"
        before = page.evaluate(text_size)
        page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        # The text really doubled, so the check below means something.
        assert page.evaluate(text_size) == 2 * before, path
        label = urlsplit(path).path.strip("/").replace("/", "-")[:24]
        web.shot(page, f"text-200-percent-{label}-{user.role if user else 'anonymous'}")
        overflow = web.horizontal_overflow(page)
        if overflow > 0:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right
                                  > document.documentElement.clientWidth + 1)
                    .slice(0, 5).map(el => el.tagName.toLowerCase()
                        + (el.id ? '#' + el.id : '')
                        + (el.className ? '.' + String(el.className).split(' ').join('.') : ''))"""
            )
            failures.append(f"{path}: {overflow}px too wide; widest elements: {wide}")
        web.assert_clean(page)
        page.context.close()
    assert not failures, "\n".join(failures)


def test_a_wrong_password_is_announced_and_linked_to_the_email_field(
    web: Web, patient: User
) -> None:
    page = web.open(None, "login")
    log_in_through_the_form(page, patient.email, "not the password at all")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Wrong email or password")
    email = page.get_by_label("Email")
    described_by = (email.get_attribute("aria-describedby") or "").split()
    assert alert.get_attribute("id") in described_by
    expect(email).to_have_value(patient.email)  # nothing typed is lost but the password
    web.shot(page, "form-error-login")
    web.assert_accessible(page)

    # The right password still works afterwards.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(web.url("journal:patient-home"))


def describing_text(page: Page, label: str) -> str:
    """The text a screen reader reads with a field: its aria-describedby targets."""
    field = page.get_by_label(label)
    ids = (field.get_attribute("aria-describedby") or "").split()
    return " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids)


def test_enrollment_form_errors_are_tied_to_their_fields(web: Web, clinic_admin: User) -> None:
    link = enrollment_link(clinic_admin, "eli@clinic.test", "Eli Error")
    page = web.open(None, link)
    page.get_by_label("Choose a password").fill("short")
    page.get_by_label("Type the password again").fill("different")
    page.get_by_label("Your time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Set password and continue").click()

    expect(page.get_by_role("heading", name="Welcome, Eli Error")).to_be_visible()
    password1 = page.get_by_label("Choose a password")
    password2 = page.get_by_label("Type the password again")
    expect(password1).to_have_attribute("aria-invalid", "true")
    expect(password2).to_have_attribute("aria-invalid", "true")
    assert "too short" in describing_text(page, "Choose a password")
    assert "do not match" in describing_text(page, "Type the password again")
    # The chosen time zone survives the error; the account is not enrolled.
    expect(page.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
    assert not User.objects.get(email="eli@clinic.test").has_usable_password()
    web.shot(page, "form-error-enrollment")
    web.assert_accessible(page)
