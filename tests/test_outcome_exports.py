"""Outcomes in the exports (issue 17): the PDF summary's outcome lines and the FHIR response
status Observation with its documented local codes, validated with fhir.resources."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from journal import services
from journal.exports.data import read_export_data
from journal.exports.fhir import JOURNAL_SYSTEM, OUTCOME_SYSTEM, fhir_bundle, resource_id
from journal.exports.pdf import summary_pdf
from journal.models import Role
from journal.permissions import own_scope, share_scope
from tests.conftest import enroll
from tests.test_exports_pdf import _text
from tests.test_outcome_baseline import course, phq9

__all__ = ["course"]


def _outcome_observations(bundle: dict) -> list[dict]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and any(
            c["system"] == OUTCOME_SYSTEM
            for c in e["resource"].get("valueCodeableConcept", {}).get("coding", [])
        )
    ]


def test_fhir_carries_the_response_status_and_validates(patient, course) -> None:
    bundle = fhir_bundle(read_export_data(own_scope(patient)))
    Bundle.model_validate(bundle)
    [obs] = _outcome_observations(bundle)
    assert obs["code"]["coding"][0] == {
        "system": JOURNAL_SYSTEM,
        "code": "phq9-outcome",
        "display": "PHQ-9 response status against baseline",
    }
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "response"
    components = {c["code"]["coding"][0]["code"]: c for c in obs["component"]}
    assert components["baseline-total"]["valueInteger"] == 18
    assert components["change-from-baseline"]["valueQuantity"]["value"] == 33
    assert components["change-from-baseline"]["valueQuantity"]["code"] == "%"
    refs = {r["reference"] for r in obs["derivedFrom"]}
    assert refs == {
        f"urn:uuid:{resource_id('questionnaire-total', course[k].pk)}" for k in ("pre", "w6")
    }
    # Every reference resolves inside the bundle.
    ids = {e["fullUrl"] for e in bundle["entry"]}
    assert refs <= ids
    assert obs["effectiveDateTime"].startswith(
        course["w6"].completed_at.astimezone(patient.zone).isoformat()[:16]
    )


def test_no_outcome_observation_without_a_baseline_or_outside_the_period(patient) -> None:
    phq9(patient, 20, timezone.now() - timedelta(days=3))
    assert _outcome_observations(fhir_bundle(read_export_data(own_scope(patient)))) == []


def test_no_outcome_when_the_latest_score_is_outside_the_exported_period(patient, course) -> None:
    end = (course["w4"].completed_at + timedelta(days=1)).astimezone(patient.zone).date()
    data = read_export_data(own_scope(patient), end=end)
    assert _outcome_observations(fhir_bundle(data)) == []


def test_the_pdf_opens_with_the_outcome_line_for_a_provider(patient, provider, course) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    _, text = _text(summary_pdf(read_export_data(share_scope(share))))
    assert "Outcome since treatment began" in text
    assert "PHQ-9 18 → 12 (−33 %), response at session 4; not in remission." in " ".join(
        text.split()
    )
    # Without the category there is no outcome.
    other = enroll("dr.other@clinic.test", Role.PROVIDER, "Dr Other")
    bp = services.grant_share(patient=patient, provider=other, categories=["blood_pressure"])
    _, text = _text(summary_pdf(read_export_data(share_scope(bp))))
    assert "Outcome since treatment began" not in text and "PHQ-9 18" not in text
