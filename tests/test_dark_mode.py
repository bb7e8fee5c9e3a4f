"""The dark colour mode: wired through a static script (no inline code, so the CSP holds), on
a Bootstrap that has colour modes; every chart picture offers its dark drawing to a dark
device, and the provider's printed summary never prints a dark chart."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.charts import CHARTS
from journal.models import ShareCategory
from tests.conftest import client_for
from tests.factories import journal_in_every_category

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR, "journal", "static")


def test_bootstrap_has_colour_modes() -> None:
    """`data-bs-theme` needs Bootstrap 5.3 or later: a downgrade would silently drop dark mode."""
    header = (STATIC / "vendor" / "bootstrap" / "bootstrap.min.css").read_text()[:300]
    major, minor = map(int, re.search(r"v(\d+)\.(\d+)\.\d+", header).groups())  # type: ignore[union-attr]
    assert (major, minor) >= (5, 3)
    assert (
        "[data-bs-theme=dark]"
        in (STATIC / "vendor" / "bootstrap" / "bootstrap.min.css").read_text()
    )


def test_every_page_loads_the_theme_script_before_its_styles_and_the_dark_styles_after(
    patient,
) -> None:
    html = client_for(patient).get(reverse("journal:patient-home")).content.decode()
    head = html.split("</head>")[0]
    script = head.index('src="/static/journal/theme.js"')
    assert script < head.index("bootstrap.min.css") < head.index("app.css") < head.index("dark.css")
    assert '<meta name="color-scheme" content="light dark">' in head
    # No inline script anywhere: the policy stays script-src 'self'.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_the_trends_page_offers_every_chart_in_dark(patient) -> None:
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    html = client_for(patient).get(reverse("journal:dashboard") + "?period=30").content.decode()
    for name in CHARTS:
        src = reverse("journal:chart", args=[name]) + "?period=30"
        assert f'srcset="{src}&amp;theme=dark"' in html, name
        assert f'srcset="{src}&amp;size=phone&amp;theme=dark"' in html, name
    # The phone-and-dark source comes first: a picture takes the first source that matches.
    first = html.index("(max-width: 575.98px) and (prefers-color-scheme: dark)")
    assert first < html.index('<source media="(max-width: 575.98px)"')


def test_the_printed_summary_never_asks_for_a_dark_chart(patient, provider) -> None:
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
    client = client_for(provider)
    screen = client.get(reverse("journal:provider-patient", args=[patient.pk])).content.decode()
    printed = client.get(
        reverse("journal:provider-patient-print", args=[patient.pk])
    ).content.decode()
    assert "theme=dark" in screen
    assert "<picture>" in printed and "theme=dark" not in printed


def test_the_dark_chart_is_a_dark_picture_with_light_text(patient) -> None:
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    client = client_for(patient)
    url = reverse("journal:chart", args=["mood"]) + "?period=30"
    light, dark = client.get(url).content, client.get(url + "&theme=dark").content
    assert b"fill: #ffffff" in light and b"fill: #1a1d20" in dark
    assert b"fill: #212529" in light and b"fill: #212529" not in dark
    assert b"fill: #dee2e6" in dark  # the text colour


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_chart_text_on_the_background_reads_at_4_5_to_1(patient, theme: str) -> None:
    """Axe cannot see inside chart images: the text colours of every drawing are checked here
    against the drawing's background (text on a heat-map cell sits on that cell's own fill,
    which keeps its colour in both themes)."""
    from journal.charts._base import DARK_BACKGROUND, INK_ON_FILL, LIGHT_BACKGROUND

    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    client = client_for(patient)
    background = DARK_BACKGROUND if theme == "dark" else LIGHT_BACKGROUND
    on_cells = {INK_ON_FILL.lower(), "#ffffff"}  # the heat map's text on its darker fills
    for name in CHARTS:
        for size in ("desktop", "phone"):
            url = f"{reverse('journal:chart', args=[name])}?period=30&size={size}&theme={theme}"
            svg = client.get(url).content.decode()
            fills = {
                m.group(1).lower()
                for tag in re.findall(r"<text[^>]*>", svg)
                if (m := re.search(r"fill:\s*(#[0-9a-fA-F]{6})", tag))
            }
            assert fills, (name, size)
            for colour in fills - on_cells:
                ratio = _contrast(colour, background)
                assert ratio >= 4.5, f"{name} {size} {theme}: {colour} is {ratio:.2f}:1"


def test_the_no_script_and_print_styles_are_generated_from_the_current_dark_rules() -> None:
    """theme-auto.css repeats every dark rule for a page whose script did not run, and gives
    printed pages the light colours; it must follow dark.css and Bootstrap."""
    from tools.build_theme_css import BOOTSTRAP, DARK, OUTPUT, build

    expected = build(BOOTSTRAP.read_text("utf-8"), DARK.read_text("utf-8"))
    assert OUTPUT.read_text("utf-8") == expected, "run: python -m tools.build_theme_css"
    no_script, paper = expected.split("@media print")
    assert "@media screen and (prefers-color-scheme: dark)" in no_script
    assert ":root:not([data-bs-theme]){color-scheme:dark;--bs-body-color:#dee2e6;" in no_script
    assert ":root:not([data-bs-theme]) .btn-outline-primary{" in no_script
    assert "--bs-body-bg:#fff;" in paper and "color-scheme:light" in paper


def test_the_dark_drawings_are_for_screens_only(patient) -> None:
    """Printing falls back to the light drawing (a source media `screen and ...`)."""
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    html = client_for(patient).get(reverse("journal:dashboard")).content.decode()
    sources = re.findall(r'<source media="([^"]+)" srcset="[^"]*theme=dark', html)
    assert sources and all(m.startswith("screen and ") for m in sources), sources


@pytest.mark.parametrize("status", [400, 500])
def test_the_error_pages_without_a_request_have_the_theme_and_no_inline_code(
    client, status: int
) -> None:
    from journal.views import errors

    request = client.get("/").wsgi_request
    response = errors.bad_request(request) if status == 400 else errors.server_error(request)
    html = response.content.decode()
    assert response.status_code == status
    head = html.split("</head>")[0]
    assert head.index("journal/theme.js") < head.index("bootstrap.min.css")
    assert "theme-auto.css" in head and "dark.css" in head
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and " style=" not in html


def test_a_failed_csrf_check_without_a_session_gets_the_themed_page(client) -> None:
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form could not be sent" in html and "journal/theme.js" in html
    assert "<style" not in html
