"""A patient shares side effects and blood pressure with a provider until
next month; the provider triages, reads, acknowledges and downloads; the patient sees it all
in "Who viewed my data", revokes, and the provider's very next click is refused.

Runs on a phone and a desktop. The journal data comes from `journal.services` (the journal
journey covers entering it through the UI); the sharing itself happens in the browser.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from journal import services
from journal.models import AccessEvent, Flag, Share, User
from tests.browser.conftest import Web
from tests.browser.journeys import (
    ACCOUNT_MENU,
    go_via_nav,
    local_now,
    recorded_session_with_severe_bp,
    status,
)

pytestmark = pytest.mark.browser


def next_month(day: dt.date) -> dt.date:
    """The same day next month (clamped to the month's length)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError(day)


def test_a_patient_shares_with_a_provider_who_triages_acknowledges_downloads_and_loses_access(
    web: Web, viewport: str, patient: User, other_patient: User, provider: User
) -> None:
    recorded_session_with_severe_bp(patient)
    # A second patient shares everything but has nothing alarming: Pat must still come first.
    other = other_patient
    services.log_checkin(patient=other, recorded_at=local_now(other), mood=7)
    services.grant_share(
        patient=other,
        provider=provider,
        categories=["mood", "side_effects", "blood_pressure", "notes"],
    )
    until = next_month(local_now(patient).date())

    # --- The patient shares two categories until next month. ---
    me = web.open(patient, "journal:patient-home")
    go_via_nav(me, "Sharing")
    me.get_by_role("link", name="Share with a provider").click()
    expect(me.get_by_role("heading", name="Share with a provider")).to_be_visible()
    me.get_by_label("Provider", exact=True).select_option(label=provider.display_name)
    what = me.get_by_role("group", name="What")
    for box in what.get_by_role("checkbox").all():
        expect(box).not_to_be_checked()  # nothing is shared until it is ticked
    what.get_by_label("Side effects").check()
    what.get_by_label("Blood pressure").check()
    me.get_by_label("Stop sharing after (optional)").fill(until.isoformat())
    web.shot(me, f"sharing-1-share-form-{viewport}")
    me.get_by_role("button", name="Share", exact=True).click()
    expect(status(me, f"You are now sharing with {provider.display_name}")).to_be_visible()
    current = me.get_by_role("listitem").filter(has_text=provider.display_name)
    expect(current).to_contain_text("Shared: Side effects, Blood pressure")
    expect(current).to_contain_text(f"Ends after {until.isoformat()}")
    web.assert_accessible(me)

    # --- The provider's triage list puts Pat first because of the 185/121 reading. ---
    dr = web.open(provider, "journal:provider-home")
    rows = dr.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # header + two patients
    first = rows.nth(1)
    expect(first.get_by_role("rowheader")).to_have_text(patient.display_name)
    expect(first).to_contain_text("Urgent")
    expect(rows.nth(2).get_by_role("rowheader")).to_have_text(other.display_name)
    web.shot(dr, f"sharing-2-triage-{viewport}")
    first.get_by_role("link", name=patient.display_name).click()

    # --- The summary shows only what is shared. ---
    expect(dr.get_by_role("heading", name=patient.display_name, level=1)).to_be_visible()
    main = dr.get_by_role("main")
    expect(main).to_contain_text("Shared with you: Side effects, Blood pressure")
    expect(main).to_contain_text(f"until the end of {until.isoformat()}")
    expect(dr.get_by_role("heading", name="Side effects after sessions")).to_be_visible()
    expect(dr.get_by_text(re.compile(r"^Side effects by session \(\d+\)"))).to_be_visible()
    expect(dr.get_by_role("heading", name=re.compile("^Mood"))).to_have_count(0)
    expect(main).not_to_contain_text("felt floaty")  # a private note
    expect(main).not_to_contain_text("Private check-in note")
    flags = dr.get_by_role("region", name=re.compile(r"^Flags"))
    severe = flags.get_by_role("listitem").filter(has_text="BP 185/121").filter(has_text="Urgent")
    expect(severe).to_contain_text("Acknowledge only this")  # open: it has its own form
    web.shot(dr, f"sharing-3-summary-{viewport}")
    web.assert_accessible(dr)

    # Acknowledge the urgent flag, saying what was done.
    severe.get_by_text("Acknowledge only this").click()
    severe.get_by_label(re.compile("^What did you do?")).select_option(label="Reviewed")
    severe.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(status(dr, "Flag acknowledged")).to_be_visible()
    severe = (
        dr.get_by_role("region", name=re.compile(r"^Flags"))
        .get_by_role("listitem")
        .filter(has_text="BP 185/121")
        .filter(has_text="Urgent")
    )
    expect(severe).to_contain_text(f"Acknowledged by {provider.display_name}")

    # Download the PDF summary.
    with dr.expect_download() as download_info:
        dr.get_by_role("link", name="PDF summary").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    web.assert_clean(dr)

    # --- The patient sees the views and the acknowledgement, then revokes. ---
    go_via_nav(me, "Who viewed my data", menu=ACCOUNT_MENU)
    expect(me.get_by_role("heading", name="Who viewed my data")).to_be_visible()
    views = me.get_by_role("table").get_by_role("row").filter(has_text=provider.display_name)
    # The provider's reads minutes apart are one visit, one line in plain words: the summary
    # (opened, then shown again after the acknowledgement), its charts and the PDF download,
    # with the share that allowed them. The log itself keeps every event.
    expect(views).to_have_count(1)
    # Chart images load in any order, so the charts are listed in the order they were read.
    expect(views.first).to_contain_text("your summary (last 90 days):")
    expect(views.first).to_contain_text("side effects chart")
    expect(views.first).to_contain_text("blood pressure chart")
    expect(views.first).to_contain_text("PDF summary download")
    expect(views.first).not_to_contain_text("chart:")
    expect(views.first).to_contain_text("(Side effects, Blood pressure)")
    acknowledged = me.get_by_role("listitem").filter(has_text="Very high blood pressure (185/121)")
    expect(acknowledged).to_contain_text(f"Your care team has seen this ({provider.display_name},")
    web.shot(me, f"sharing-4-who-viewed-{viewport}")
    web.assert_accessible(me)

    go_via_nav(me, "Sharing")
    me.get_by_role("link", name=f"Revoke share with {provider.display_name}").click()
    expect(
        me.get_by_role("heading", name=f"Stop sharing with {provider.display_name}?")
    ).to_be_visible()
    me.get_by_role("button", name="Revoke share").click()
    expect(status(me, f"{provider.display_name} can no longer see your journal")).to_be_visible()
    web.assert_clean(me)

    # --- The provider's next click is refused with the not-found page. ---
    # A 404 document is reported on the console by Chromium; here it is the expected answer.
    web.guard(dr).allowed_console.append(re.compile(r"status of 404 \(Not Found\)"))
    with dr.expect_response(lambda r: r.request.is_navigation_request()) as response:
        dr.get_by_role("link", name="Printable summary").click()
    assert response.value.status == 404, response.value.url
    expect(dr.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(dr.get_by_role("main")).not_to_contain_text("185/121")
    web.shot(dr, f"sharing-5-provider-refused-{viewport}")
    web.assert_clean(dr)

    # The database agrees.
    share = Share.objects.get(patient=patient, provider=provider)
    assert share.revoked_at is not None and share.expires_on == until
    assert share.share_side_effects and share.share_blood_pressure
    assert not share.share_mood and not share.share_notes
    flag = Flag.objects.get(patient=patient, kind="severe_bp")
    assert flag.acknowledged_by == provider and flag.acknowledged_at is not None
    assert AccessEvent.objects.filter(patient=patient, actor=provider).count() >= 2
