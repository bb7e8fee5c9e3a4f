"""The benchmark's own tools: the data generator's shape and the statistics behind budgets.

No timing assertions here: the benchmark measures, tests check what it computes.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import pytest

from journal.catalogue import check_in_symptoms, post_session_symptoms
from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    Share,
    ShareEvent,
    SymptomRating,
    TreatmentSession,
    TriageStanding,
    User,
)
from journal.services.entries import reflag_entry, reflag_questionnaire, reflag_readings
from tools.bench import budgets
from tools.bench.accounts import DOMAIN, BenchAccounts
from tools.bench.forms import fill_report_form
from tools.bench.generator import generate
from tools.bench.httpload import parse_html
from tools.bench.stats import (
    FAIL,
    NOT_MEASURED,
    PASS,
    Sample,
    budget_max,
    budget_min,
    median,
    percentile,
    ratio,
)

END = datetime(2026, 3, 1, tzinfo=UTC)


def _flag_rows() -> set[tuple]:
    return {
        (
            f.kind,
            f.category,
            f.severity,
            f.raised_at,
            repr(sorted(f.detail.items())),
            f.report_id,
            f.checkin_id,
            f.reading_id,
            f.questionnaire_id,
        )
        for f in Flag.objects.all()
    }


def _snapshot() -> list[tuple]:
    """Everything generated, without primary keys."""
    return [
        *TreatmentSession.objects.order_by("started_at", "route").values_list(
            "patient__email", "started_at", "route", "dose_mg"
        ),
        *CheckIn.objects.order_by("recorded_at", "mood").values_list(
            "patient__email", "recorded_at", "mood", "anxiety", "pain"
        ),
        *BloodPressureReading.objects.order_by("measured_at", "systolic").values_list(
            "measured_at", "context", "systolic", "diastolic", "pulse"
        ),
        *QuestionnaireResponse.objects.order_by("completed_at", "instrument").values_list(
            "instrument", "answers", "total", "band"
        ),
        *Flag.objects.order_by("raised_at", "kind").values_list("kind", "raised_at", "severity"),
    ]


@pytest.mark.django_db
def test_generator_produces_a_year_of_the_promised_shape() -> None:
    counts = generate(patients=1, days=365, triage=2, triage_days=14, pool=5, seed=3, end=END)
    patient = User.objects.get(email=BenchAccounts.patient_email(1))
    sessions = TreatmentSession.objects.filter(patient=patient)
    # A session every 3–10 days over a year.
    assert 365 // 10 <= sessions.count() <= 365 // 3 + 1
    for session in sessions.prefetch_related("report__ratings", "readings"):
        report = session.report
        # Every side effect of the route is rated; yes/no follow-ups are left unanswered.
        assert {r.code for r in report.ratings.all()} == {
            s.code for s in post_session_symptoms(session.route) if s.is_severity
        }
        assert 1 <= session.readings.count() <= 3
        assert all(r.report_id == report.pk for r in session.readings.all())
    checkins = CheckIn.objects.filter(patient=patient)
    days = {c.recorded_at.astimezone(patient.zone).date() for c in checkins}
    assert len(days) == 365 and 365 <= checkins.count() <= 3 * 365
    per_checkin = SymptomRating.objects.filter(checkin__patient=patient).count()
    assert per_checkin == checkins.count() * len([s for s in check_in_symptoms() if s.is_severity])
    questionnaires = QuestionnaireResponse.objects.filter(patient=patient)
    assert questionnaires.filter(instrument="phq9").count() == 365 // 14
    assert questionnaires.filter(instrument="gad7").count() == 365 // 14
    # Most patients share with provider 1; the measured patient always does; triage patients
    # share with the triage provider; every share has its "granted" event.
    assert Share.objects.filter(
        patient=patient, provider__email=BenchAccounts.provider_email
    ).exists()
    assert Share.objects.filter(provider__email=BenchAccounts.triage_provider_email).count() == 2
    assert ShareEvent.objects.filter(action="granted").count() == Share.objects.count()
    # Report-less sessions for the submit load.
    submitter = User.objects.get(email=BenchAccounts.submitter_email)
    assert TreatmentSession.objects.filter(patient=submitter, report__isnull=True).count() == 5
    assert counts["User"] == User.objects.filter(email__endswith=f"@{DOMAIN}").count() == 7
    assert sum(counts.values()) > 3000
    assert not TreatmentSession.objects.filter(started_at__gt=END).exists()


@pytest.mark.django_db
def test_generated_flags_are_exactly_what_the_services_would_store() -> None:
    generate(patients=1, days=365, seed=3, end=END)
    alarming = BloodPressureReading.objects.filter(
        systolic__gte=180
    ) | BloodPressureReading.objects.filter(diastolic__gte=120)
    assert alarming.exists(), "seed 3 should include at least one alarming reading"
    for reading in alarming:
        assert reading.flags.filter(kind="severe_bp").exists()
    kinds = set(Flag.objects.values_list("kind", flat=True))
    assert {"severe_bp", "severe_side_effect"} <= kinds
    before = _flag_rows()
    t = ClinicSettings.load_thresholds()
    for session in TreatmentSession.objects.all():
        reflag_readings(t, session=session)
    for obj in [*PostSessionReport.objects.all(), *CheckIn.objects.all()]:
        reflag_entry(obj, t)
    for response in QuestionnaireResponse.objects.all():
        reflag_questionnaire(response, t)
    assert _flag_rows() == before


@pytest.mark.django_db
def test_generated_triage_standings_equal_a_recount() -> None:
    """The triage list ranks from the standings, so the generator keeps them as the services do."""
    from tests.test_triage_standing import assert_every_standing_true

    counts = generate(patients=2, days=60, triage=3, triage_days=14, seed=3, end=END)
    assert counts["TriageStanding"] == TriageStanding.objects.count() > 0
    assert_every_standing_true()


@pytest.mark.django_db
def test_generator_is_deterministic_for_a_seed_and_refuses_to_run_twice() -> None:
    generate(patients=1, days=30, triage=1, seed=7, end=END)
    first = _snapshot()
    with pytest.raises(ValueError, match="already exists"):
        generate(patients=1, days=30, seed=7, end=END)
    User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    generate(patients=1, days=30, triage=1, seed=7, end=END)
    assert _snapshot() == first
    User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    generate(patients=1, days=30, triage=1, seed=8, end=END)
    assert _snapshot() != first


@pytest.mark.django_db
def test_benchmark_providers_get_a_confirmed_authenticator() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    generate(patients=1, days=3, seed=1, end=END)
    devices = TOTPDevice.objects.filter(user__email__endswith=f"@{DOMAIN}", confirmed=True)
    assert {d.user.email for d in devices} == {
        BenchAccounts.provider_email,
        BenchAccounts.second_provider_email,
        BenchAccounts.triage_provider_email,
    }
    assert User.objects.get(email=BenchAccounts.patient_email(1)).check_password(
        BenchAccounts.password
    )


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 90) == 46
    assert percentile([10, 20, 30, 40, 50], 0) == 10
    assert percentile([10, 20, 30, 40, 50], 100) == 50
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert median([7]) == 7
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_samples_report_throughput_and_latency_in_milliseconds() -> None:
    sample = Sample(latencies=[0.010, 0.020, 0.030, 0.040], wall_seconds=2.0, errors=1)
    assert sample.count == 4
    assert sample.rps == 2.0
    assert sample.p50_ms == pytest.approx(25.0)
    assert sample.p99_ms == pytest.approx(39.7)
    assert math.isnan(Sample().rps)


def test_ratios_and_budget_verdicts() -> None:
    assert ratio(30, 60) == 0.5
    assert ratio(1, 0) is None and ratio(None, 3) is None and ratio(math.nan, 3) is None
    assert budget_min("t", 0.5, 0.5).status == PASS
    assert budget_min("t", 0.49, 0.5).status == FAIL
    assert budget_max("q", 10, 10).status == PASS
    assert budget_max("q", 11, 10).status == FAIL
    assert budget_max("q", None, 10).status == NOT_MEASURED
    assert budget_max("r", 40, 40, unit="ms").describe() == "≤ 40 ms"


def _levels(**by_c: tuple[float, float]) -> dict:
    return {
        "levels": {
            c.lstrip("c"): {"count": 10, "rps": r, "p50_ms": p} for c, (r, p) in by_c.items()
        }
    }


def test_budgets_compare_figures_of_the_same_run() -> None:
    figures = {
        "reference": _levels(c1=(120, 8), c4=(240, 16)),
        "list": _levels(c1=(100, 10), c4=(200, 20)),  # 100 / 120 = 0.83 → PASS
        "home": _levels(c1=(70, 14), c4=(150, 26)),  # 70 / 100 = 0.7 → FAIL
        "dashboard": _levels(c1=(60, 16), c4=(90, 40)),  # 0.6 → PASS; scaling 1.5 → FAIL
        "submit": _levels(c1=(39, 20), c4=(81, 45)),  # 0.39 → FAIL
        "triage": _levels(c1=(40, 20), c4=(60, 60)),  # p50 20 / 10 = 2.0 → PASS
        "pdf_cold": {"path": "/export/summary.pdf", "p50_ms": 90.0},  # reported, no budget
    }
    verdicts = {
        v.name: v
        for v in budgets.evaluate(
            figures, {"triage": 11, "triage2000": 9}, {"mood": 39.0, "bp": 41.0}, [120.0, 251.0]
        )
    }
    ref = verdicts["50-row list / plain Django reference (req/s at c=1)"]
    assert ref.measured == pytest.approx(100 / 120) and ref.status == PASS
    assert verdicts["Patient home / list (req/s at c=1)"].status == FAIL
    assert verdicts["Warm dashboard / list (req/s at c=1)"].status == PASS
    assert verdicts["Report submit / list (req/s at c=1)"].status == FAIL
    assert verdicts["Provider patient summary (warm) / list (req/s at c=1)"].status == NOT_MEASURED
    assert verdicts["Triage (500 patients) p50 / list p50"].measured == pytest.approx(2.0)
    assert verdicts["Triage (500 patients) p50 / list p50"].status == PASS
    assert verdicts["Triage list queries (500 patients)"].status == FAIL
    assert verdicts["Triage list queries (2,000 patients)"].status == PASS
    assert verdicts["Triage (2,000 patients) p50 / list p50"].status == NOT_MEASURED
    assert verdicts["Throughput c=4 / c=1: list"].measured == pytest.approx(2.0)
    assert verdicts["Throughput c=4 / c=1: dashboard"].status == FAIL
    assert "Throughput c=4 / c=1: submit" not in verdicts
    assert not [name for name in verdicts if "pdf_cold" in name]
    assert verdicts["Cold chart render, median in-process (slowest chart)"].measured == 41.0
    assert verdicts["Largest gunicorn worker RSS after the run"].status == FAIL
    large = {"list": _levels(c1=(50, 12.1)), "triage": _levels(c1=(30, 23))}
    verdicts = {v.name: v for v in budgets.evaluate(figures, {}, {}, [], large)}
    assert verdicts["Large / small p50: list"].measured == pytest.approx(1.21)
    assert verdicts["Large / small p50: list"].status == FAIL
    assert verdicts["Large / small p50: triage"].status == PASS
    assert verdicts["Large / small p50: dashboard"].status == NOT_MEASURED


def test_the_reference_page_lists_the_same_fifty_check_ins_as_the_list(patient) -> None:
    from django.test import override_settings

    from journal import services
    from tests.conftest import client_for

    for i in range(55):
        services.log_checkin(
            patient=patient,
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i),
            mood=i % 11,
        )
    with override_settings(ROOT_URLCONF="tools.bench.urls"):
        anonymous = client_for(None).get("/_bench/reference/")
        assert anonymous.status_code == 302  # signed in only, as every page
        page = client_for(patient).get("/_bench/reference/").content.decode()
        listed = client_for(patient).get("/check-ins/").content.decode()
    ids = re.findall(r'href="/check-ins/(\d+)/"', page)
    assert len(ids) == 50
    assert ids == re.findall(r'href="/check-ins/(\d+)/"', listed)[:50]
    assert "<nav" not in page and "{%" not in page


def test_report_form_is_filled_like_a_person_would() -> None:
    html = """
    <form method="post" action="/sessions/9/report/">
      <input type="hidden" name="csrfmiddlewaretoken" value="abc">
      <input type="date" name="reported_at_0" value="2026-03-01">
      <input type="radio" name="mood" value="0"><input type="radio" name="mood" value="6">
      <input type="radio" name="sym_nausea" value="0">
      <input type="radio" name="sym_nausea" value="1">
      <input type="radio" name="overall_bother" value="0" checked>
      <input type="radio" name="overall_bother" value="1">
      <input type="checkbox" name="note_shareable">
      <textarea name="note">hi</textarea>
      <input type="hidden" name="readings-TOTAL_FORMS" value="3">
      <select name="readings-0-context"><option value="before" selected>B</option></select>
      <input type="number" name="readings-0-systolic">
      <input type="number" name="readings-0-diastolic">
      <input type="number" name="readings-1-systolic">
      <input type="number" name="readings-1-diastolic">
      <input type="number" name="readings-2-systolic">
      <button type="submit" name="go">Save</button>
    </form>"""
    (form,) = parse_html(html).forms
    fields, ratings = fill_report_form(form)
    assert ratings == 2  # nausea and overall bother; mood is not a rating
    assert fields["mood"] == "6" and fields["sym_nausea"] == "1" and fields["overall_bother"] == "1"
    assert fields["csrfmiddlewaretoken"] == "abc" and fields["note"] == "hi"
    assert fields["readings-0-systolic"] == "128" and fields["readings-1-diastolic"] == "88"
    assert fields["readings-TOTAL_FORMS"] == "2" and "readings-2-systolic" not in fields
    assert "note_shareable" not in fields and "go" not in fields
    assert form.action == "/sessions/9/report/"


def test_transaction_control_is_not_counted_as_a_query() -> None:
    from tools.bench.plan import data_statements

    captured = [
        {"sql": "BEGIN IMMEDIATE", "time": "0"},
        {"sql": 'SELECT chain_hash FROM "journal_accessevent"', "time": "0"},
        {"sql": ' INSERT INTO "journal_accessevent" ("at") VALUES (1)', "time": "0"},
        {"sql": 'SAVEPOINT "s1"', "time": "0"},
        {"sql": 'RELEASE SAVEPOINT "s1"', "time": "0"},
        {"sql": "COMMIT", "time": "0"},
        {"sql": "ROLLBACK", "time": "0"},
        {"sql": "select 1", "time": "0"},
    ]
    assert data_statements(captured) == 3


@pytest.mark.django_db
def test_the_wide_triage_provider_sees_the_triage_patients_and_more() -> None:
    generate(patients=1, days=3, triage=2, triage_wide=5, seed=1, end=END)
    narrow = Share.objects.filter(provider__email=BenchAccounts.triage_provider_email)
    wide = Share.objects.filter(provider__email=BenchAccounts.wide_triage_provider_email)
    assert narrow.count() == 2 and wide.count() == 5
    assert set(narrow.values_list("patient", flat=True)) < set(
        wide.values_list("patient", flat=True)
    )


def test_the_report_gives_cold_pages_next_to_their_warm_cost() -> None:
    from tools.bench.report import extras_table

    result = {
        "figures": {
            "pdf": _levels(c1=(20, 50)),
            "pdf_cold": {"path": "/export/summary.pdf", "p50_ms": 180.0},
        },
        "plan": {"chart_render_ms": {}},
        "worker_rss_mb": [150.0],
    }
    table = extras_table(result)
    row = "PDF summary with an empty cache (charts drawn), p50 of 5 | 180.0 ms"
    assert f"{row} (warm p50 at c=1: 50 ms)" in table
    assert "Provider patient summary with an empty cache" not in table


@pytest.mark.django_db
def test_dispatch_is_measured_per_notification_and_leaves_nothing_behind(personas) -> None:
    from journal.models import Notification
    from tools.bench.dispatch import measure_dispatch

    before = Notification.objects.count()
    found = measure_dispatch((20, 60))
    assert set(found) == {"20", "60"}
    for size, figures in found.items():
        # Every reminder sent by email (none skipped as done), with its cost per notification.
        assert figures["sent"] == figures["mails"] == int(size)
        assert figures["queries_per_notification"] > 0 and figures["ms_per_notification"] > 0
    assert Notification.objects.count() == before


def test_dispatch_budgets_compare_the_largest_size_with_the_smallest() -> None:
    def at(queries: float, ms: float) -> dict:
        return {"queries_per_notification": queries, "ms_per_notification": ms}

    flat = budgets.dispatch_verdicts({"1000": at(4.0, 2.0), "10000": at(4.1, 2.2)})
    assert [v.status for v in flat] == [PASS, PASS]
    assert flat[0].name == "Dispatch queries per notification, 10,000 / 1,000 reminders"
    growing = budgets.dispatch_verdicts({"1000": at(4.0, 2.0), "10000": at(5.0, 2.6)})
    assert [v.status for v in growing] == [FAIL, FAIL]
    assert [v.status for v in budgets.dispatch_verdicts({})] == [NOT_MEASURED, NOT_MEASURED]


def test_budgets_take_the_interleaved_medians_when_the_pair_was_measured() -> None:
    figures = {
        "reference": _levels(c1=(200, 5), c4=(400, 10)),
        # Its own run alone says 100 / 200 = 0.5 (FAIL); interleaved, 8 / 10 = 0.8 (PASS).
        "list": _levels(c1=(100, 10), c4=(200, 20)),
        "triage": _levels(c1=(50, 15), c4=(100, 30)),  # own runs: 15 / 10 = 1.5
        budgets.PAIRED: {
            "list/reference": {"list": 10.0, "reference": 8.0, "rounds": 300},
            "triage/list": {"triage": 25.0, "list": 10.0, "rounds": 150},
        },
    }
    verdicts = {v.name: v for v in budgets.evaluate(figures, {}, {}, [])}
    ref = verdicts["50-row list / plain Django reference (interleaved, p50 at c=1)"]
    assert ref.measured == pytest.approx(0.8) and ref.status == PASS
    triage = verdicts["Triage (500 patients) p50 / list p50 (interleaved)"]
    assert triage.measured == pytest.approx(2.5) and triage.status == FAIL
    # Pairs not measured interleaved keep the ratio of their own runs.
    assert "Patient home / list (req/s at c=1)" in verdicts
    assert "Triage (2,000 patients) p50 / list p50" in verdicts
    assert not [name for name in verdicts if budgets.PAIRED in name]
    assert ("submit", "list") not in budgets.PAIRS
    assert {("triage", "list"), ("triage2000", "list"), ("summary", "list")} <= set(budgets.PAIRS)


def test_interleaved_load_alternates_the_pages_and_counts_only_ok_answers() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tools.bench.httpload import run_interleaved

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append(self.path)
            status = 404 if self.path == "/missing/" else 200
            body = b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        a, b = run_interleaved("127.0.0.1", port, [({}, "/a/"), ({}, "/b/")], 0.3)
        missing, ok = run_interleaved("127.0.0.1", port, [({}, "/missing/"), ({}, "/a/")], 0.1)
    finally:
        server.shutdown()
        server.server_close()
    assert a.count >= 4 and abs(a.count - b.count) <= 1 and a.errors == b.errors == 0
    pairs = seen[: 2 * min(a.count, b.count)]
    # A B, B A, A B, …: each page goes first every other round.
    assert pairs[:4] == ["/a/", "/b/", "/b/", "/a/"]
    assert missing.count == 0 and missing.errors > 0 and missing.statuses == {404: missing.errors}
    assert ok.count > 0 and ok.errors == 0


def test_a_sample_records_expected_answers_as_latencies_and_the_rest_as_errors() -> None:
    one, other = Sample(), Sample()
    one.record(200, 0.01)
    one.record(500, 0.02)
    other.record(302, 0.03, expect=(302,))
    other.errors += 1  # a connection lost before any answer
    one.add(other)
    assert one.latencies == [0.01, 0.03] and one.errors == 2
    assert one.statuses == {200: 1, 500: 1, 302: 1}
