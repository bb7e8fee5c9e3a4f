"""Queries compiled once per shape (`journal.reads.shaped`): the stored SQL, run with new values,
gives exactly the rows the ORM gives for those values, for the triage facts and the outcome
courses too; a shape whose values do not all reach the SQL falls back to the ORM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, Max, Sum
from django.db.models.functions import Length
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journal import permissions, services
from journal.models import Flag, Role, Share, User
from journal.reads import outcomes as outcome_reads
from journal.reads import provider as provider_reads
from journal.reads import shaped
from journal.reads import triage as triage_reads
from tests.conftest import enroll
from tests.test_provider import ALL, severe_reading

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_shapes():
    shaped._local.compiled = {}
    yield
    shaped._local.compiled = {}


def _joined_since(values):
    return User.objects.filter(pk__in=values[:2], date_joined__gte=values[2]).values("pk", "email")


SENTINELS = [-1, -2, datetime(1901, 1, 1, tzinfo=UTC)]


def test_a_shape_is_compiled_once_and_each_call_gets_its_own_rows(personas) -> None:
    users = list(User.objects.order_by("pk")[:4])
    long_ago = timezone.now() - timedelta(days=3650)
    calls = [
        [users[0].pk, users[1].pk, long_ago],
        [users[2].pk, users[3].pk, long_ago],
        [users[0].pk, users[3].pk, timezone.now() + timedelta(days=1)],  # nobody joined since
    ]
    with mock.patch.object(shaped, "_compile", wraps=shaped._compile) as compile_:
        for values in calls:
            with CaptureQueriesContext(connection) as ctx:
                got = shaped.shaped_values(User, "joined", _joined_since, values, SENTINELS)
            assert len(ctx.captured_queries) == 1
            assert sorted(got, key=repr) == sorted(_joined_since(values), key=repr)
    assert compile_.call_count == 1
    assert [
        len(shaped.shaped_values(User, "joined", _joined_since, v, SENTINELS)) for v in calls
    ] == [
        2,
        2,
        0,
    ]


def test_a_shape_whose_values_do_not_all_reach_the_sql_runs_through_the_orm(personas) -> None:
    first = User.objects.order_by("pk").first()
    assert first is not None

    def only_the_first(values):  # the instant never reaches the SQL
        return User.objects.filter(pk=values[0]).values("pk")

    compiled = shaped._compile(only_the_first, [-1, SENTINELS[2]], "default")
    assert compiled.compiler is None
    got = shaped.shaped_values(
        User, "first", only_the_first, [first.pk, timezone.now()], [-1, SENTINELS[2]]
    )
    assert got == [{"pk": first.pk}]


def _sharing(provider, n: int, starts_on):
    patient = enroll(f"shape{n}@clinic.test", Role.PATIENT, f"Shape {n}")
    share = services.grant_share(
        patient=patient, provider=provider, categories=ALL, starts_on=starts_on
    )
    return patient, share


def test_triage_facts_keep_each_shares_own_start_when_the_shape_repeats(provider) -> None:
    """Two lists of the same shape (three shares, two with one start) whose shares sit in
    different places: each share gets its own window, as the ORM computes it."""
    today = None
    rows = []
    for n in range(6):
        # Shares 0, 2 and 4, 5 start today; 1 and 3 show everything.
        patient, share = _sharing(provider, n, None)
        today = today or permissions.patient_today(patient)
        if n in (0, 2, 4, 5):
            share.starts_on = today
            share.save(update_fields=["starts_on"])
        # A flag from three days ago: before a start of today, so only the open shares show it.
        severe_reading(patient, hours_ago=72)
        rows.append(share)
    shares = [Share.objects.select_related("patient").get(pk=s.pk) for s in rows]
    first, second = [shares[0], shares[1], shares[2]], [shares[3], shares[4], shares[5]]
    for group in (first, second, first):
        facts = provider_reads._facts(group, None)
        shown = {pk for pk, row in facts.items() if row["top_flag_id"] is not None}
        assert shown == {s.pk for s in group if s.starts_on is None}
        starts = [permissions.share_scope(s).window_start for s in group]
        assert sum(1 for s in starts if s is not None) == 2
    assert len(shaped._local.compiled) == 1


def test_outcome_courses_match_the_orm_for_windows_of_the_same_shape(provider) -> None:
    patients = [enroll(f"course{n}@clinic.test", Role.PATIENT, f"Course {n}") for n in range(4)]
    now = timezone.now()
    for n, patient in enumerate(patients):
        services.log_session(patient=patient, started_at=now - timedelta(days=10 + n), route="iv")
        services.submit_questionnaire(
            patient=patient,
            instrument="phq9",
            answers=[n % 4] * 9,
            completed_at=now - timedelta(days=5 + n),
        )
    start = now - timedelta(days=11, hours=12)  # after the sessions of 0 and 1, not of 2 and 3
    for windows in (
        {patients[0].pk: None, patients[1].pk: start},
        {patients[2].pk: None, patients[3].pk: start},
        {patients[3].pk: None, patients[0].pk: start},
    ):
        got = outcome_reads.courses(windows)
        whole = [pid for pid, s in windows.items() if s is None]
        values = [*whole, *[x for pid, s in windows.items() if s is not None for x in (pid, s)]]
        plain = list(outcome_reads._courses_query(values, outcome_reads.INSTRUMENTS, len(whole)))
        assert {(pid, len(v)) for pid, v in got.starts.items()} == {
            (r[1], sum(1 for q in plain if q[0] == "s" and q[1] == r[1]))
            for r in plain
            if r[0] == "s"
        }
        assert sorted((k, [s.id for s in v]) for k, v in got.scores.items()) == sorted(
            ((r[1], r[5]), [r[2]]) for r in plain if r[0] == "q"
        )
        assert got.partial == {r[1] for r in plain if r[0] == "p"}
    assert len(shaped._local.compiled) == 1


def test_the_triage_flags_fingerprint_is_the_orm_aggregate_in_one_query(provider, personas) -> None:
    patient, _ = _sharing(provider, 1, None)
    severe_reading(patient, hours_ago=2)
    for who in (provider, personas.provider_without_share, provider):
        expected = tuple(
            Flag.objects.filter(patient__in=Share.objects.filter(provider=who).values("patient"))
            .aggregate(
                n=Count("pk"),
                top=Max("pk"),
                acked=Count("acknowledged_at"),
                acked_at=Max("acknowledged_at"),
                severity=Sum("severity"),
                categories=Sum(Length("category")),
                kinds=Sum(Length("kind")),
                raised=Sum(triage_reads._Epoch("raised_at")),
            )
            .values()
        )
        with CaptureQueriesContext(connection) as ctx:
            assert triage_reads.flags_version(who) == expected
        assert len(ctx.captured_queries) == 1
    assert triage_reads.flags_version(provider)[0] == 1
