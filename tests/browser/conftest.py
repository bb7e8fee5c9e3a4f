"""Real-browser fixtures: Debian's Chromium driven by Playwright against the live server.

Every page a test opens through `web` is guarded: a request to any host other than the live
server's, a console error, an uncaught script error or a Content Security Policy violation
fails the test. `web.shot()` writes screenshots to test-results/screenshots/<viewport>/, and
`web.assert_accessible()` runs axe-core (npm, pinned by package-lock.json) with the WCAG 2.0/2.1
A and AA rules. Personas are logged in by copying the session cookie of
`tests.conftest.client_for(user)`, so the browser gets exactly the session the test client has.

Journeys that should run at both sizes ask for the `viewport` fixture, and those that should
run on a light and a dark device the `scheme` fixture; `web` then opens its pages that way:

    def test_something(web, viewport, patient):
        page = web.open(patient, "journal:patient-home")
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import OperationalError
from django.test.testcases import LiveServerThread
from django.urls import reverse
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response

from tests.conftest import client_for
from tests.test_url_matrix import world  # noqa: F401  (the URL matrix's objects, as a fixture)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
# Chromium's calls to Google services cannot succeed here and must never leave the machine.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS: dict[str, dict[str, int]] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
SCHEMES = ["light", "dark"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_CSP_NOISE = re.compile(r"^(Applying inline style violates|CSP violation: style-src)")
# Reports every Content Security Policy violation (enforced or report-only) as a console
# error, which the console guard turns into a failure. Init scripts are not subject to CSP.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`
    + ` (${e.sourceFile || document.location.href}:${e.lineNumber})`
    + (e.disposition === 'report' ? ' [report-only]' : ''));
}, true);
"""


def _need(path: str | Path, what: str, fix: str) -> None:
    """Skip browser tests on a machine without the tool; fail loudly in CI."""
    if Path(path).exists():
        return
    message = f"{what} not found at {path}: {fix}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything under tests/browser/ is a browser test, marked or not.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


