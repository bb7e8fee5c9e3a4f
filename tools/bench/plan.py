"""The in-process half of the benchmark (runs inside the benchmark environment's settings).

It finds which endpoints exist in the URLconf, builds their URLs for the benchmark accounts,
counts each endpoint's queries once with the test `Client` and `CaptureQueriesContext` against
the benchmark database, and times chart rendering by calling the chart functions directly.
The result is a JSON-ready plan the HTTP half loads.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from journal.models import Role, TreatmentSession, User
from tools.bench.accounts import BenchAccounts
from tools.bench.forms import fill_report_form
from tools.bench.httpload import parse_html
from tools.bench.stats import median

NOT_BUILT = "not built yet"


@dataclass
class Endpoint:
    """One measured URL: who requests it, how, and what it cost in queries in-process."""

    key: str
    label: str
    url_name: str
    role: str = "patient"
    method: str = "GET"
    path: str = ""
    status: str = ""  # "" when measurable, else why not (e.g. "not built yet")
    queries: int | None = None
    queries_warm: int | None = None
    rows: int | None = None
    note: str = ""


# (key, label, URL name candidates, role, argument kind)
CATALOGUE: list[tuple[str, str, tuple[str, ...], str, str]] = [
    ("ping", "/ping/ (ceiling, no database)", ("journal:ping",), "anonymous", ""),
    (
        "reference",
        "Plain Django reference (the same 50 check-ins, minimal template)",
        ("bench-reference",),
        "patient",
        "",
    ),
    ("list", "Paginated 50-row list (check-ins)", ("journal:checkin-list",), "patient", ""),
    ("sessions", "Paginated 50-row list (sessions)", ("journal:session-list",), "patient", ""),
    ("home", "Patient home", ("journal:patient-home",), "patient", ""),
    ("dashboard", "Patient dashboard", ("journal:dashboard",), "patient", ""),
    (
        "submit",
        "Post-session report submit (POST)",
        ("journal:report-create",),
        "submitter",
        "session",
    ),
    (
        "triage",
        "Provider triage list (500 sharing patients)",
        ("journal:provider-home",),
        "triage",
        "",
    ),
    (
        "triage2000",
        "Provider triage list (2,000 sharing patients)",
        ("journal:provider-home",),
        "triage2000",
        "",
    ),
    ("summary", "Provider patient summary", ("journal:provider-patient",), "provider", "patient"),
    ("pdf", "PDF export (patient)", ("journal:export-pdf",), "patient", ""),
    ("fhir", "FHIR export (patient)", ("journal:export-fhir",), "patient", ""),
]


@dataclass
class Plan:
    endpoints: list[Endpoint] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    submit_paths: list[str] = field(default_factory=list)
    chart_render_ms: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Due reminders dispatched in-process, by size (`tools.bench.dispatch`).
    dispatch: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _accounts() -> dict[str, User]:
    emails = {
        "patient": BenchAccounts.patient_email(1),
        "provider": BenchAccounts.provider_email,
        "triage": BenchAccounts.triage_provider_email,
        "triage2000": BenchAccounts.wide_triage_provider_email,
        "submitter": BenchAccounts.submitter_email,
    }
    users = {u.email: u for u in User.objects.filter(email__in=emails.values())}
    return {role: users[email] for role, email in emails.items() if email in users}


def _totp(user: User) -> dict[str, Any] | None:
    try:
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    return {
        "key": device.key,
        "step": device.step,
        "t0": device.t0,
        "digits": device.digits,
        "persistent_id": device.persistent_id,
    }


def client_for(user: User | None) -> Client:
    """A test client signed in as `user`, MFA-verified for staff (as the tests' `client_for`)."""
    client = Client(HTTP_HOST="127.0.0.1")
    if user is None:
        return client
    client.force_login(user)
    if user.role in (Role.PROVIDER, Role.ADMIN):
        totp = _totp(user)
        if totp is not None:
            from django_otp import DEVICE_ID_SESSION_KEY

            session = client.session
            session[DEVICE_ID_SESSION_KEY] = totp["persistent_id"]
            session.save()
    return client


def _reverse(name: str, arg: int | None) -> str | None:
    for args in ([], [arg] if arg is not None else None):
        if args is None:
            continue
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def count_queries(
    client: Client, method: str, path: str, data: dict | None = None
) -> tuple[int, int, bytes]:
    """(queries, status, body) of one request through the full middleware stack. Transaction
    control (`BEGIN`, `COMMIT`, savepoints) is not counted: SQLite's driver issues it as
    statements of its own where PostgreSQL's does not, so counting it would make the same code
    two queries dearer on SQLite."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(path, data or {}) if method == "POST" else client.get(path)
    body = getattr(response, "content", b"") if not getattr(response, "streaming", False) else b""
    return data_statements(ctx.captured_queries), response.status_code, body


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_data_statement(sql: str) -> bool:
    """Whether `sql` reads or writes data (not transaction control)."""
    return not sql.lstrip().upper().startswith(_TRANSACTION_CONTROL)


def data_statements(captured: list[dict[str, str]]) -> int:
    """How many of `captured` read or write data (not transaction control)."""
    return sum(1 for q in captured if is_data_statement(q["sql"]))


def build_plan(pool: int) -> Plan:
    """Resolve, check and count every catalogued endpoint for the benchmark accounts."""
    plan = Plan()
    users = _accounts()
    for role, user in users.items():
        plan.accounts[role] = {
            "email": user.email,
            "totp": _totp(user) if user.role != Role.PATIENT else None,
        }
    clients = {role: client_for(user) for role, user in users.items()}
    clients["anonymous"] = client_for(None)
    pool_ids = list(
        TreatmentSession.objects.filter(patient=users.get("submitter"), report__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[: pool + 1]
    )
    patient = users.get("patient")
    for key, label, names, role, arg_kind in CATALOGUE:
        ep = Endpoint(key=key, label=label, url_name=names[0], role=role)
        plan.endpoints.append(ep)
        arg = {
            "session": pool_ids[0] if pool_ids else None,
            "patient": patient.pk if patient else None,
        }.get(arg_kind)
        path = None
        for name in names:
            path = _reverse(name, arg)
            if path:
                ep.url_name = name
                break
        if path is None:
            ep.status = NOT_BUILT
            continue
        # The dashboard (and the charts it embeds) over a year of daily data.
        ep.path = f"{path}?period=365" if key == "dashboard" else path
        client = clients.get(role)
        if client is None:
            ep.status = f"no {role} account in this data set"
            continue
        if key == "submit":
            _plan_submit(plan, ep, client, pool_ids)
            continue
        if key == "dashboard":
            cache.clear()
        if key != "dashboard":
            # Steady state: the first request of a session pays one-time costs (session
            # touch, settings cache fill) that are not the page's.
            client.get(ep.path)
        ep.queries, status, body = count_queries(client, "GET", ep.path)
        if status != 200:
            ep.status = f"answers {status} in-process"
            continue
        parsed = parse_html(body.decode("utf-8", "replace")) if body else None
        if parsed is not None and key in {"list", "sessions", "triage", "triage2000"}:
            ep.rows = parsed.rows
        if key == "dashboard":
            ep.queries_warm = count_queries(client, "GET", ep.path)[0]
            _plan_charts(plan, client, parsed)
    _time_charts(plan, patient)
    from tools.bench.dispatch import measure_dispatch

    plan.dispatch = measure_dispatch()
    return plan


def _plan_charts(plan: Plan, client: Client, parsed) -> None:
    """Every chart image the dashboard embeds becomes an endpoint of its own."""
    if parsed is None:
        return
    seen = set()
    for src in parsed.imgs:
        if src in seen or src.startswith(("data:", "/static/")):
            continue
        seen.add(src)
        name = src.rstrip("/").split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        ep = Endpoint(
            key=f"chart:{name}", label=f"Chart {name}", url_name="journal:chart", path=src
        )
        cache.clear()
        ep.queries, status, _ = count_queries(client, "GET", src)
        ep.queries_warm = count_queries(client, "GET", src)[0]
        if status != 200:
            ep.status = f"answers {status} in-process"
        plan.endpoints.append(ep)


def _plan_submit(plan: Plan, ep: Endpoint, client: Client, pool_ids: list[int]) -> None:
    if len(pool_ids) < 2:
        ep.status = "no report-less sessions in the pool"
        return
    page = client.get(ep.path)
    forms = [f for f in parse_html(page.content.decode()).forms if f.method == "post"]
    if page.status_code != 200 or not forms:
        ep.status = f"report form not found ({page.status_code})"
        return
    fields, ratings = fill_report_form(forms[-1])
    ep.note = f"{ratings} ratings, 2 readings"
    queries, status, _ = count_queries(client, "POST", ep.path, fields)
    ep.queries = queries
    if (
        status != 302
        or not TreatmentSession.objects.filter(pk=pool_ids[0], report__isnull=False).exists()
    ):
        ep.status = f"POST answered {status} without saving"
        return
    plan.submit_paths = [reverse(ep.url_name, args=[pk]) for pk in pool_ids[1:]]
    ep.path = plan.submit_paths[0]


def _time_charts(plan: Plan, patient: User | None, repetitions: int = 20) -> None:
    """Median cold render (ms) of each chart function on a year of the patient's data."""
    try:
        from tools.bench.chartdata import year_of_chart_data
    except ImportError:
        return
    for name, (render, data, source) in year_of_chart_data(patient).items():
        times, cpu = [], []
        for _ in range(repetitions):
            t0, c0 = time.perf_counter(), time.process_time()
            render(data)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        # CPU time next to wall time shows how much of a slow median is waiting for a core.
        plan.chart_render_ms[name] = {
            "median": median(times),
            "max": max(times),
            "cpu_median": median(cpu),
            "source": source,
        }
