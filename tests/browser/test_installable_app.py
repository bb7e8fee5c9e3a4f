"""The installable app on a phone: the manifest loads, the service worker registers at the
site root, and the page logs no console error (the CSP stays as strict as everywhere else)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import Web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manifest_and_service_worker_register_on_a_phone(web: Web, patient):
    context = web.context(patient, viewport="phone")
    page = context.new_page()
    guard = web.guard(page)
    page.goto(web.url(reverse("journal:patient-home")), wait_until="load")
    scope = page.evaluate(
        "() => navigator.serviceWorker.ready.then(registration => registration.scope)"
    )
    assert scope == web.base_url + "/"
    manifest = page.evaluate(
        "() => fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        status = page.evaluate("src => fetch(src).then(r => r.status)", icon["src"])
        assert status == 200, icon
    assert guard.take() == []
