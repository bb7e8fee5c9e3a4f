"""The load test's checker, in process: real forms and views, then planted faults it must find."""

from __future__ import annotations

import random

import pytest
from django.test import Client

from journal import services
from journal.models import BloodPressureReading, CheckIn, SymptomRating
from tests.conftest import client_for
from tools.bench.httpload import Response
from tools.loadtest import driver
from tools.loadtest.checker import load_state, verify
from tools.loadtest.ledger import ACKNOWLEDGED, NOT_SAVED, Ledger, Write

pytestmark = pytest.mark.django_db


class ClientShim:
    """The load test's HTTP client interface over Django's test client."""

    host, port = "testserver", 80

    def __init__(self, client: Client) -> None:
        self.client, self.cookies = client, {}

    @staticmethod
    def _response(r) -> Response:
        return Response(r.status_code, {"location": r.get("Location", "")}, r.content)

    def get(self, path: str) -> Response:
        return self._response(self.client.get(path))

    def post(self, path: str, fields: dict) -> Response:
        return self._response(self.client.post(path, fields))

    def close(self) -> None:
        pass


@pytest.fixture
def scenario(patient, monkeypatch) -> tuple[Ledger, list[str]]:
    """A patient writes through the real forms: sessions, reports with readings, check-ins,
    edits, and a replayed submission; the ledger records what the views acknowledged."""
    monkeypatch.setattr(driver, "DOUBLE_TAP", 0.0)  # a double tap needs a second real socket
    monkeypatch.setattr(driver.time, "sleep", lambda seconds: None)
    ledger = Ledger()
    p = driver.Patient(
        email=patient.email,
        tag="LTtest-p1",
        client=ClientShim(client_for(patient)),  # type: ignore[arg-type]
        ledger=ledger,
        stats=driver.Stats(),
        rng=random.Random(7),
        deadline=0,
    )
    for _ in range(3):
        p.new_session()
    for _ in range(3):
        p.new_report()
    p.new_checkin()
    p.new_checkin()
    monkeypatch.setattr(driver, "REPLAY", 1.0)
    for _ in range(4):
        p.edit_entry()
    assert not p.stats.errors, p.stats.samples
    return ledger, [patient.email]


def _verdict(ledger: Ledger, emails: list[str]):
    return verify(ledger, load_state(emails))


def _only(verdict, counter: str, expected: int = 1) -> None:
    assert not verdict.ok
    assert verdict.counts[counter] == expected, verdict.problems
    others = {k: v for k, v in verdict.counts.items() if k != counter and v}
    assert not others, verdict.problems


def _acknowledged(ledger: Ledger, entry: str, *, edit: bool = False) -> Write:
    return next(
        w
        for w in ledger.writes
        if w.entry == entry and w.outcome == ACKNOWLEDGED and w.is_edit == edit
    )


def test_writes_acknowledged_through_the_real_forms_pass_the_check(scenario):
    ledger, emails = scenario
    verdict = _verdict(ledger, emails)
    assert verdict.ok, verdict.problems
    assert all(w.outcome == ACKNOWLEDGED for w in ledger.writes)
    assert verdict.checked["acknowledged_new"] == 8
    assert verdict.checked["acknowledged_edits"] == 4
    assert verdict.checked["replays"] >= 4
    # Every replay of an acknowledged form was answered with the same record.
    replayed = [w for w in ledger.writes if w.replayed]
    assert all(len(w.locations) == 2 and len(set(w.locations)) == 1 for w in replayed)
    reports = [w for w in ledger.writes if w.entry == "report" and not w.is_edit]
    assert any(w.expected["readings"] for w in reports), "a report with readings was checked"
    assert all(w.expected["ratings"] for w in reports)


def test_the_checker_finds_a_planted_duplicate(scenario, patient):
    ledger, emails = scenario
    original = CheckIn.objects.filter(version=1).first()
    services.log_checkin(
        patient=patient,
        recorded_at=original.recorded_at,
        mood=original.mood,
        anxiety=original.anxiety,
        pain=original.pain,
        ratings={r.code: r.severity for r in original.ratings.all()},
        note=original.note,
        note_shareable=original.note_shareable,
    )
    _only(_verdict(ledger, emails), "duplicated")


def test_the_checker_finds_a_planted_missing_record(scenario, patient):
    ledger, emails = scenario
    edited = {w.edit_of for w in ledger.writes if w.is_edit and w.entry == "checkin"}
    victim = CheckIn.objects.exclude(pk__in=edited).first()
    CheckIn.objects.filter(pk=victim.pk).delete()
    _only(_verdict(ledger, emails), "lost")


def test_the_checker_finds_a_report_missing_one_rating(scenario):
    ledger, emails = scenario
    SymptomRating.objects.filter(report__isnull=False).first().delete()
    verdict = _verdict(ledger, emails)
    assert verdict.counts["partial"] >= 1 or verdict.counts["mismatched"] >= 1, verdict.problems
    assert not verdict.ok


def test_the_checker_finds_a_report_missing_one_reading(scenario):
    ledger, emails = scenario
    BloodPressureReading.objects.filter(report__isnull=False).first().delete()
    _only(_verdict(ledger, emails), "partial")


def test_the_checker_finds_a_value_not_stored_as_entered(scenario):
    ledger, emails = scenario
    write = _acknowledged(ledger, "session")
    write.expected = {
        **write.expected,
        "route": "other" if write.expected["route"] != "other" else "iv",
    }
    _only(_verdict(ledger, emails), "mismatched")


def test_the_checker_finds_an_acknowledged_edit_that_is_not_stored(scenario):
    ledger, emails = scenario
    applied = _acknowledged(ledger, ledger.writes[-1].entry, edit=True)
    ledger.add(
        Write(
            key="LTtest-p1-e99999",
            entry=applied.entry,
            patient=applied.patient,
            expected=applied.expected,
            edit_of=applied.edit_of,
            base_version=(applied.base_version or 0) + 1,
            outcome=ACKNOWLEDGED,
            locations=applied.locations,
        )
    )
    _only(_verdict(ledger, emails), "edits_lost")


def test_the_checker_finds_a_write_saved_after_the_server_said_not_saved(scenario):
    ledger, emails = scenario
    _acknowledged(ledger, "checkin").outcome = NOT_SAVED
    _only(_verdict(ledger, emails), "saved_but_reported_not_saved")


def test_the_checker_finds_a_record_nobody_sent(scenario, patient):
    ledger, emails = scenario
    services.log_checkin(
        patient=patient, recorded_at=CheckIn.objects.first().recorded_at, mood=3, note="stray"
    )
    _only(_verdict(ledger, emails), "unexpected_records")


def test_lost_connections_and_answers_are_classified_for_the_report():
    import http.client

    assert driver.exception_kind(http.client.RemoteDisconnected()).startswith("connection closed")
    assert driver.exception_kind(ConnectionResetError()).startswith("connection reset")
    assert driver.classify(Response(302, {"location": "/sessions/12/"}, b"")) == "ack"
    assert driver.classify(Response(302, {"location": "/login/?next=/x/"}, b"")) == "302 log-in"
    assert driver.classify(Response(503, {}, b"<strong>Not confirmed.</strong>")) == (
        "503 not confirmed"
    )
    assert driver.classify(Response(503, {}, b"Nothing was saved.")) == "503 not saved"
    assert driver.classify(Response(409, {}, b"")) == "409 conflict"
