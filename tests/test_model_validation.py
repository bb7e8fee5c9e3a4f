"""`services.entries.validate` skips the database round trips of `full_clean()`: it does not
evaluate check constraints in SQL and does not look up parents the request already holds. That
is only safe while every check constraint of the rows it validates is also stated in Python
(field validators or `clean()`), so a bad value is a clear form message rather than an
IntegrityError. These tests hold each constraint to that, and fail for a new constraint that
has no case here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint
from django.utils import timezone

from journal import services
from journal.models import (
    BloodPressureReading,
    CheckIn,
    EntryRevision,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    SymptomRating,
    TreatmentSession,
)
from journal.services.entries import validate

# Every model the journal services pass to `validate`.
VALIDATED_MODELS = (
    TreatmentSession,
    PostSessionReport,
    CheckIn,
    SymptomRating,
    BloodPressureReading,
    QuestionnaireResponse,
    EntryRevision,
    Flag,
)
# Guaranteed by construction, not by a value a person types: `save_ratings` builds every
# rating with exactly one parent.
STRUCTURAL = {"rating_has_one_parent"}

# constraint name -> (model, field values that break it, on top of a valid row)
CASES: dict[str, list[tuple[type, dict[str, object]]]] = {
    "report_mood_0_10": [(PostSessionReport, {"mood": 11})],
    "report_bother_0_4": [(PostSessionReport, {"overall_bother": 5})],
    "checkin_mood_0_10": [(CheckIn, {"mood": 11})],
    "checkin_anxiety_0_10": [(CheckIn, {"anxiety": 11})],
    "checkin_pain_0_10": [(CheckIn, {"pain": 11})],
    "rating_severity_0_4": [(SymptomRating, {"severity": 5})],
    "reading_diastolic_below": [
        (BloodPressureReading, {"systolic": 120, "diastolic": 120}),
        (BloodPressureReading, {"systolic": 100, "diastolic": 130}),
    ],
    "reading_systolic_range": [
        (BloodPressureReading, {"systolic": 301, "diastolic": 90}),
        (BloodPressureReading, {"systolic": 39, "diastolic": 30}),
    ],
    "reading_diastolic_range": [
        (BloodPressureReading, {"systolic": 260, "diastolic": 201}),
        (BloodPressureReading, {"systolic": 90, "diastolic": 19}),
    ],
}


def test_every_check_constraint_of_a_validated_model_has_a_case() -> None:
    constraints = {
        c.name
        for model in VALIDATED_MODELS
        for c in model._meta.constraints
        if isinstance(c, CheckConstraint)
    }
    assert constraints - STRUCTURAL == set(CASES)


@pytest.fixture
def valid_rows(patient) -> dict[type, object]:
    """One valid, unsaved row of each model with check constraints."""
    now = timezone.now()
    session = services.log_session(
        patient=patient, started_at=now - timedelta(hours=3), route="intranasal"
    )
    report = services.submit_report(
        patient=patient,
        session=session,
        reported_at=now - timedelta(hours=1),
        mood=6,
        ratings={},
    )
    unreported = services.log_session(
        patient=patient, started_at=now - timedelta(hours=2), route="intranasal"
    )
    return {
        PostSessionReport: PostSessionReport(
            patient=patient, session=unreported, reported_at=now, mood=5, overall_bother=1
        ),
        CheckIn: CheckIn(patient=patient, recorded_at=now, mood=5, anxiety=3, pain=2),
        SymptomRating: SymptomRating(report=report, code="nausea", severity=2),
        BloodPressureReading: BloodPressureReading(
            patient=patient,
            session=session,
            measured_at=now,
            systolic=130,
            diastolic=80,
            context="before",
        ),
    }


def _copy(row, values: dict[str, object]):
    fields = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
    return type(row)(**{**fields, **values})


@pytest.mark.django_db
def test_valid_rows_pass_both_checks(valid_rows) -> None:
    for model, row in valid_rows.items():
        validate(row)
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint):
                constraint.validate(model, row)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_python_validation_refuses_what_the_constraint_refuses(valid_rows, name) -> None:
    for model, values in CASES[name]:
        constraint = next(c for c in model._meta.constraints if c.name == name)
        row = _copy(valid_rows[model], values)
        with pytest.raises(ValidationError):  # the case really breaks the database rule ...
            constraint.validate(model, row)
        with pytest.raises(ValidationError) as caught:  # ... and Python says so, on that field
            validate(row)
        assert set(caught.value.message_dict) & set(values)
