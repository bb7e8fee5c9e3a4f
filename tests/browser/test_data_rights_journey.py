"""A patient downloads everything, then asks for their account to be
deleted; they are logged out at once, and the log-in page during the grace period does what
the closing page promised.

Runs on a phone and a desktop.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from journal import services
from journal.models import TreatmentSession, User
from tests.browser.conftest import Web
from tests.browser.journeys import (
    ACCOUNT_MENU,
    go_via_nav,
    local_now,
    log_in_through_the_form,
    recorded_session_with_severe_bp,
    status,
    zip_names,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_patient_exports_everything_then_deletes_the_account_and_is_logged_out(
    web: Web, viewport: str, patient: User
) -> None:
    recorded_session_with_severe_bp(patient)
    services.submit_questionnaire(
        patient=patient,
        instrument="gad7",
        answers=[1, 1, 0, 2, 0, 1, 0],
        completed_at=local_now(patient),
    )

    page = web.open(patient, "journal:patient-home")
    go_via_nav(page, "Export", menu=ACCOUNT_MENU)
    expect(page.get_by_role("heading", name="Export your journal")).to_be_visible()
    web.assert_accessible(page)

    # Everything in one zip: the PDF summary, the CSV files and the FHIR file.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download everything (zip)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip"), download.suggested_filename
    body = Path(download.path()).read_bytes()
    names = zip_names(body)
    assert any(n.endswith(".pdf") for n in names), names
    csvs = [n for n in names if n.endswith(".csv")]
    assert len(csvs) >= 5, names  # sessions, reports, ratings, check-ins, readings, ...
    assert any(n.endswith(".json") and "fhir" in n.lower() for n in names), names
    web.assert_clean(page)

    # Ask for deletion. A wrong password is refused and nothing happens.
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label(re.compile("^I understand my account closes now")).check()
    # The refusal is a 400 response, which Chromium reports on the console.
    web.guard(page).allowed_console.append(re.compile(r"status of 400 \(Bad Request\)"))
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
    patient.refresh_from_db()
    assert patient.is_active and patient.erasure_due_at is None
    web.shot(page, f"data-rights-1-wrong-password-{viewport}")

    page.get_by_label("Your password").fill(PASSWORD)
    understood = page.get_by_label(re.compile("^I understand my account closes now"))
    if not understood.is_checked():
        understood.check()
    page.get_by_role("button", name="Delete my account").click()

    # Logged out at once, on the log-in page, told when the erasure happens and how to undo it.
    expect(page).to_have_url(re.compile(re.escape(web.url("login"))))
    patient.refresh_from_db()
    assert not patient.is_active and patient.erasure_due_at is not None
    due = patient.erasure_due_at.astimezone(patient.zone)
    closed = status(page, "Your account is closed and you have been logged out")
    expect(closed).to_contain_text(f"erased on {due:%-d %B %Y} at {due:%H:%M}")
    expect(closed).to_contain_text("Log in before then")
    web.shot(page, f"data-rights-2-account-closed-{viewport}")
    web.assert_accessible(page)

    # The old session is gone: the journal is not reachable from this browser.
    web.goto(page, "journal:patient-home", expect_status=None)
    expect(page).to_have_url(re.compile(re.escape(web.url("login")) + r"\?next="))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name=ACCOUNT_MENU)).to_have_count(0)

    # During the grace period a wrong password neither logs in nor cancels anything.
    log_in_through_the_form(page, patient.email, "not my password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    patient.refresh_from_db()
    assert not patient.is_active and patient.erasure_due_at is not None

    # The right password logs in and cancels the erasure, as the closing message promised.
    log_in_through_the_form(page, patient.email, PASSWORD)
    expect(page).to_have_url(web.url("journal:patient-home"))
    expect(status(page, "Your request to delete your account is cancelled")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Hello, {patient.display_name}")).to_be_visible()
    web.shot(page, f"data-rights-3-deletion-cancelled-{viewport}")
    patient.refresh_from_db()
    assert patient.is_active and patient.erasure_due_at is None
    assert TreatmentSession.objects.filter(patient=patient).count() == 1  # nothing was lost
    web.assert_clean(page)