class SerialWSGIServer(ThreadedWSGIServer):
    """The live server, handling one request at a time (connections stay threaded).

    With SQLite in memory, pytest-django hands the live server *one* shared connection for
    all its request threads. Requests that write at the same moment (a provider page's chart
    images each record an access event) then fail with "database table is locked", or could
    interleave transactions. Serializing the application (not the sockets, so keep-alive
    connections never block each other) removes that test-only race.
    """

    def set_app(self, application: Any) -> None:
        lock = threading.Lock()

        def one_at_a_time(environ: dict, start_response: Any) -> list[bytes]:
            with lock:
                result = application(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    if hasattr(result, "close"):
                        result.close()

        super().set_app(one_at_a_time)


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server() -> Iterator[None]:
    """Browser tests' live server runs requests one at a time (see SerialWSGIServer)."""
    original = LiveServerThread.server_class
    LiveServerThread.server_class = SerialWSGIServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright hook: launch Debian's chromium, never a downloaded build."""
    _need(CHROMIUM, "chromium", "run `bash .ci/install` (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's source, injected with page.evaluate() so no page CSP can block it."""
    _need(AXE_JS, "axe-core", "run `npm ci` (see .ci/install)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Run the requesting test once on a phone and once on a desktop."""
    return request.param


@pytest.fixture(params=SCHEMES)
def scheme(request: pytest.FixtureRequest) -> str:
    """Run the requesting test once on a light and once on a dark device."""
    return request.param


def format_violations(violations: list[dict[str, Any]]) -> str:
    """One readable line per axe violation and affected element."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            lines.append(
                f"  {v['id']} [{v['impact']}] {v['help']}: {node['target']}\n"
                f"    {node.get('failureSummary', '').replace(chr(10), ' ')}"
            )
    return "\n".join(lines)


@dataclass
class Guard:
    """Problems seen in one browser context: foreign requests, console errors, CSP, JS errors."""

    origin: str
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    allowed_console: list[re.Pattern[str]] = field(default_factory=list)
    # axe-core itself inserts <style> elements while it runs (the page's CSP rightly refuses
    # them); those reports are the test tool's, not the application's.
    axe_running: bool = False

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def on_request(self, request: Any) -> None:
        self.requests.append(request.url)
        if not self.is_local(request.url):
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = message.text
        if any(p.search(text) for p in self.allowed_console):
            return
        if self.axe_running and AXE_CSP_NOISE.search(text):
            return
        where = message.page.url if message.page else "?"
        self.problems.append(f"console error on {where}: {text}")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"uncaught script error: {error.error}")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


class Web:
    """Opens guarded pages against the live server as a persona, at a viewport."""

    def __init__(
        self,
        new_context: Any,
        base_url: str,
        axe_source: str,
        viewport: str,
        test_name: str,
        scheme: str = "light",
    ) -> None:
        self._new_context = new_context
        self.base_url = base_url.rstrip("/")
        self.axe_source = axe_source
        self.viewport = viewport
        self.scheme = scheme
        self.test_name = test_name
        self.guards: list[Guard] = []
        self.visits = 0

    # --- URLs -------------------------------------------------------------------------------
    def url(self, name_or_path: str, *args: object) -> str:
        """An absolute live-server URL from a URL name (with args) or a path."""
        if name_or_path.startswith(("http://", "https://")):
            parts = urlsplit(name_or_path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            return self.base_url + path
        path = name_or_path if name_or_path.startswith("/") else reverse(name_or_path, args=args)
        return self.base_url + path

    # --- Contexts and pages -----------------------------------------------------------------
    def context(
        self,
        user: Any | None = None,
        *,
        viewport: str | None = None,
        color_scheme: str | None = None,
        javascript: bool = True,
    ) -> BrowserContext:
        """A fresh guarded browser context, logged in as `user` (anonymous for None), whose
        device asks for the `color_scheme` ("light" or "dark": `prefers-color-scheme`), with
        or without `javascript`; the test's `scheme` when not given."""
        context = self._new_context(
            viewport=VIEWPORTS[viewport or self.viewport],
            accept_downloads=True,
            locale="en-US",
            color_scheme=color_scheme or self.scheme,
            java_script_enabled=javascript,
        )
        # Fail in seconds rather than Playwright's default 30 s when something is missing.
        context.set_default_timeout(15_000)
        guard = Guard(origin=self.base_url)
        self.guards.append(guard)
        context.on("request", guard.on_request)
        context.on("console", guard.on_console)
        context.on("weberror", guard.on_page_error)
        # Never let a foreign request leave the machine; it is recorded as a problem above.
        context.route(lambda url: not guard.is_local(url), lambda route: route.abort())
        context.add_init_script(CSP_LISTENER)
        context._aftercare_guard = guard  # type: ignore[attr-defined]
        if user is not None:
            self.log_in(context, user)
        return context

    def log_in(self, context: BrowserContext, user: Any) -> None:
        """Copy the session of `client_for(user)` (MFA-verified where that applies).

        The test database is SQLite in memory, shared with the live server's threads, whose
        table locks do not wait: a page still loading in the background (every page registers
        the service worker, fetching /sw.js after load) can hold `django_session` for a moment
        while this writes to it. Such a write is tried again, briefly."""
        for attempt in range(10):
            try:
                client = client_for(user)
                break
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == 9:
                    raise
                time.sleep(0.2)
        morsel = client.cookies.get(settings.SESSION_COOKIE_NAME)
        assert morsel is not None and morsel.value, f"client_for({user}) made no session"
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": morsel.value, "url": self.base_url}]
        )

    def open(
        self,
        user: Any | None,
        name_or_path: str,
        *args: object,
        viewport: str | None = None,
        expect_status: int | None = 200,
        color_scheme: str | None = None,
        javascript: bool = True,
    ) -> Page:
        """A new page in a new context as `user`, at `name_or_path`; asserts the status."""
        context = self.context(
            user, viewport=viewport, color_scheme=color_scheme, javascript=javascript
        )
        page = context.new_page()
        self.goto(page, name_or_path, *args, expect_status=expect_status)
        return page

    def goto(
        self, page: Page, name_or_path: str, *args: object, expect_status: int | None = 200
    ) -> Response | None:
        """Navigate, wait for the load event, check the guards and take a screenshot."""
        response = page.goto(self.url(name_or_path, *args), wait_until="load")
        if expect_status is not None:
            assert response is not None and response.status == expect_status, (
                f"{page.url}: HTTP {response.status if response else None}, "
                f"expected {expect_status}"
            )
        self.assert_clean(page)
        self.visits += 1
        self.shot(page, f"{self.test_name}-{self.visits:02d}")
        return response

    @staticmethod
    def guard(page_or_context: Page | BrowserContext) -> Guard:
        context = page_or_context.context if isinstance(page_or_context, Page) else page_or_context
        return context._aftercare_guard  # type: ignore[attr-defined]

    def assert_clean(self, page: Page) -> None:
        """No foreign request, console error, script error or CSP violation so far."""
        problems = self.guard(page).take()
        assert not problems, "\n".join(problems)

    # --- Evidence and checks ----------------------------------------------------------------
    def shot(self, page: Page, name: str) -> Path:
        """Full-page screenshot to test-results/screenshots/<viewport>/<name>.png."""
        size = page.viewport_size or VIEWPORTS[self.viewport]
        folder = next(
            (n for n, v in VIEWPORTS.items() if v["width"] == size["width"]), self.viewport
        )
        path = SCREENSHOTS / folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self, page: Page) -> list[dict[str, Any]]:
        """axe-core WCAG 2.0/2.1 A+AA violations of the current document."""
        guard = self.guard(page)
        self.assert_clean(page)  # anything the page did by itself is reported first
        guard.axe_running = True
        try:
            if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                page.evaluate(self.axe_source)
            violations = page.evaluate(
                """async (tags) => (await axe.run(document, {
                    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                })).violations""",
                AXE_TAGS,
            )
            page.evaluate("() => new Promise(requestAnimationFrame)")  # let reports arrive
        finally:
            guard.axe_running = False
        return violations

    def assert_accessible(self, page: Page) -> None:
        """Zero axe violations, and the guards are clean."""
        violations = self.axe(page)
        assert not violations, f"axe violations on {page.url}:\n{format_violations(violations)}"
        self.assert_clean(page)

    @staticmethod
    def horizontal_overflow(page: Page) -> int:
        """How many CSS pixels the document is wider than the viewport (0 = no side scroll)."""
        return page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )

    def finish(self) -> list[str]:
        """Problems still pending in any context (reported after the test)."""
        return [p for guard in self.guards for p in guard.take()]


@pytest.fixture
def web(
    request: pytest.FixtureRequest,
    live_server: Any,
    new_context: Any,
    axe_source: str,
) -> Iterator[Web]:
    """Guarded browser pages against the live server (see the module docstring)."""
    size = request.getfixturevalue("viewport") if "viewport" in request.fixturenames else "desktop"
    scheme = request.getfixturevalue("scheme") if "scheme" in request.fixturenames else "light"
    helper = Web(new_context, live_server.url, axe_source, size, request.node.name, scheme)
    yield helper
    leftover = helper.finish()
    if leftover:
        pytest.fail("browser problems after the test:\n" + "\n".join(leftover))
