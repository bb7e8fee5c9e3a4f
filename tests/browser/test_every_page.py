"""Every page each persona can open passes axe, loads nothing foreign and logs no error.

The page list is derived from `MATRIX` in tests/test_url_matrix.py: each row × each persona
whose documented status is 200, with URLs built from the same `world` objects. A new page
with a matrix row is therefore scanned without touching this file. One test per persona
walks all of that persona's pages in one logged-in browser (as a person would), and reports
every failing page at once.

Each scan runs twice, at desktop width (1280×800) and at phone width (390×844: the layout
collapses there, navigation and tables change, so axe may find other problems). For each
HTML page: a screenshot and an axe-core scan (WCAG 2.0/2.1 A+AA), and on the phone a check
that nothing scrolls sideways. Files (CSV, PDF, JSON, SVG, downloads) are only checked for
foreign requests and errors: axe runs on HTML.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Error, Page

from tests.browser.conftest import VIEWPORTS, Web, format_violations
from tests.test_url_matrix import MATRIX, PERSONAS, _url

pytestmark = pytest.mark.browser

HTML = ("text/html", "application/xhtml+xml")


def personas_with_200(name: str) -> list[str]:
    """Personas that the matrix says may open `name`."""
    return [p for p in PERSONAS if MATRIX[name].expect[p] == 200]


def browser_identity(name: str, persona: str) -> str:
    """Personas that see the very same page are scanned once (the suite must stay quick).

    A deactivated user's browser is an anonymous browser. Public pages show no journal
    data, so there a user differs from another of the same role only by name.
    """
    if persona == "deactivated":
        return "anonymous"
    if MATRIX[name].public:
        return {"other_patient": "patient", "provider_without_share": "provider"}.get(
            persona, persona
        )
    return persona


def personas_to_scan(name: str) -> list[str]:
    """One persona per distinct page among those with a 200 (first in PERSONAS order)."""
    chosen: dict[str, str] = {}
    for persona in personas_with_200(name):
        chosen.setdefault(browser_identity(name, persona), persona)
    return list(chosen.values())


def pages_of(persona: str) -> list[str]:
    """URL names this persona's scan visits."""
    return sorted(name for name in MATRIX if persona in personas_to_scan(name))


SCANNED_PERSONAS = [p for p in PERSONAS if pages_of(p)]


def scan(web: Web, page: Page, url: str, label: str) -> list[str]:
    """Open `url` in `page` at the test's viewport: a screenshot, axe, and on the phone a
    check that nothing scrolls sideways."""
    guard = web.guard(page)
    guard.take()
    downloads: list[Any] = []
    page.once("download", lambda download: downloads.append(download))
    try:
        response = page.goto(web.url(url), wait_until="load")
    except Error as exc:  # a file download aborts the navigation: not a page to scan
        if "Download is starting" not in exc.message and not downloads:
            return [f"could not open: {exc.message.splitlines()[0]}", *guard.take()]
        return guard.take()
    problems: list[str] = []
    status = response.status if response else None
    content_type = (response.headers.get("content-type", "") if response else "").lower()
    if status != 200:
        problems.append(f"HTTP {status} (the matrix says 200)")
    if content_type.startswith(HTML):
        web.shot(page, label)
        violations = web.axe(page)
        if violations:
            problems.append("axe violations:\n" + format_violations(violations))
        if web.viewport == "phone":
            overflow = web.horizontal_overflow(page)
            if overflow > 0:
                width = VIEWPORTS["phone"]["width"]
                problems.append(f"scrolls sideways by {overflow}px at {width}px wide")
    return problems + guard.take()


def scan_all(
    web: Web, user: Any | None, urls: dict[str, str], persona: str, color_scheme: str = "light"
) -> None:
    """Scan each of `urls` ({label: url}) in one browser as `user` at the test's viewport (and
    the device's `color_scheme`); fail listing every page."""
    page = web.context(user, color_scheme=color_scheme).new_page()
    failures = {}
    for label, url in urls.items():
        problems = scan(web, page, url, f"{label}--{persona}")
        if problems:
            failures[f"{label} ({url})"] = problems
    assert not failures, (
        f"{len(failures)} of {len(urls)} pages fail as {persona} ({web.viewport}):\n"
        + "\n".join(f"{where}:\n  " + "\n  ".join(p) for where, p in failures.items())
    )


@pytest.mark.parametrize("persona", SCANNED_PERSONAS)
def test_every_page_in_the_url_matrix_is_accessible_for_each_persona_that_can_open_it(
    persona: str, viewport: str, web: Web, personas: Any, world: dict[str, object]
) -> None:
    user = None if persona == "anonymous" else getattr(personas, persona)
    urls = {name.replace(":", "-"): _url(name, MATRIX[name], world) for name in pages_of(persona)}
    scan_all(web, user, urls, persona)


def test_the_admin_console_pages_are_accessible_for_the_clinic_admin(
    viewport: str, web: Web, personas: Any
) -> None:
    from journal.models import ClinicSettings

    names: dict[str, tuple[str, list[object]]] = {
        "index": ("admin:index", []),
        "accounts": ("admin:journal_user_changelist", []),
        "account-add": ("admin:journal_user_add", []),
        "account-change": ("admin:journal_user_change", [personas.patient.pk]),
        "audit-log": ("admin:journal_auditevent_changelist", []),
        "access-log": ("admin:journal_accessevent_changelist", []),
        "clinician-alerts": ("admin:journal_alertrecord_changelist", []),
        "clinic-settings": ("admin:journal_clinicsettings_change", [ClinicSettings.load().pk]),
    }
    urls = {f"admin-console-{label}": reverse(n, args=a) for label, (n, a) in names.items()}
    scan_all(web, personas.clinic_admin, urls, "clinic_admin")
