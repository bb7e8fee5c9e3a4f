"""One simulated patient: fills in the real journal forms over HTTP and records every answer.

A write is sent with the form's own submission token; when the answer is lost (connection
reset while a worker is killed) or says "may not have been saved", it is sent again with the
same token, as the "Send it again" button does. Some writes are deliberately sent twice at
once on two connections (a double tap), some are replayed after they were acknowledged (a
timed-out request sent again). Standard library HTTP (`tools.bench.httpload`).
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse

from journal.forms.journal import SYMPTOM_PREFIX
from journal.idempotency import FIELD_NAME
from tools.bench.httpload import TIMEOUT, Form, HttpClient, Response, parse_html
from tools.loadtest.ledger import (
    ACKNOWLEDGED,
    CONFLICT,
    NOT_SAVED,
    UNCERTAIN,
    Ledger,
    Write,
    expected_from_form,
    expected_readings,
)

RECORD_RE = re.compile(r"/(sessions|reports|check-ins)/\d+/$")
BACKOFF = (0.2, 0.5, 1.0, 2.0, 3.0, 4.0)
# Answers that certainly saved nothing; anything else unanswered may have been saved.
DEFINITE = {"409 conflict", "400 refused", "200 form errors", "403 logged out", "302 log-in"}
RETRY = {"503 not saved", "503 not confirmed", "500 server error", "502 bad gateway"}
DOUBLE_TAP = 0.15
REPLAY = 0.10


@dataclass
class Stats:
    """Counters shared by every patient thread (answers by kind, requests, acknowledgements)."""

    errors: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str, sample: str = "") -> None:
        with self.lock:
            self.errors[kind] += 1
            if sample and kind not in self.samples:
                self.samples[kind] = sample[:2000]

    def count(self, what: str, bucket: str = "requests") -> None:
        with self.lock:
            getattr(self, bucket)[what] += 1


def exception_kind(exc: BaseException) -> str:
    """A short name for a failed exchange, for the report."""
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed, no answer (worker killed)"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "connection reset (worker killed)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, http.client.IncompleteRead):
        return "answer cut off (worker killed)"
    return f"connection error ({type(exc).__name__})"


class _Watched:
    """An HTTPConnection that reports each failed exchange before `HttpClient` retries it."""

    def __init__(self, conn: http.client.HTTPConnection, stats: Stats) -> None:
        self._conn, self._stats = conn, stats

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def request(self, *args: Any, **kwargs: Any) -> None:
        try:
            self._conn.request(*args, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            self._stats.error(exception_kind(exc))
            raise

    def getresponse(self) -> http.client.HTTPResponse:
        try:
            response = _WatchedResponse(self._conn.getresponse(), self._stats)
            return response  # type: ignore[return-value]  # a proxy with the response's interface
        except (OSError, http.client.HTTPException) as exc:
            self._stats.error(exception_kind(exc))
            raise


class _WatchedResponse:
    """An HTTPResponse whose body read reports a connection lost half-way."""

    def __init__(self, raw: http.client.HTTPResponse, stats: Stats) -> None:
        self._raw, self._stats = raw, stats

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def read(self, *args: Any) -> bytes:
        try:
            return self._raw.read(*args)
        except (OSError, http.client.HTTPException) as exc:
            self._stats.error(exception_kind(exc))
            raise


class LoadClient(HttpClient):
    """`HttpClient` whose lost connections are counted (it reconnects and resends once)."""

    def __init__(self, host: str, port: int, cookies: dict[str, str], stats: Stats) -> None:
        super().__init__(host, port, cookies)
        self.stats = stats

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            self.conn = _Watched(conn, self.stats)  # type: ignore[assignment]  # a proxy, same interface
        return self.conn  # type: ignore[return-value]  # (the proxy above)


def classify(response: Response) -> str:
    """`ack` for a redirect to a record, else the kind of answer."""
    status = response.status
    if status in {301, 302, 303}:
        if RECORD_RE.search(response.location.split("?")[0]):
            return "ack"
        return "302 log-in" if "/login/" in response.location else "302 elsewhere"
    if status == 503:
        return "503 not confirmed" if "Not confirmed." in response.text else "503 not saved"
    return {
        409: "409 conflict",
        400: "400 refused",
        200: "200 form errors",
        403: "403 logged out",
        500: "500 server error",
        502: "502 bad gateway",
    }.get(status, f"{status} other")


class Patient:
    """One patient's closed loop of journal writes until `deadline`."""

    def __init__(
        self,
        *,
        email: str,
        tag: str,
        client: LoadClient,
        ledger: Ledger,
        stats: Stats,
        rng: random.Random,
        deadline: float,
    ) -> None:
        self.email, self.tag, self.client = email, tag, client
        self.ledger, self.stats, self.rng, self.deadline = ledger, stats, rng, deadline
        self.seq = 0
        self.open_sessions: list[int] = []  # acknowledged sessions without a report
        self.entries: list[tuple[str, int]] = []  # acknowledged entries, for edits

    # --- the loop ---------------------------------------------------------------------

    def run(self) -> None:
        actions: list[tuple[Callable[[], None], int]] = [
            (self.new_session, 2),
            (self.new_report, 3),
            (self.new_checkin, 3),
            (self.edit_entry, 3),
        ]
        funcs, weights = zip(*actions, strict=True)
        try:
            while time.monotonic() < self.deadline:
                self.rng.choices(funcs, weights)[0]()
        finally:
            self.client.close()

    def _key(self, kind: str) -> str:
        self.seq += 1
        return f"{self.tag}-{kind}{self.seq:05d}"

    def _form(self, path: str) -> tuple[Form, str] | None:
        """GET `path` (retrying lost connections) and return its entry form and action."""
        for pause in BACKOFF:
            try:
                page = self.client.get(path)
            except (OSError, http.client.HTTPException):
                self.client.close()
                time.sleep(pause)
                continue
            self.stats.count("GET")
            if page.status != 200:
                self.stats.error(f"GET {page.status}", page.text)
                return None
            forms = [
                f for f in parse_html(page.text).forms if f.method == "post" and "note" in f.fields
            ]
            if not forms:
                self.stats.error("GET without an entry form", page.text)
                return None
            if FIELD_NAME not in forms[0].fields:
                self.stats.count("forms without a submission token", "notes")
            return forms[0], forms[0].action or path
        return None

    # --- writes -----------------------------------------------------------------------

    def new_session(self) -> None:
        found = self._form(reverse("journal:session-create"))
        if found is None:
            return
        form, action = found
        fields = dict(form.fields)
        _shift_local(fields, "started_at", hours=-self.rng.randint(1, 6))
        fields["route"] = self.rng.choice(form.controls["route"][1])
        fields["dose_mg"] = self.rng.choice(["", "56", "84.5", "35.25", "0.5"])
        key = self._key("s")
        fields["note"] = f"{key} session, {self.rng.choice(['calm', 'floaty', 'tired'])}"
        write = Write(
            key=key,
            entry="session",
            patient=self.email,
            expected=expected_from_form("session", fields, []),
        )
        if self.send(write, action, fields) and write.pk:
            self.open_sessions.append(write.pk)
            self.entries.append(("session", write.pk))

    def new_report(self) -> None:
        if not self.open_sessions:
            self.new_session()
            return
        session_pk = self.open_sessions.pop(self.rng.randrange(len(self.open_sessions)))
        found = self._form(reverse("journal:report-create", args=[session_pk]))
        if found is None:
            return
        form, action = found
        fields = dict(form.fields)
        rated = self._rate(form, fields)
        fields["mood"] = str(self.rng.randint(0, 10))
        _fill_readings(fields, self.rng)
        key = self._key("r")
        fields["note"] = f"{key} report after session {session_pk}"
        expected = expected_from_form("report", fields, rated)
        expected["readings"] = expected_readings(fields)
        write = Write(key=key, entry="report", patient=self.email, expected=expected)
        if self.send(write, action, fields) and write.pk:
            self.entries.append(("report", write.pk))

    def new_checkin(self) -> None:
        found = self._form(reverse("journal:checkin-create"))
        if found is None:
            return
        form, action = found
        fields = dict(form.fields)
        rated = self._rate(form, fields)
        fields["mood"] = str(self.rng.randint(0, 10))
        fields["anxiety"] = self.rng.choice(["", str(self.rng.randint(0, 10))])
        fields["pain"] = self.rng.choice(["", str(self.rng.randint(0, 10))])
        key = self._key("c")
        fields["note"] = f"{key} check-in"
        write = Write(
            key=key,
            entry="checkin",
            patient=self.email,
            expected=expected_from_form("checkin", fields, rated),
        )
        if self.send(write, action, fields) and write.pk:
            self.entries.append(("checkin", write.pk))

    def edit_entry(self) -> None:
        if not self.entries:
            self.new_checkin()
            return
        entry, pk = self.rng.choice(self.entries)
        names = {"session": "session-edit", "report": "report-edit", "checkin": "checkin-edit"}
        found = self._form(reverse(f"journal:{names[entry]}", args=[pk]))
        if found is None:
            return
        form, action = found
        fields = dict(form.fields)
        rated = [n for n in form.controls if n.startswith(SYMPTOM_PREFIX)]
        if entry == "session":
            fields["dose_mg"] = self.rng.choice(["", "42", "50.75"])
        else:
            fields["mood"] = str(self.rng.randint(0, 10))
            if rated:
                fields[self.rng.choice(rated)] = str(self.rng.randint(0, 4))
        key = self._key("e")
        fields["note"] = f"{key} edited {entry} {pk}"
        write = Write(
            key=key,
            entry=entry,
            patient=self.email,
            expected=expected_from_form(entry, fields, rated),
            edit_of=pk,
            base_version=int(fields.get("version") or 0),
        )
        self.send(write, action, fields)

    def _rate(self, form: Form, fields: dict[str, Any]) -> list[str]:
        rated = [n for n in form.controls if n.startswith(SYMPTOM_PREFIX)]
        for name in rated:
            fields[name] = self.rng.choice(form.controls[name][1])
        if "overall_bother" in form.controls:
            fields["overall_bother"] = self.rng.choice(form.controls["overall_bother"][1])
        if self.rng.random() < 0.5:
            fields["note_shareable"] = "on"
        else:
            fields.pop("note_shareable", None)
        return rated

    # --- sending ----------------------------------------------------------------------

    def send(self, write: Write, path: str, fields: dict[str, Any]) -> bool:
        """Send `write` until it is acknowledged or certainly refused; True when acknowledged."""
        self.ledger.add(write)
        if self.rng.random() < DOUBLE_TAP:
            self._double_tap(write, path, fields)
        if write.outcome != ACKNOWLEDGED:
            self._send_until_answered(write, path, fields)
        if write.outcome == ACKNOWLEDGED and self.rng.random() < REPLAY:
            self._replay(write, path, fields)
        return write.outcome == ACKNOWLEDGED

    def _post(self, client: HttpClient, path: str, fields: dict[str, Any]) -> tuple[str, str]:
        """One POST: (kind, location or body)."""
        try:
            response = client.post(path, fields)
        except (OSError, http.client.HTTPException) as exc:
            client.close()
            return exception_kind(exc), ""
        self.stats.count("POST")
        kind = classify(response)
        return kind, response.location if kind == "ack" else response.text

    def _record(self, write: Write, kind: str, detail: str) -> None:
        write.attempts += 1
        if kind == "ack":
            write.locations.append(detail)
            write.outcome = ACKNOWLEDGED
        elif not _lost(kind):  # lost connections were counted by the connection itself
            self.stats.error(kind, detail)

    def _send_until_answered(self, write: Write, path: str, fields: dict[str, Any]) -> None:
        certain = write.attempts == 0 or write.outcome == NOT_SAVED
        kind = ""
        for pause in BACKOFF:
            kind, detail = self._post(self.client, path, fields)
            self._record(write, kind, detail)
            if kind == "ack":
                return
            if not (_lost(kind) or kind in RETRY):
                break
            certain = certain and kind == "503 not saved"
            time.sleep(pause)
        if certain and (kind in DEFINITE or kind == "503 not saved"):
            write.outcome = NOT_SAVED
        else:
            write.outcome = CONFLICT if kind == "409 conflict" else UNCERTAIN

    def _double_tap(self, write: Write, path: str, fields: dict[str, Any]) -> None:
        """The same POST on two connections at once (a double tap on a slow phone)."""
        write.double = True
        twin = LoadClient(self.client.host, self.client.port, dict(self.client.cookies), self.stats)
        answers: list[tuple[str, str]] = [("", ""), ("", "")]
        barrier = threading.Barrier(2)

        def tap(index: int, client: HttpClient) -> None:
            barrier.wait()
            answers[index] = self._post(client, path, fields)

        other = threading.Thread(target=tap, args=(1, twin))
        other.start()
        tap(0, self.client)
        other.join(TIMEOUT * 2 + 5)
        twin.close()
        for kind, detail in answers:
            self._record(write, kind, detail)
        if write.outcome != ACKNOWLEDGED:
            certain = all(kind in DEFINITE or kind == "503 not saved" for kind, _ in answers)
            write.outcome = NOT_SAVED if certain else UNCERTAIN

    def _replay(self, write: Write, path: str, fields: dict[str, Any]) -> None:
        """Send an acknowledged POST again later, as a client that timed out would."""
        write.replayed = True
        time.sleep(self.rng.uniform(0.3, 1.5))
        for pause in BACKOFF:
            kind, detail = self._post(self.client, path, fields)
            if kind == "ack":
                write.locations.append(detail)
                return
            if not (_lost(kind) or kind in RETRY):
                # An edit replayed without a token is refused as stale: applied once, correct.
                self.stats.count(f"replay answered {kind}", "notes")
                return
            time.sleep(pause)


