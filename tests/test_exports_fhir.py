"""FHIR export: an R4 collection Bundle that validates and carries the stored values."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fhir.resources.R4B.bundle import Bundle

from journal.exports.data import read_export_data
from journal.exports.fhir import (
    JOURNAL_SYSTEM,
    LOINC,
    SIDE_EFFECT_SYSTEM,
    fhir_bundle,
    fhir_json,
)
from journal.models import BloodPressureReading, QuestionnaireResponse, SymptomRating
from journal.permissions import Scope, own_scope
from tests.factories import EXPORT_NOTE, export_journal


def _resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _codes(resource: dict) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in resource["code"]["coding"]}


def _observations(bundle: dict, system: str, code: str) -> list[dict]:
    return [o for o in _resources(bundle, "Observation") if (system, code) in _codes(o)]


@pytest.fixture
def own_bundle(patient) -> dict:
    export_journal(patient)
    return fhir_bundle(read_export_data(own_scope(patient)))


def test_the_bundle_validates_as_fhir_r4(own_bundle) -> None:
    parsed = Bundle.model_validate(own_bundle)
    assert parsed.type == "collection"
    kinds = {e.resource.get_resource_type() for e in parsed.entry}
    assert kinds == {"Patient", "Observation", "QuestionnaireResponse"}


def test_the_serialised_json_round_trips_through_the_validator(patient) -> None:
    export_journal(patient)
    raw = fhir_json(read_export_data(own_scope(patient)))
    parsed = Bundle.model_validate_json(raw)
    assert json.loads(raw)["entry"][0]["resource"]["name"][0]["text"] == patient.display_name
    assert len(parsed.entry) == len(json.loads(raw)["entry"])


def test_blood_pressure_observations_equal_the_stored_readings(patient, own_bundle) -> None:
    panels = _observations(own_bundle, LOINC, "85354-9")
    readings = list(BloodPressureReading.objects.filter(patient=patient))
    assert len(panels) == len(readings) == 2
    by_time = {dt.datetime.fromisoformat(p["effectiveDateTime"]): p for p in panels}
    for reading in readings:
        panel = by_time[reading.measured_at]
        assert panel["category"][0]["coding"][0]["code"] == "vital-signs"
        values = {
            c["code"]["coding"][0]["code"]: c.get("valueQuantity") for c in panel["component"]
        }
        assert values["8480-6"]["value"] == reading.systolic
        assert values["8462-4"]["value"] == reading.diastolic
        for quantity in (values["8480-6"], values["8462-4"]):
            assert quantity["system"] == "http://unitsofmeasure.org"
            assert quantity["code"] == "mm[Hg]"


def test_pulse_is_a_heart_rate_observation_only_when_taken(patient, own_bundle) -> None:
    [pulse] = _observations(own_bundle, LOINC, "8867-4")
    reading = BloodPressureReading.objects.get(patient=patient, pulse__isnull=False)
    assert pulse["valueQuantity"] == {
        "value": reading.pulse,
        "unit": "/min",
        "system": "http://unitsofmeasure.org",
        "code": "/min",
    }


def test_questionnaires_are_responses_with_total_score_observations(patient, own_bundle) -> None:
    responses = _resources(own_bundle, "QuestionnaireResponse")
    assert len(responses) == 2
    phq9 = QuestionnaireResponse.objects.get(patient=patient, instrument="phq9")
    [phq9_total] = _observations(own_bundle, LOINC, "44261-6")
    [gad7_total] = _observations(own_bundle, LOINC, "70274-6")
    assert phq9_total["valueInteger"] == phq9.total
    assert phq9_total["interpretation"][0]["text"] == phq9.band
    assert gad7_total["valueInteger"] == 0
    [response] = [r for r in responses if r["questionnaire"].endswith("44249-1")]
    answers = [i["answer"][0] for i in response["item"]]
    scored = answers[:9]
    assert [a["valueCoding"]["code"] for a in scored][:4] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]
    assert response["item"][0]["linkId"] == "44250-9"
    assert response["item"][-1]["answer"][0]["valueInteger"] == phq9.total
    assert phq9_total["derivedFrom"][0]["reference"].endswith(response["id"])


def test_mood_and_side_effects_use_the_apps_own_codes(patient, own_bundle) -> None:
    moods = _observations(own_bundle, JOURNAL_SYSTEM, "mood")
    assert sorted(o["valueInteger"] for o in moods) == [0, 5]
    assert any(n["text"] == EXPORT_NOTE for o in moods for n in o.get("note", []))
    ratings = SymptomRating.objects.filter(report__patient=patient)
    for rating in ratings:
        [obs] = _observations(own_bundle, SIDE_EFFECT_SYSTEM, rating.code)
        assert obs["valueInteger"] == rating.severity


def test_resource_ids_are_stable_between_exports(patient) -> None:
    export_journal(patient)
    first = fhir_bundle(read_export_data(own_scope(patient)))
    second = fhir_bundle(read_export_data(own_scope(patient)))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_a_blood_pressure_only_share_exports_only_vital_signs(patient) -> None:
    export_journal(patient)
    bundle = fhir_bundle(
        read_export_data(Scope(patient=patient, categories=frozenset({"blood_pressure"})))
    )
    Bundle.model_validate(bundle)
    assert not _resources(bundle, "QuestionnaireResponse")
    observations = _resources(bundle, "Observation")
    assert observations
    assert all(o["category"][0]["coding"][0]["code"] == "vital-signs" for o in observations)
    assert EXPORT_NOTE not in json.dumps(bundle, ensure_ascii=False)


def test_an_empty_journal_still_gives_a_valid_bundle(patient) -> None:
    bundle = fhir_bundle(read_export_data(own_scope(patient)))
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


def test_the_validator_would_catch_a_broken_observation(own_bundle) -> None:
    # Guards the checks above: an Observation without its required status must not validate.
    broken = json.loads(json.dumps(own_bundle))
    del _resources(broken, "Observation")[0]["status"]
    with pytest.raises(ValueError):
        Bundle.model_validate(broken)
