"""A share paused by a provider's deactivation, then resumed by the patient, on a phone and a
desktop: the card says why it is paused, the button is reachable, the page passes axe and does
not scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from journal import services
from journal.models import Share, ShareCategory
from tests.browser.conftest import Web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_paused_share_is_explained_and_resumed(
    web: Web, viewport, patient, provider, clinic_admin
):
    share = services.grant_share(
        patient=patient, provider=provider, categories=ShareCategory.values
    )
    services.deactivate_account(actor=clinic_admin, user=provider)
    services.reactivate_account(actor=clinic_admin, user=provider)

    page = web.open(patient, "journal:share-list")
    card = page.get_by_role("listitem").filter(has_text=provider.display_name)
    expect(card).to_contain_text("Paused")
    expect(card).to_contain_text("closed this provider's account")
    web.assert_accessible(page)
    assert web.horizontal_overflow(page) == 0

    card.get_by_role("button", name=f"Resume sharing with {provider.display_name}").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("can see what you share again")).to_be_visible()
    web.shot(page, f"{web.test_name}-resumed")
    share.refresh_from_db()
    assert Share.objects.get(pk=share.pk).paused_at is None
