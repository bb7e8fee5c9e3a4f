"""FHIR R4 export: a `collection` Bundle of the patient's journal (JSON-ready dicts).

Standard codes:
- blood pressure: Observation, category ``vital-signs``, LOINC 85354-9 (panel) with components
  8480-6 (systolic) and 8462-4 (diastolic), UCUM ``mm[Hg]``; pulse: LOINC 8867-4, UCUM ``/min``;
- PHQ-9 / GAD-7: QuestionnaireResponse (``questionnaire`` = LOINC panel 44249-1 / 69737-5,
  ``linkId`` = the LOINC item code, answers ``valueCoding`` from LOINC answer list LL358-3,
  difficulty from LL359-1) plus a total-score Observation, category ``survey``, LOINC 44261-6
  (PHQ-9) / 70274-6 (GAD-7), ``valueInteger``, band in ``interpretation.text``.

Aftercare's own codes, system ``https://aftercare.example/fhir/CodeSystem/journal``
(all patient-reported, category ``survey``, ``valueInteger``):

=====================  ==========================================================
``mood``               mood right now, 0 (worst) … 10 (best); reports and check-ins
``anxiety``            check-in anxiety, 0 (none) … 10 (worst)
``pain``               check-in pain, 0 (none) … 10 (worst)
``side-effect-bother`` "how much did side effects bother you", 0 None … 4 Very severe
``reading-context``    component of a blood-pressure Observation: when it was taken
=====================  ==========================================================

Outcomes (DESIGN.md §3b) are one Observation per instrument, category ``survey``, code
``phq9-outcome`` / ``gad7-outcome`` in the journal system, ``valueCodeableConcept`` from
``https://aftercare.example/fhir/CodeSystem/outcome-status`` (``remission``, ``response``,
``lost_response``, ``no_response``), components ``baseline-total`` (``valueInteger``) and
``change-from-baseline`` (``valueQuantity`` in UCUM ``%``, positive = lower score, absent when
the baseline is 0), ``effectiveDateTime`` the latest score's time, ``derivedFrom`` the baseline's
and the latest's total-score Observations when they are in the file, and the definitions in
``method.text``. It is written only when the latest score is in the export's period.

Side-effect severities use system ``https://aftercare.example/fhir/CodeSystem/side-effect``
whose codes are the stable codes of `journal.catalogue.SYMPTOMS` (value 0 None … 4 Very
severe). Reading contexts use ``https://aftercare.example/fhir/CodeSystem/reading-context``
(``before``, ``after40``, ``discharge``, ``home``). Notes the export may show travel as
``Observation.note`` on the mood Observation of their report or check-in.

Every display and text is English, whatever the reader's language: the bundle is written under
`translation.override("en")`, and labels are looked up from their codes there (never taken from
the export data, which is read in the reader's language).

Resource ids are UUIDs derived from the record kind and primary key, so exporting twice gives
the same ids. Validated in tests with `fhir.resources.R4B` (fhir.resources 8 defaults to R5;
R4B is its R4-compatible model set).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from django.utils import translation

from journal.catalogue import QUESTIONNAIRES, symptom_label
from journal.exports.data import ExportData, QuestionnaireRow, ReadingRow
from journal.models import ReadingContext
from journal.outcomes import OUTCOME_SOURCE, provider_line

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
JOURNAL_SYSTEM = "https://aftercare.example/fhir/CodeSystem/journal"
SIDE_EFFECT_SYSTEM = "https://aftercare.example/fhir/CodeSystem/side-effect"
CONTEXT_SYSTEM = "https://aftercare.example/fhir/CodeSystem/reading-context"
OUTCOME_SYSTEM = "https://aftercare.example/fhir/CodeSystem/outcome-status"
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://aftercare.example/fhir/")
_ID_PREFIX = _ID_NAMESPACE.bytes

BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")
PULSE = ("8867-4", "Heart rate")

# LOINC panel, total-score code and item codes per instrument (in `catalogue` item order).
INSTRUMENT_LOINC: dict[str, dict[str, Any]] = {
    "phq9": {
        "panel": ("44249-1", "PHQ-9 quick depression assessment panel"),
        "total": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
        "items": (
            "44250-9",
            "44255-8",
            "44259-0",
            "44254-1",
            "44251-7",
            "44258-2",
            "44252-5",
            "44253-3",
            "44260-8",
        ),
        "difficulty": "69722-7",
    },
    "gad7": {
        "panel": ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
        "total": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
        "items": ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
        "difficulty": "69726-8",
    },
}
FREQUENCY_ANSWERS = (
    ("LA6568-5", "Not at all"),
    ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"),
    ("LA6571-9", "Nearly every day"),
)
DIFFICULTY_ANSWERS = (
    ("LA6572-7", "Not difficult at all"),
    ("LA6573-5", "Somewhat difficult"),
    ("LA6575-0", "Very difficult"),
    ("LA6574-3", "Extremely difficult"),
)
JOURNAL_CODES = {
    "mood": "Mood (0 worst to 10 best)",
    "anxiety": "Anxiety (0 none to 10 worst)",
    "pain": "Pain (0 none to 10 worst)",
    "side-effect-bother": "Bother from side effects (0 none to 4 very severe)",
    "reading-context": "When the blood pressure was taken",
    "phq9-outcome": "PHQ-9 response status against baseline",
    "gad7-outcome": "GAD-7 response status against baseline",
    "baseline-total": "Baseline total score",
    "change-from-baseline": "Reduction from baseline (positive = lower score)",
}


def resource_id(kind: str, pk: int) -> str:
    """A stable UUID for one stored record: `uuid.uuid5(_ID_NAMESPACE, "kind/pk")`, computed
    without building `UUID` objects (a year's export names ~10,000 records)."""
    raw = bytearray(
        hashlib.sha1(_ID_PREFIX + f"{kind}/{pk}".encode(), usedforsecurity=False).digest()[:16]
    )
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ref(kind: str, pk: int) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id(kind, pk)}"}


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [_coding(OBS_CATEGORY, code, display)], "text": display}]


