"""A post-session report is written in a fixed number of queries, whatever the number of
ratings: ratings in one INSERT, no read-back of what was just written, no look-up of the rows
the request already holds (the patient, the session, the audit actor)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journal import services
from journal.catalogue import post_session_symptoms
from journal.models import ClinicSettings, Flag, PostSessionReport, TriageStanding
from journal.services.journal import ReadingInput

pytestmark = pytest.mark.django_db

# Inside the transaction: the report's uniqueness check and INSERT, ratings, two readings,
# thresholds, mood history (check-ins, reports), the report's flags (read, write), the session's
# readings and their flags (read, write), the patient's shares for the triage standings (one
# recount for both sets of flags; no share: nothing more to count), the audit chain's head and
# row. (20 before the session, the ratings just written, the patient's zone and the audit
# actor and subject were no longer read back.)
REPORT_QUERIES = 16


def _data_statements(ctx: CaptureQueriesContext) -> list[str]:
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return [
        q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith(control)
    ]


def _submit(patient, ratings: dict[str, int], hours_ago: float) -> list[str]:
    started = timezone.now() - timedelta(hours=hours_ago)
    session = services.log_session(patient=patient, started_at=started, route="intranasal")
    with CaptureQueriesContext(connection) as ctx:
        services.submit_report(
            patient=patient,
            session=session,
            reported_at=started + timedelta(hours=3),
            mood=1,  # flags (very low mood): the flag path is part of the count
            ratings=ratings,
            readings=[
                ReadingInput(None, 150, 95, "before"),
                ReadingInput(None, 160, 100, "after40"),
            ],
        )
    assert PostSessionReport.objects.filter(session=session).exists()
    return _data_statements(ctx)


def test_a_report_costs_the_same_few_queries_with_one_rating_or_all_of_them(personas) -> None:
    ClinicSettings.load()
    codes = [s.code for s in post_session_symptoms("intranasal")]
    assert len(codes) >= 13
    # Two patients in the same state (a first report each), one rating against all of them.
    one = _submit(personas.patient, {codes[0]: 0}, hours_ago=6)
    every = _submit(personas.other_patient, dict.fromkeys(codes, 0), hours_ago=6)
    assert len(one) == len(every) == REPORT_QUERIES, "\n".join(every)
    # Nothing just written is read back, and no user row is looked up again.
    assert not any('FROM "journal_symptomrating"' in sql for sql in every)
    assert not any('FROM "journal_user"' in sql for sql in every)
    assert Flag.objects.filter(patient=personas.other_patient).exists()


def test_a_report_of_a_sharing_patient_recounts_the_standings_once(personas) -> None:
    """Both sets of flags a report raises (its own and its readings') are recounted together:
    one read of the open flags and one rewrite, not one per set."""
    services.grant_share(
        patient=personas.patient, provider=personas.provider, categories=["mood", "blood_pressure"]
    )
    codes = [s.code for s in post_session_symptoms("intranasal")]
    queries = _submit(personas.patient, {codes[0]: 0}, hours_ago=6)
    assert len(queries) == REPORT_QUERIES + 3, "\n".join(queries)
    assert sum('FROM "journal_share"' in sql for sql in queries) == 1
    standing = TriageStanding.objects.get(share__patient=personas.patient)
    # Very low mood and the before-dose reading: both flags counted in the one recount.
    assert standing.open_count == 2
