"""Demo journal history: plausible, complete and deterministic."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from journal import outcomes, permissions
from journal.demo import answers_for, seed_patient_history
from journal.models import (
    BloodPressureReading,
    CheckIn,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    Role,
    Share,
    TreatmentSession,
    User,
)

pytestmark = pytest.mark.django_db


def _snapshot(user) -> list[tuple]:
    return [
        *CheckIn.objects.filter(patient=user).values_list("recorded_at", "mood", "note"),
        *BloodPressureReading.objects.filter(patient=user).values_list(
            "measured_at", "systolic", "diastolic"
        ),
        *QuestionnaireResponse.objects.filter(patient=user).values_list("instrument", "total"),
    ]


def test_demo_history_covers_about_ninety_days_of_every_kind(patient) -> None:
    now = timezone.now()
    seed_patient_history(patient, now=now)
    sessions = TreatmentSession.objects.filter(patient=patient)
    assert 14 <= sessions.count() <= 20
    assert PostSessionReport.objects.filter(patient=patient).count() == sessions.count()
    first = sessions.order_by("started_at").first().started_at
    assert now - first > dt.timedelta(days=80)
    checkins = CheckIn.objects.filter(patient=patient)
    assert 90 <= checkins.count() <= 180
    assert QuestionnaireResponse.objects.filter(instrument="phq9").count() >= 5
    assert QuestionnaireResponse.objects.filter(instrument="gad7").count() >= 5
    assert BloodPressureReading.objects.filter(systolic=185, diastolic=121).count() == 1
    assert Flag.objects.filter(patient=patient, kind="severe_bp").exists()
    assert not checkins.filter(recorded_at__gt=now).exists()


def test_demo_history_is_deterministic(patient) -> None:
    now = timezone.now()
    seed_patient_history(patient, now=now)
    first = _snapshot(patient)
    TreatmentSession.objects.filter(patient=patient).delete()
    CheckIn.objects.filter(patient=patient).delete()
    BloodPressureReading.objects.filter(patient=patient).delete()
    QuestionnaireResponse.objects.filter(patient=patient).delete()
    seed_patient_history(patient, now=now)
    assert _snapshot(patient) == first


def test_demo_answers_add_up_to_the_total_within_item_limits() -> None:
    rng = random.Random(1)
    for total in (0, 3, 17, 24):
        answers = answers_for(rng, total, 9, fixed_zero=1)
        assert sum(answers) == total and all(0 <= a <= 3 for a in answers) and answers[8] == 0
    with pytest.raises(ValueError):
        answers_for(rng, 25, 9, fixed_zero=1)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, TreatmentSession, CheckIn, QuestionnaireResponse, Share)
    }


def _outcome(patient: User, instrument: str) -> outcomes.Outcome:
    starts = TreatmentSession.objects.filter(patient=patient).values_list("started_at", flat=True)
    scores = [
        outcomes.ScoreInput(q.id, q.completed_at, q.total)
        for q in QuestionnaireResponse.objects.filter(patient=patient, instrument=instrument)
    ]
    return outcomes.outcome(instrument, scores, list(starts))


def test_seed_demo_is_idempotent_and_shows_every_outcome_and_share(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert _counts() == first
    assert "nothing to do" in out.getvalue()

    patients = User.objects.filter(role=Role.PATIENT, email__endswith="@demo.aftercare.test")
    assert {"sam", "jordan", "maria"} <= {p.email.split("@")[0] for p in patients}
    assert patients.count() >= 6
    statuses = set()
    now = timezone.now()
    for patient in patients:
        first_session = TreatmentSession.objects.filter(patient=patient).earliest("started_at")
        assert now - first_session.started_at >= dt.timedelta(weeks=4)
        phq9, gad7 = _outcome(patient, "phq9"), _outcome(patient, "gad7")
        # A baseline in the week before the first session, and scores after it.
        assert phq9.state == outcomes.MEASURED and gad7.state == outcomes.MEASURED
        assert len(phq9.scores) >= 5 and len(gad7.scores) >= 5
        statuses.add(phq9.status)
    assert {outcomes.RESPONSE, outcomes.REMISSION, outcomes.NO_RESPONSE} <= statuses

    rivera = User.objects.get(email="dr.rivera@demo.aftercare.test")
    okafor = User.objects.get(email="dr.okafor@demo.aftercare.test")
    shares = permissions.active_shares_for(rivera).filter(share_mood=True)
    assert shares.count() >= 6
    assert all(s.share_side_effects and s.share_blood_pressure for s in shares)
    assert permissions.active_shares_for(okafor).exists()
