"""Clinic contact numbers in a real browser, on a phone and a desktop: until both numbers are
set the console warns on its pages and links to Clinic settings; once they are, the warning is
gone; the crisis card and the entry-form notice give both numbers as links a phone can dial.
Every page passes axe and does not scroll sideways."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from journal import services
from journal.models import ClinicSettings, Role
from tests.browser.conftest import Web
from tests.conftest import AFTER_HOURS_PHONE, CLINIC_PHONE, enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WARNING = "Patients cannot be enrolled yet."


def test_the_console_warns_until_both_numbers_are_set(web: Web, viewport, settings) -> None:
    settings.CLINIC_PHONE = settings.CLINIC_AFTER_HOURS_PHONE = ""
    admin = enroll("setup@clinic.test", Role.ADMIN, "Sol Setup")
    for name in ("journal:admin-home", "admin:index", "admin:journal_user_add"):
        page = web.open(admin, name)
        expect(page.get_by_text(WARNING)).to_be_visible()
        web.assert_accessible(page)
        assert web.horizontal_overflow(page) == 0

    page.locator(".messagelist").get_by_role("link", name="Clinic settings").click()
    page.get_by_label("Clinic phone").fill("555-0120")
    page.get_by_label("After hours phone").fill("555-0121")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state("load")
    web.shot(page, f"{web.test_name}-saved")
    expect(page.get_by_text(WARNING)).to_have_count(0)
    assert ClinicSettings.load_thresholds().contacts_complete


def _assert_both_numbers(box: Locator) -> None:
    for number, href in ((CLINIC_PHONE, "tel:5550110"), (AFTER_HOURS_PHONE, "tel:5550111")):
        expect(box.get_by_role("link", name=number)).to_have_attribute("href", href)


def test_the_crisis_card_and_the_entry_notice_give_both_numbers(web: Web, viewport, patient):
    result = services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[0, 0, 0, 0, 0, 0, 0, 0, 1],
        completed_at=timezone.now().replace(microsecond=0),
    )
    page = web.open(patient, "journal:questionnaire-detail", result.pk)
    _assert_both_numbers(page.get_by_role("alert").filter(has_text="Support is available"))
    web.assert_accessible(page)
    assert web.horizontal_overflow(page) == 0

    page = web.open(patient, "journal:checkin-create")
    _assert_both_numbers(page.get_by_role("complementary", name="Safety notice"))
    web.assert_accessible(page)
    assert web.horizontal_overflow(page) == 0
