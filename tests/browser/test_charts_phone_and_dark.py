"""Charts read on a phone, and every page follows the device's light or dark scheme.

On the demo data, in Chromium with `prefers-color-scheme` emulated (Playwright's
`color_scheme`, i.e. CDP `Emulation.setEmulatedMedia`):
- at 390×844, each chart on Trends and the provider summary shows its phone drawing (and
  in the dark scheme its dark drawing), unscaled; opened on its own in the browser, every text
  of that drawing is at least 11 CSS px at the width the page shows it and lies inside the
  picture; nothing on the page logs an error or scrolls sideways;
- the main patient and provider pages pass axe (WCAG 2.0/2.1 A+AA) in both schemes, at both
  sizes. The smallest chart text measured is printed for the record.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from journal import permissions
from journal.models import Role, User
from tests.browser.conftest import SCREENSHOTS, Web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMES = ("light", "dark")
MIN_PX = 11.0


@pytest.fixture
def demo(db) -> tuple[User, User]:
    """Dr Rivera and the sharing patient with a PHQ-9 course (response curve) and most charts."""
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    rivera = User.objects.get(email__startswith="dr.rivera@")
    sam = User.objects.get(email__startswith="sam@")
    assert sam.role == Role.PATIENT and permissions.get_active_share(rivera, sam) is not None
    return rivera, sam


def load_chart_images(page: Page) -> list[dict[str, Any]]:
    """Every chart picture loaded (lazy ones too): its chosen URL and its shown width."""
    return page.evaluate(
        """async () => {
            const imgs = [...document.querySelectorAll('picture img')];
            imgs.forEach((img) => { img.loading = 'eager'; });
            await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
            return imgs.map((img) => ({
                src: img.currentSrc,
                shown: img.clientWidth,
                natural: img.naturalWidth,
            }));
        }"""
    )


SVG_TEXTS = """() => {
    const svg = document.documentElement;
    const box = svg.getBoundingClientRect();
    return {
        width: box.width, height: box.height, viewBox: svg.viewBox.baseVal.width,
        background: svg.querySelector('#patch_1 path')?.style.fill || '',
        texts: [...document.querySelectorAll('text')].map((t) => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize),
                    x0: r.left - box.left, y0: r.top - box.top,
                    x1: r.right - box.left, y1: r.bottom - box.top};
        }),
    };
}"""


def measure_drawing(web: Web, page: Page, image: dict[str, Any]) -> float:
    """Open a chart's drawing on its own; assert its text size and extent; the smallest size."""
    drawing = page.context.new_page()
    response = drawing.goto(image["src"])
    assert response is not None and response.status == 200, image["src"]
    found = drawing.evaluate(SVG_TEXTS)
    drawing.close()
    # The page shows the drawing `shown` px wide: that scales every size in the picture.
    scale = image["shown"] / found["viewBox"]
    assert found["texts"], image["src"]
    smallest = 99.0
    for t in found["texts"]:
        px = t["size"] * scale
        smallest = min(smallest, px)
        assert px >= MIN_PX, f"{image['src']}: {t['text']!r} at {px:.2f} px"
        inside = (
            t["x0"] >= -0.5
            and t["y0"] >= -0.5
            and t["x1"] <= found["width"] + 0.5
            and t["y1"] <= found["height"] + 0.5
        )
        assert inside, f"{image['src']}: {t['text']!r} cut off at {t}"
    return smallest


@pytest.mark.parametrize("scheme", SCHEMES)
def test_charts_read_on_a_phone_in_both_schemes(web: Web, demo, scheme: str) -> None:
    rivera, sam = demo
    pages = [
        (sam, "journal:dashboard", ()),
        (rivera, "journal:provider-patient", (sam.pk,)),
        (rivera, "journal:provider-outcomes", ()),
    ]
    smallest = 99.0
    for user, name, args in pages:
        page = web.open(user, name, *args, viewport="phone", color_scheme=scheme)
        assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme
        images = load_chart_images(page)
        assert images, name
        for image in images:
            assert "size=phone" in image["src"], image
            assert ("theme=dark" in image["src"]) == (scheme == "dark"), image
            # Drawn for the phone: shown at its own width, not shrunk.
            assert abs(image["shown"] - image["natural"]) < 1, image
            smallest = min(smallest, measure_drawing(web, page, image))
        assert web.horizontal_overflow(page) == 0, name
        web.assert_accessible(page)
        web.shot(page, f"charts-phone-{scheme}-{name.split(':')[1]}")
    print(f"\nsmallest chart text at 390 px, {scheme}: {smallest:.2f} CSS px")
    (SCREENSHOTS / f"chart-text-{scheme}.txt").write_text(f"{smallest:.2f}\n")


PATIENT_PAGES = [
    ("journal:patient-home", ()),
    ("journal:dashboard", ()),
    ("journal:checkin-create", ()),
    ("journal:session-list", ()),
    ("journal:flag-list", ()),
    ("journal:share-list", ()),
]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_main_pages_pass_axe_in_both_schemes(web: Web, demo, scheme: str, viewport: str) -> None:
    rivera, sam = demo
    visits = [(sam, name, args) for name, args in PATIENT_PAGES] + [
        (rivera, "journal:provider-home", ()),
        (rivera, "journal:provider-patient", (sam.pk,)),
        (rivera, "journal:provider-outcomes", ()),
    ]
    failures: list[str] = []
    for user, name, args in visits:
        page = web.open(user, name, *args, viewport=viewport, color_scheme=scheme)
        assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme
        images = load_chart_images(page)
        assert all(("theme=dark" in i["src"]) == (scheme == "dark") for i in images), images
        violations = web.axe(page)
        if violations:
            from tests.browser.conftest import format_violations

            failures.append(f"{name} ({scheme}, {viewport}):\n{format_violations(violations)}")
        web.assert_clean(page)
        web.shot(page, f"{scheme}-{name.split(':')[1]}")
        page.context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("persona", ["patient", "provider", "clinic_admin"])
def test_every_page_of_each_role_passes_axe_in_the_dark_scheme(
    persona: str, viewport: str, web: Web, personas: Any, world: dict[str, object]
) -> None:
    """The URL matrix's pages (as in test_every_page) on a device that asks for dark."""
    from tests.browser.test_every_page import pages_of, scan_all
    from tests.test_url_matrix import MATRIX, _url

    user = getattr(personas, persona)
    urls = {
        f"dark-{name.replace(':', '-')}": _url(name, MATRIX[name], world)
        for name in pages_of(persona)
    }
    scan_all(web, user, urls, persona, color_scheme="dark")


def test_the_provider_summary_charts_read_at_desktop_width(web: Web, demo) -> None:
    """At 1280×800 the summary's charts (in two columns) keep every text at 11 CSS px or more."""
    rivera, sam = demo
    page = web.open(rivera, "journal:provider-patient", sam.pk, viewport="desktop")
    images = load_chart_images(page)
    assert len(images) >= 4, images
    smallest = min(measure_drawing(web, page, image) for image in images)
    print(f"\nsmallest chart text on the provider summary at 1280 px: {smallest:.2f} CSS px")
    assert web.horizontal_overflow(page) == 0
    web.shot(page, "provider-summary-charts-desktop")
