"""Issue 16's journey: PHQ-9 item 9 answered, then taken back; the provider still sees the
urgent flag (withdrawn by the patient, with its history), acknowledges it with "contacted the
patient", and the patient sees that their care team has seen it. The patient is on a phone or
a desktop (both), the provider on a desktop; every page passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journal import services
from journal.models import AuditEvent, Flag, QuestionnaireResponse, ShareCategory
from tests.browser.conftest import Web
from tests.browser.journeys import choose, status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM9 = re.compile(r"^9\. ")


def answer_phq9(page, item9: str) -> None:
    for number in range(1, 9):
        choose(page, re.compile(rf"^{number}\. "), "Not at all" if number > 2 else "Several days")
    choose(page, ITEM9, item9)


def test_item_9_taken_back_is_acknowledged_and_the_patient_sees_it(
    web: Web, viewport, patient, provider
):
    services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)

    # The patient answers item 9 "Several days", then changes it to "Not at all".
    page = web.open(patient, "journal:questionnaire-create", "phq9")
    answer_phq9(page, "Several days")
    page.get_by_role("button", name="See my score").click()
    expect(page.get_by_text("You mentioned thoughts of death or self-harm")).to_be_visible()
    response = QuestionnaireResponse.objects.get(patient=patient)
    web.goto(page, "journal:questionnaire-edit", response.pk)
    choose(page, ITEM9, "Not at all")
    page.get_by_role("button", name=re.compile("^(Save|See my score)")).click()
    page.wait_for_load_state("load")
    flag = Flag.objects.get(patient=patient, kind="self_harm")
    assert flag.withdrawn_at is not None and flag.acknowledged_at is None

    # The provider still sees it, says what was done, and acknowledges it.
    doctor = web.open(provider, "journal:provider-patient", patient.pk, viewport="desktop")
    card = doctor.locator(f"#flag-{flag.pk}")
    expect(card).to_contain_text("PHQ-9 item 9: several days")
    expect(card).to_contain_text("Urgent")
    expect(card).to_contain_text("Withdrawn by the patient")
    card.get_by_text(re.compile("^Edit history of this entry")).click()
    expect(card).to_contain_text("Version 1, replaced")
    web.assert_accessible(doctor)
    card.get_by_text(re.compile("^Acknowledge only this")).click()
    card.get_by_label(re.compile("^What did you do?")).select_option(label="Contacted the patient")
    card.get_by_label(re.compile("^Note for the care team")).fill("Called; safe, plan agreed.")
    card.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(status(doctor, "Flag acknowledged")).to_be_visible()
    expect(doctor.locator(f"#flag-{flag.pk}")).to_contain_text("contacted the patient")
    web.shot(doctor, f"{web.test_name}-provider-acknowledged")
    event = AuditEvent.objects.get(action="flag.acknowledge")
    assert event.actor == provider and event.detail["disposition"] == "contacted"

    # The patient sees that their care team has seen it, never the note.
    mine = web.open(patient, "journal:flag-list")
    seen = mine.get_by_role("region", name="Seen by your care team")
    expect(seen).to_contain_text("You mentioned thoughts of death or self-harm")
    expect(seen).to_contain_text("Your care team has seen this (Dr Provider,")
    expect(mine.get_by_text("plan agreed")).to_have_count(0)
    web.assert_accessible(mine)
    assert web.horizontal_overflow(mine) == 0
