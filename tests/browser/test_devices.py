"""The Devices page on a phone and a desktop: a patient logged in on three browsers finds the
page from the account menu, sees this device marked and the others by name and network,
logs one out and then all the others. The page passes axe and does not scroll sideways."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from journal.models import UserSession
from tests.browser.conftest import Web
from tests.browser.journeys import ACCOUNT_MENU, go_via_nav, log_in_through_the_form
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def log_in_elsewhere(user, agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert "_auth_user_id" in client.session
    return client


def test_a_patient_sees_their_devices_and_logs_the_others_out(web: Web, viewport, patient):
    phone = log_in_elsewhere(patient, SAFARI_IPHONE, "198.51.100.9")
    log_in_elsewhere(patient, CHROME_ANDROID, "2001:db8:abcd:12::7")

    page = web.context(None).new_page()
    web.goto(page, "login")
    log_in_through_the_form(page, patient.email, PASSWORD)
    page.wait_for_load_state("load")
    go_via_nav(page, "Account", menu=ACCOUNT_MENU)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="See where you are logged in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Devices")
    expect(page).to_have_title(re.compile(r"^Devices · Aftercare$"))

    cards = page.get_by_role("list", name="Where you are logged in").get_by_role("listitem")
    expect(cards).to_have_count(3)
    this = cards.filter(has_text="This device")
    expect(this).to_have_count(1)
    expect(this).to_contain_text("Headless Chrome on Linux")
    expect(this).to_contain_text("127.0.0.0/24")
    expect(cards.filter(has_text="Safari on iPhone")).to_contain_text("198.51.100.0/24")
    expect(cards.filter(has_text="Chrome on Android")).to_contain_text("2001:db8:abcd::/48")
    web.assert_accessible(page)
    assert web.horizontal_overflow(page) == 0
    web.shot(page, f"{web.test_name}-devices")

    page.get_by_role("button", name=re.compile(r"^Log out Safari on iPhone")).click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("status")).to_have_text("Safari on iPhone is logged out.")
    expect(cards).to_have_count(2)
    assert phone.get(reverse("journal:patient-home")).status_code == 302

    page.get_by_role("button", name="Log out everywhere else").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("status")).to_have_text("Logged out of 1 other session.")
    expect(cards).to_have_count(1)
    expect(page.get_by_text("You are not logged in anywhere else.")).to_be_visible()
    web.assert_accessible(page)
    web.shot(page, f"{web.test_name}-alone")
    assert UserSession.objects.filter(user=patient).count() == 1
