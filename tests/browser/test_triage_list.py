"""The triage list says what happened on a phone and a desktop: every row readable without
sideways scrolling (the page or the table's own region), axe clean, and the top flag
acknowledged from its row, back on the same list with the same sort."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journal import services
from journal.models import Flag, Role, ShareCategory
from tests.browser.conftest import Web
from tests.conftest import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _patients(provider) -> list:
    now = timezone.now()
    made = []
    for n, name in enumerate(["Ngaio Whetū-Longname Henderson", "Bo Brief", "Cy Calm"]):
        patient = enroll(f"p{n}@clinic.test", Role.PATIENT, name, time_zone="Pacific/Auckland")
        services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
        made.append(patient)
    at = now - timedelta(days=2, hours=3)
    session = services.log_session(patient=made[0], started_at=at, route="intranasal")
    services.submit_report(
        patient=made[0],
        session=session,
        reported_at=at + timedelta(hours=2),
        mood=2,
        ratings={"nausea": 3, "headache": 3},
        readings=(services.ReadingInput(at + timedelta(minutes=40), 185, 121, "after40"),),
    )
    services.log_checkin(patient=made[1], recorded_at=now - timedelta(hours=5), mood=1)
    return made


def test_the_triage_list_reads_at_phone_width_and_acknowledges_in_place(
    web: Web, viewport, provider
):
    first, second, _calm = _patients(provider)
    page = web.open(provider, "/provider/?sort=name")
    row = page.locator(f"#patient-{first.pk}")
    expect(row).to_contain_text("BP 185/121 at 40 min after dose · 2 days ago")
    expect(row).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d NZ[DS]T"))
    expect(row).to_contain_text(re.compile(r"and \d+ more open"))
    expect(row).to_contain_text("Last session reported")
    assert web.horizontal_overflow(page) == 0
    region = page.get_by_role("region", name="Patients sharing with you")
    assert region.evaluate("el => el.scrollWidth - el.clientWidth") <= 0, "the table scrolls"
    web.assert_accessible(page)

    flag = Flag.objects.filter(patient=second).get()
    form = page.locator(f"#patient-{second.pk} form.flag-ack-form")
    form.get_by_label(re.compile("^What did you do?")).select_option(label="Reviewed")
    form.get_by_role("button", name=re.compile("^Acknowledge")).click()
    # flag_ack.js sends it without a reload: the form gives way to what was done, the message
    # takes the focus, the list stays where it was.
    expect(page.locator(f"#patient-{second.pk}")).to_contain_text("Acknowledged: reviewed.")
    message = page.locator("#flag-ack-status [role=status]")
    expect(message).to_contain_text("Flag acknowledged")
    expect(message).to_be_focused()
    assert page.url.endswith("/provider/?sort=name"), page.url
    web.goto(page, "/provider/?sort=name")
    expect(page.locator(f"#patient-{second.pk}")).to_contain_text("None open")
    flag.refresh_from_db()
    assert flag.acknowledged_by_id == provider.pk and flag.disposition == "reviewed"
    web.assert_clean(page)
