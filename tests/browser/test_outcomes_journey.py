"""Issue 17's "done when": on the demo data, a provider reads in one line whether a patient
responded, marks another baseline, and opens the clinic outcomes page with its n; the patient
reads where they stand since treatment began on a phone. Every page passes axe; the page
heights are printed for the record (not asserted)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from journal.models import AuditEvent, MarkedBaseline, User
from tests.browser.conftest import Web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db) -> dict[str, User]:
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="demo.aftercare.test")
    }


def test_a_provider_reads_outcomes_and_the_patient_sees_theirs(web: Web, viewport, demo) -> None:
    rivera, sam = demo["dr.rivera"], demo["sam"]

    # Triage: the PHQ-9 column gives baseline → latest and the status in words.
    page = web.open(rivera, "journal:provider-home")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=sam.display_name))
    expect(row).to_contain_text("18 → 3")
    expect(row).to_contain_text("In remission")
    web.assert_accessible(page)

    # The summary opens with the outcome line.
    row.get_by_role("link", name=sam.display_name).click()
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("PHQ-9 18 → 3 (−83 %), response at session")
    expect(outcome).to_contain_text("; in remission.")
    expect(page.get_by_role("img", name="Line chart of PHQ-9 scores by session")).to_be_visible()
    web.shot(page, f"{web.test_name}-summary")
    web.assert_accessible(page)

    # Marking another baseline: the disclosure, a choice, the audit row, the line says so.
    page.get_by_text("Change the PHQ-9 baseline").click()
    select = page.get_by_label("PHQ-9 to use as baseline")
    options = select.locator("option").all_inner_texts()
    select.select_option(index=1)
    page.get_by_role("button", name="Mark as baseline (PHQ-9)").click()
    expect(page.get_by_role("status")).to_contain_text("Baseline marked")
    expect(page.locator("#outcome")).to_contain_text("(baseline marked by a provider)")
    assert MarkedBaseline.objects.filter(patient=sam, marked_by=rivera).count() == 1
    assert AuditEvent.objects.filter(action="outcome.baseline_marked", actor=rivera).exists()
    assert len(options) >= 5

    # The clinic outcomes page: the cohort's figures with their n, no names.
    web.goto(page, "journal:provider-outcomes")
    expect(page.get_by_text("Ever responded (≥ 50 % below baseline)").first).to_be_visible()
    phq9 = page.locator("section", has=page.get_by_role("heading", name="PHQ-9", exact=True))
    expect(phq9).to_contain_text("7 patients in the cohort")
    expect(phq9).to_contain_text("of 7)")
    assert sam.display_name not in page.content()
    web.assert_accessible(page)

    # The patient sees the baseline the provider chose, and their curve.
    page = web.open(sam, "journal:dashboard")
    since = page.locator("#since-treatment")
    expect(since).to_contain_text(f"was chosen by {rivera.display_name}")
    expect(since.get_by_role("img", name="Line chart of PHQ-9 scores by session")).to_be_visible()
    web.assert_accessible(page)
    home = web.open(sam, "journal:patient-home")
    expect(home.locator(".home-outcome")).to_contain_text("Your PHQ-9 is 3")