def _lost(kind: str) -> bool:
    """True for an exchange that got no HTTP answer (kinds of answers start with a status)."""
    return not kind[:1].isdigit() and kind != "ack"


def _shift_local(fields: dict[str, Any], name: str, *, hours: int) -> None:
    """Move a rendered local date/time pair by `hours` (kept as the form renders it)."""
    day, clock = fields.get(f"{name}_0"), fields.get(f"{name}_1")
    if not day or not clock:
        return
    moved = datetime.fromisoformat(f"{day}T{clock[:5]}") + timedelta(hours=hours)
    fields[f"{name}_0"], fields[f"{name}_1"] = f"{moved:%Y-%m-%d}", f"{moved:%H:%M}"


def _fill_readings(fields: dict[str, Any], rng: random.Random, prefix: str = "readings") -> None:
    """Fill 0–3 reading rows with plausible numbers and leave the other rows out of the POST."""
    total_key = f"{prefix}-TOTAL_FORMS"
    if total_key not in fields:
        return
    rendered = int(fields[total_key] or 0)
    used = rng.randint(0, min(3, rendered))
    for index in range(rendered):
        row = f"{prefix}-{index}-"
        if index < used:
            systolic = rng.randint(100, 200)
            fields[f"{row}systolic"] = str(systolic)
            fields[f"{row}diastolic"] = str(rng.randint(55, min(125, systolic - 10)))
            fields[f"{row}pulse"] = rng.choice(["", str(rng.randint(50, 120))])
            # A row's time left empty defaults by context on the server; the ledger compares
            # what was sent, so send a time: when the report is written.
            for part in ("0", "1"):
                if not fields.get(f"{row}measured_at_{part}"):
                    fields[f"{row}measured_at_{part}"] = fields.get(f"reported_at_{part}", "")
        else:
            for name in [n for n in fields if n.startswith(row)]:
                del fields[name]
    fields[total_key] = str(used)
