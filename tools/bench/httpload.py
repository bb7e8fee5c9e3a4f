"""HTTP side of the benchmark: a tiny cookie-keeping client over `http.client` keep-alive
connections, HTML form parsing, real log-in (CSRF + TOTP step) and the timed load loop.

Standard library only. Cookies are kept by name without honouring `Secure` (the benchmark
talks plain HTTP to 127.0.0.1 while the app runs with production cookie flags).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import TypeVar
from urllib.parse import urlencode, urljoin, urlsplit

from tools.bench.stats import Sample

TIMEOUT = 60
Item = TypeVar("Item")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Form:
    """One parsed <form>: its action, method and the values a browser would submit."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    # Every control seen: name -> (tag/type, list of option values).
    controls: dict[str, tuple[str, list[str]]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.imgs: list[str] = []
        self.links: list[str] = []
        self.rows = 0
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "tr" or (tag == "li" and "list-group-item" in a.get("class", "")):
            self.rows += 1
        elif tag == "img" and a.get("src"):
            self.imgs.append(a["src"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(
                Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            )
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            self._input(self.forms[-1], a)
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1].controls[self._select] = ("select", [])
        elif tag == "option" and self._select:
            form = self.forms[-1]
            value = a.get("value", "")
            form.controls[self._select][1].append(value)
            if "selected" in a or self._select not in form.fields:
                form.fields[self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1].fields[self._textarea] = ""
            self.forms[-1].controls[self._textarea] = ("textarea", [])

    def _input(self, form: Form, a: dict[str, str]) -> None:
        name, kind = a["name"], a.get("type", "text").lower()
        if kind in {"radio", "checkbox"}:
            form.controls.setdefault(name, (kind, []))[1].append(a.get("value", "on"))
            if "checked" in a:
                form.fields[name] = a.get("value", "on")
        elif kind not in {"submit", "button", "image", "reset", "file"}:
            form.controls[name] = (kind, [])
            form.fields[name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


def parse_html(text: str) -> _FormParser:
    """Forms, image sources, links and the number of table rows of a page."""
    parser = _FormParser()
    parser.feed(text)
    return parser


class HttpClient:
    """One keep-alive connection with its own cookies (a browser tab, roughly)."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self, method: str, path: str, body: str | None = None, referer: str = ""
    ) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", "Accept": "text/html,*/*"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if referer:
            headers["Referer"] = referer
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                # The server closed an idle keep-alive connection; reconnect once.
                self.close()
                if attempt == 2:
                    raise
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        for value in raw.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if raw.getheader("Connection", "").lower() == "close":
            self.close()
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: Mapping[str, str | list[str]], referer: str = "") -> Response:
        return self.request("POST", path, urlencode(fields, doseq=True), referer=referer)

    def follow(self, response: Response, path: str, limit: int = 5) -> tuple[Response, str]:
        """Follow redirects (GET) from `response`; returns the final response and its path."""
        while response.status in {301, 302, 303} and limit:
            loc = urlsplit(urljoin(path, response.location))
            path = loc.path + (f"?{loc.query}" if loc.query else "")
            response = self.get(path)
            limit -= 1
        return response, path


class LoginFailed(RuntimeError):
    pass


def log_in(
    client: HttpClient, email: str, password: str, totp: Callable[[], str] | None = None
) -> str:
    """Log in through the real form (CSRF), passing the MFA step with `totp()` when asked.

    Returns the path the user lands on.
    """
    page = client.get("/login/")
    forms = [f for f in parse_html(page.text).forms if "password" in f.fields]
    if page.status != 200 or not forms:
        raise LoginFailed(f"no login form at /login/ (status {page.status})")
    fields = {**forms[0].fields, "username": email, "password": password}
    response, path = client.follow(client.post("/login/", fields), "/login/")
    if path.startswith("/login/"):
        raise LoginFailed(f"log-in refused for {email}")
    code_forms = [f for f in parse_html(response.text).forms if "code" in f.fields]
    if code_forms:
        if totp is None:
            raise LoginFailed(f"{email} was asked for a second factor but has no TOTP key")
        action = code_forms[0].action or path
        fields = {**code_forms[0].fields, "code": totp()}
        response, path = client.follow(client.post(action, fields), action)
        if parse_html(response.text).forms and any(
            "code" in f.fields for f in parse_html(response.text).forms
        ):
            raise LoginFailed(f"second factor refused for {email}")
    return path


@dataclass
class Target:
    """What one load run requests: a fixed GET, or a POST built per request."""

    method: str
    path: str
    expect: tuple[int, ...] = (200,)
    # For POSTs: returns (path, fields) for the next request, or None when the pool is empty.
    next_post: Callable[[], tuple[str, dict[str, str | list[str]]] | None] | None = None


def run_load(
    host: str,
    port: int,
    cookies: dict[str, str],
    target: Target,
    concurrency: int,
    duration: float,
) -> Sample:
    """`concurrency` threads, each on its own keep-alive connection, request `target` in a
    closed loop for `duration` seconds; latencies of expected answers, errors for the rest."""
    sample = Sample()
    lock = threading.Lock()
    start_barrier = threading.Barrier(concurrency + 1)
    deadline = [0.0]
    ends: list[float] = []

    def worker() -> None:
        client = HttpClient(host, port, cookies)
        mine = Sample()
        start_barrier.wait()
        try:
            while time.perf_counter() < deadline[0]:
                t0 = time.perf_counter()
                try:
                    if target.next_post is not None:
                        job = target.next_post()
                        if job is None:
                            break
                        response = client.post(job[0], job[1])
                    else:
                        response = client.request(target.method, target.path)
                except (OSError, http.client.HTTPException):
                    mine.errors += 1
                    client.close()
                    continue
                mine.record(response.status, time.perf_counter() - t0, target.expect)
        finally:
            client.close()
            with lock:
                ends.append(time.perf_counter())
                sample.add(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start_barrier.wait()
    for thread in threads:
        thread.join(duration + TIMEOUT + 5)
    sample.wall_seconds = max(ends, default=time.perf_counter()) - began
    return sample


def run_interleaved(
    host: str,
    port: int,
    targets: Sequence[tuple[dict[str, str], str]],
    duration: float,
) -> list[Sample]:
    """GET each (cookies, path) of `targets` in turn, one request at a time, each on its own
    keep-alive connection, for `duration` seconds; the order reverses every round (A B, B A, …)
    so that neither page always follows the other. Pages measured this way share every
    moment's machine speed, so the ratio of their medians does not carry the drift between
    two runs measured a minute apart (BENCHMARKS.md, "How far to trust one run")."""
    clients = [HttpClient(host, port, cookies) for cookies, _ in targets]
    samples = [Sample() for _ in targets]
    order = list(range(len(targets)))
    began = time.perf_counter()
    deadline = began + duration
    try:
        while time.perf_counter() < deadline:
            for i in order:
                t0 = time.perf_counter()
                try:
                    response = clients[i].get(targets[i][1])
                except (OSError, http.client.HTTPException):
                    samples[i].errors += 1
                    clients[i].close()
                    continue
                samples[i].record(response.status, time.perf_counter() - t0)
            order.reverse()
    finally:
        for client in clients:
            client.close()
    wall = time.perf_counter() - began
    for sample in samples:
        sample.wall_seconds = wall
    return samples


def counter(items: Sequence[Item]) -> Callable[[], Item | None]:
    """A thread-safe 'next item or None' over a list (the report-submit session pool)."""
    lock = threading.Lock()
    iterator: Iterator[Item] = iter(items)

    def take() -> Item | None:
        with lock:
            return next(iterator, None)

    return take
