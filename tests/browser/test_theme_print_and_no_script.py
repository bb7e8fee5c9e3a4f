"""The page and its charts agree on light or dark in the cases theme.js does not cover.

- Printing from a dark device (Chromium emulating print media with `prefers-color-scheme:
  dark`): every chart picture takes its light drawing and the page is white, whatever
  theme.js set for the screen.
- JavaScript off (theme.js never runs): on a dark device the page is dark from its styles
  alone and the charts take their dark drawings; on a light device both stay light. Either way
  axe finds nothing.
- An error page (404) on a dark device is dark and passes axe.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from journal.models import User
from tests.browser.conftest import Web
from tests.browser.test_charts_phone_and_dark import load_chart_images
from tests.factories import journal_in_every_category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHITE = "rgb(255, 255, 255)"
DARK_BODY = "rgb(33, 37, 41)"  # Bootstrap's dark --bs-body-bg


def background(page: Page) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


@pytest.fixture
def journal(patient: User) -> User:
    journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    return patient


def test_printing_from_a_dark_device_prints_light_charts_on_white(
    web: Web, viewport: str, journal: User
) -> None:
    context = web.context(journal, color_scheme="dark")
    page = context.new_page()
    page.emulate_media(media="print", color_scheme="dark")
    web.goto(page, "journal:dashboard")
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    images = load_chart_images(page)
    assert len(images) >= 3
    assert [i["src"] for i in images if "theme=dark" in i["src"]] == []
    assert background(page) == WHITE
    # Back on the screen the same page is dark again, charts included.
    page.emulate_media(media="screen", color_scheme="dark")
    page.reload(wait_until="load")
    assert background(page) == DARK_BODY
    assert all("theme=dark" in i["src"] for i in load_chart_images(page))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_without_javascript_the_page_and_its_charts_follow_the_device_together(
    web: Web, viewport: str, journal: User, scheme: str
) -> None:
    page = web.open(journal, "journal:dashboard", color_scheme=scheme, javascript=False)
    assert page.evaluate("() => document.documentElement.dataset.bsTheme") is None
    assert background(page) == (DARK_BODY if scheme == "dark" else WHITE)
    images = load_chart_images(page)
    assert len(images) >= 3
    assert all(("theme=dark" in i["src"]) == (scheme == "dark") for i in images), images
    web.shot(page, f"no-script-{scheme}-dashboard")
    page.context.close()
    # axe needs timers, which do not run without JavaScript: the same styles are checked on a
    # page whose theme attribute is removed, as if theme.js had not run.
    page = web.open(journal, "journal:dashboard", color_scheme=scheme)
    page.evaluate("() => document.documentElement.removeAttribute('data-bs-theme')")
    assert background(page) == (DARK_BODY if scheme == "dark" else WHITE)
    web.assert_accessible(page)


def test_a_missing_page_on_a_dark_device_is_dark_and_accessible(
    web: Web, viewport: str, patient: User
) -> None:
    context = web.context(patient, color_scheme="dark")
    web.guard(context).allowed_console.append(re.compile(r"status of 404 \(Not Found\)"))
    page = context.new_page()
    web.goto(page, "/no-such-page/", expect_status=404)
    assert page.evaluate("() => document.documentElement.dataset.bsTheme") == "dark"
    assert background(page) == DARK_BODY
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    web.assert_accessible(page)
    web.shot(page, "dark-404")