VITAL_SIGNS = ("vital-signs", "Vital Signs")
SURVEY = ("survey", "Survey")


def _instant(moment: dt.datetime, data: ExportData) -> str:
    return data.local(moment).isoformat()


def _quantity(value: int, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _observation(
    data: ExportData,
    *,
    kind: str,
    pk: int,
    category: tuple[str, str],
    code: dict[str, Any],
    when: dt.datetime,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": resource_id(kind, pk),
        "status": "final",
        "category": _category(*category),
        "code": code,
        "subject": _ref("patient", data.patient_id),
        "effectiveDateTime": _instant(when, data),
        **fields,
    }


def _journal_code(code: str) -> dict[str, Any]:
    return {"coding": [_coding(JOURNAL_SYSTEM, code, JOURNAL_CODES[code])]}


def patient_resource(data: ExportData) -> dict[str, Any]:
    """The Patient resource (name only: the export is about the journal, not demographics)."""
    return {
        "resourceType": "Patient",
        "id": resource_id("patient", data.patient_id),
        "name": [{"text": data.patient_name}],
    }


def _context_label(code: str) -> str:
    """The reading context's name, in the active language (English in a bundle)."""
    return str(ReadingContext(code).label) if code in ReadingContext.values else code


def blood_pressure_resources(reading: ReadingRow, data: ExportData) -> list[dict[str, Any]]:
    """A vital-signs BP panel Observation, plus a heart-rate Observation when pulse was taken."""
    context = _context_label(reading.context)
    components = [
        {
            "code": {"coding": [_coding(LOINC, *SYSTOLIC)]},
            "valueQuantity": _quantity(reading.systolic, "mmHg", "mm[Hg]"),
        },
        {
            "code": {"coding": [_coding(LOINC, *DIASTOLIC)]},
            "valueQuantity": _quantity(reading.diastolic, "mmHg", "mm[Hg]"),
        },
        {
            "code": _journal_code("reading-context"),
            "valueCodeableConcept": {
                "coding": [_coding(CONTEXT_SYSTEM, reading.context, context)],
                "text": context,
            },
        },
    ]
    resources = [
        _observation(
            data,
            kind="reading",
            pk=reading.id,
            category=VITAL_SIGNS,
            code={"coding": [_coding(LOINC, *BP_PANEL)], "text": "Blood pressure"},
            when=reading.measured_at,
            component=components,
        )
    ]
    if reading.pulse is not None:
        resources.append(
            _observation(
                data,
                kind="pulse",
                pk=reading.id,
                category=VITAL_SIGNS,
                code={"coding": [_coding(LOINC, *PULSE)], "text": "Pulse"},
                when=reading.measured_at,
                valueQuantity=_quantity(reading.pulse, "/min", "/min"),
            )
        )
    return resources


def questionnaire_resources(row: QuestionnaireRow, data: ExportData) -> list[dict[str, Any]]:
    """A QuestionnaireResponse with one item per answer, and its total-score Observation."""
    definition = QUESTIONNAIRES[row.instrument]
    codes = INSTRUMENT_LOINC[row.instrument]
    items: list[dict[str, Any]] = [
        {
            "linkId": link_id,
            "text": str(text),
            "answer": [{"valueCoding": _coding(LOINC, *FREQUENCY_ANSWERS[answer])}],
        }
        for link_id, text, answer in zip(
            codes["items"], definition.items, row.answers, strict=False
        )
    ]
    if row.difficulty is not None:
        items.append(
            {
                "linkId": codes["difficulty"],
                "text": str(definition.difficulty_question),
                "answer": [{"valueCoding": _coding(LOINC, *DIFFICULTY_ANSWERS[row.difficulty])}],
            }
        )
    items.append(
        {
            "linkId": codes["total"][0],
            "text": f"{definition.title} total score",
            "answer": [{"valueInteger": row.total}],
        }
    )
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id("questionnaire", row.id),
        "questionnaire": f"{LOINC}/q/{codes['panel'][0]}",
        "status": "completed",
        "subject": _ref("patient", data.patient_id),
        "authored": _instant(row.completed_at, data),
        "item": items,
    }
    total = _observation(
        data,
        kind="questionnaire-total",
        pk=row.id,
        category=SURVEY,
        code={"coding": [_coding(LOINC, *codes["total"])], "text": f"{definition.title} total"},
        when=row.completed_at,
        valueInteger=row.total,
        interpretation=[{"text": row.band}],
        derivedFrom=[_ref("questionnaire", row.id)],
    )
    return [response, total]


