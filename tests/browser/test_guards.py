"""The browser guards themselves can fail: each catches the fault it exists for.

A served-by-route page on the live server's own origin plays the faulty application.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import Web

pytestmark = pytest.mark.browser

FAULTY = """<!doctype html><html lang="en"><head><title>Faulty</title></head><body><main>
<h1>Faulty page</h1>
<img src="https://cdn.example.com/pixel.png" alt="tracking pixel">
<label>Unlabelled?</label><input id="nameless">
<script>document.title = 'inline script ran';</script>
</main></body></html>"""


def test_the_guards_catch_foreign_requests_csp_violations_console_errors_and_axe_failures(
    web: Web,
) -> None:
    context = web.context(None)
    context.route(
        web.url("/__faulty__/"),
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'"},
            body=FAULTY,
        ),
    )
    page = context.new_page()
    page.goto(web.url("/__faulty__/"), wait_until="load")
    page.evaluate("() => console.error('something broke')")
    page.evaluate("() => new Promise(requestAnimationFrame)")

    problems = "\n".join(web.guard(page).take())
    assert "request to another host: GET https://cdn.example.com/pixel.png" in problems
    assert "CSP violation: script-src-elem blocked inline" in problems
    assert "console error" in problems and "something broke" in problems
    assert page.title() == "Faulty"  # the inline script really was blocked

    violations = {v["id"] for v in web.axe(page)}
    assert "label" in violations
    with pytest.raises(AssertionError, match="axe violations"):
        web.assert_accessible(page)
