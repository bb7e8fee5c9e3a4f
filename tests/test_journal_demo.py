"""Demo journal history: plausible, complete and deterministic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from journal.demo import seed_patient_history
from journal.models import (
    BloodPressureReading,
    CheckIn,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
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