def _score(
    data: ExportData,
    kind: str,
    pk: int,
    code: str,
    value: int,
    when: dt.datetime,
    note: str | None,
) -> dict[str, Any]:
    extra: dict[str, Any] = {"valueInteger": value}
    if note:
        extra["note"] = [{"text": note}]
    return _observation(
        data,
        kind=f"{kind}-{code}",
        pk=pk,
        category=SURVEY,
        code=_journal_code(code),
        when=when,
        **extra,
    )


def journal_resources(data: ExportData) -> list[dict[str, Any]]:
    """Mood, anxiety, pain, bother and side-effect Observations of reports and check-ins."""
    resources: list[dict[str, Any]] = []
    for r in data.reports:
        if r.mood is not None:
            resources.append(_score(data, "report", r.id, "mood", r.mood, r.reported_at, r.note))
        if r.overall_bother is not None:
            resources.append(
                _score(
                    data, "report", r.id, "side-effect-bother", r.overall_bother, r.reported_at, ""
                )
            )
    for c in data.checkins:
        for code in ("mood", "anxiety", "pain"):
            value = getattr(c, code)
            if value is not None:
                note = c.note if code == "mood" else ""
                resources.append(_score(data, "checkin", c.id, code, value, c.recorded_at, note))
    when_by_parent: dict[tuple[str, int | None], dt.datetime] = {
        ("report", r.id): r.reported_at for r in data.reports
    }
    when_by_parent |= {("checkin", c.id): c.recorded_at for c in data.checkins}
    for rating in data.ratings:
        parent = (
            ("report", rating.report_id) if rating.report_id else ("checkin", rating.checkin_id)
        )
        resources.append(
            _observation(
                data,
                kind="rating",
                pk=rating.id,
                category=SURVEY,
                code={
                    "coding": [
                        _coding(SIDE_EFFECT_SYSTEM, rating.code, str(symptom_label(rating.code)))
                    ],
                    "text": str(symptom_label(rating.code)),
                },
                when=when_by_parent[parent],
                valueInteger=rating.severity,
            )
        )
    return resources


def outcome_resources(data: ExportData) -> list[dict[str, Any]]:
    """One response-status Observation per measured outcome whose latest score is in the file."""
    in_file = {row.id for row in data.questionnaires}
    resources = []
    for o in data.outcomes:
        if not o.measured or o.latest is None or o.baseline is None or o.status is None:
            continue
        if o.latest.id not in in_file:
            continue
        components: list[dict[str, Any]] = [
            {"code": _journal_code("baseline-total"), "valueInteger": o.baseline.total}
        ]
        if o.percent_change is not None:
            components.append(
                {
                    "code": _journal_code("change-from-baseline"),
                    "valueQuantity": _quantity(o.percent_change, "%", "%"),
                }
            )
        derived = [
            _ref("questionnaire-total", score.id)
            for score in (o.baseline, o.latest)
            if score.id in in_file
        ]
        resources.append(
            _observation(
                data,
                kind=f"outcome-{o.instrument}",
                pk=o.latest.id,
                category=SURVEY,
                code={**_journal_code(f"{o.instrument}-outcome"), "text": f"{o.title} outcome"},
                when=o.latest.completed_at,
                valueCodeableConcept={
                    "coding": [_coding(OUTCOME_SYSTEM, o.status, str(o.status_words))],
                    "text": str(provider_line(o)),
                },
                component=components,
                method={"text": str(OUTCOME_SOURCE)},
                **({"derivedFrom": derived} if derived else {}),
            )
        )
    return resources


def fhir_bundle(data: ExportData) -> dict[str, Any]:
    """The whole export as a FHIR R4 Bundle of type `collection`, in English (see above)."""
    with translation.override("en"):
        return _bundle(data)


def _bundle(data: ExportData) -> dict[str, Any]:
    resources = [patient_resource(data)]
    resources += journal_resources(data)
    for reading in data.readings:
        resources += blood_pressure_resources(reading, data)
    for row in data.questionnaires:
        resources += questionnaire_resources(row, data)
    resources += outcome_resources(data)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _instant(data.generated_at, data),
        "entry": [{"fullUrl": f"urn:uuid:{res['id']}", "resource": res} for res in resources],
    }


def fhir_json(data: ExportData) -> bytes:
    """The bundle serialised as UTF-8 JSON (compact: `indent` would force the pure-Python
    encoder, several times slower on a year of entries, for a file meant for other systems)."""
    return json.dumps(fhir_bundle(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
