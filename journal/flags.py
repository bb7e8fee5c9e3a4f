"""Flag rules (DESIGN.md §3): pure functions of plain data and clinic thresholds.

Nothing here touches the ORM. Services feed plain values in and store what comes out as
`Flag` rows; pages turn a stored flag back into its title and guidance with `describe()`, so
guidance always names the clinic's current phone numbers. Guidance is calm and specific about
whom to contact; it never advises taking, skipping or changing a dose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from journal.catalogue import (
    PHQ9_SELF_HARM_ITEM,
    SEVERITY_LABELS,
    SYMPTOMS_BY_CODE,
    symptom_label,
)
from journal.models import FlagCategory, FlagSeverity
from journal.thresholds import Thresholds

SEVERE_BP = "severe_bp"
ELEVATED_BEFORE_DOSE = "elevated_before_dose"
POST_DOSE_RISE = "post_dose_rise"
SEVERE_SIDE_EFFECT = "severe_side_effect"
LOW_MOOD = "low_mood"
SELF_HARM = "self_harm"
CRAVINGS = "cravings"
URINARY = "urinary"

# Reading contexts (values of `ReadingContext`), repeated here to keep this module plain data.
BEFORE = "before"
AFTER_CONTEXTS = frozenset({"after40", "discharge"})


@dataclass(frozen=True)
class FlagResult:
    """One rule that fired: what to store and what to tell the patient."""

    kind: str
    category: str
    severity: int
    title: str
    guidance: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadingData:
    """A blood-pressure reading as plain values."""

    systolic: int
    diastolic: int
    context: str


# --- Wording --------------------------------------------------------------------------------


def _severe_bp_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    title = f"Very high blood pressure ({d['systolic']}/{d['diastolic']})"
    guidance = (
        f"A reading of {d['systolic']}/{d['diastolic']} is in the range that needs prompt "
        "attention. Sit quietly for five minutes and measure again. If it is still at or above "
        f"{t.severe_systolic}/{t.severe_diastolic}, {t.call_clinic} now. If you also have chest "
        "pain, shortness of breath, a severe headache, weakness, confusion, or trouble seeing "
        f"or speaking, call {t.emergency_number} straight away."
    )
    return title, guidance


def _elevated_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    title = f"Blood pressure above {t.predose_systolic}/{t.predose_diastolic} before the dose"
    guidance = (
        f"Your before-dose reading was {d['systolic']}/{d['diastolic']}. Your care team weighs "
        "this before each session, so make sure they know about it. If you took it at home, "
        f"mention it when you arrive, or {t.call_clinic} if your session is soon."
    )
    return title, guidance


def _rise_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    title = f"Blood pressure rose after the dose (+{d['rise_systolic']}/+{d['rise_diastolic']})"
    guidance = (
        f"Your reading went from {d['before_systolic']}/{d['before_diastolic']} before the dose "
        f"to {d['systolic']}/{d['diastolic']}. Rises like this are common and usually settle "
        "within a few hours, but your care team should know. Rest, and take another reading "
        f"later. If you feel unwell, or a later reading is still high, {t.call_clinic}."
    )
    return title, guidance


def _side_effect_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    items = d.get("symptoms", [])
    names = ", ".join(f"{symptom_label(i['code'])} ({i['label']})" for i in items)
    title = "Severe side effect" if len(items) == 1 else "Severe side effects"
    guidance = (
        f"You rated {names or 'a side effect'}. If it is still happening or getting worse, "
        f"{t.call_clinic} and tell them what you noticed. If you have trouble breathing, chest "
        f"pain, or cannot stay awake, call {t.emergency_number}."
    )
    return title, guidance


def _low_mood_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    if "phq9_total" in d:
        title = f"PHQ-9 score in the severe range ({d['phq9_total']})"
        what = f"Your PHQ-9 score of {d['phq9_total']} suggests you are going through a hard time."
    else:
        title = f"Low mood ({d['mood']} out of 10)"
        what = f"You rated your mood {d['mood']} out of 10."
    guidance = (
        f"{what} Please let your care team know: {t.call_clinic}. If you are having thoughts of "
        f"harming yourself, call or text {t.crisis_number} (crisis line) at any time, or call "
        f"{t.emergency_number} if you are in danger now."
    )
    return title, guidance


def _self_harm_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    title = "You mentioned thoughts of death or self-harm"
    guidance = (
        "Thank you for answering honestly. You do not have to manage these thoughts alone. "
        f"If you might act on them, call {t.emergency_number} now or go to the nearest emergency "
        f"department. You can call or text {t.crisis_number} (crisis line) at any time, day or "
        f"night, to talk to someone. Please also {t.call_clinic} today so your care team knows."
    )
    return title, guidance


def _cravings_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    title = f"Cravings for ketamine ({d['label']})"
    guidance = (
        "Urges to use ketamine outside your sessions are worth talking about early; they are "
        f"nothing to be ashamed of. Please {t.call_clinic} or raise it at your next session. "
        f"If you feel unsafe, call {t.crisis_number} (crisis line)."
    )
    return title, guidance


def _urinary_text(d: Mapping[str, Any], t: Thresholds) -> tuple[str, str]:
    title = f"Urinary symptoms ({d['label']})"
    guidance = (
        "Pain, urgency, needing to go often, or blood in your urine can be a side effect of "
        f"repeated ketamine use and should be checked. Please {t.call_clinic} in the next day "
        "or two. If you cannot pass urine, or see a lot of blood, seek urgent care today."
    )
    return title, guidance


_TEXT: dict[str, Callable[[Mapping[str, Any], Thresholds], tuple[str, str]]] = {
    SEVERE_BP: _severe_bp_text,
    ELEVATED_BEFORE_DOSE: _elevated_text,
    POST_DOSE_RISE: _rise_text,
    SEVERE_SIDE_EFFECT: _side_effect_text,
    LOW_MOOD: _low_mood_text,
    SELF_HARM: _self_harm_text,
    CRAVINGS: _cravings_text,
    URINARY: _urinary_text,
}


def describe(kind: str, detail: Mapping[str, Any], thresholds: Thresholds) -> tuple[str, str]:
    """Title and guidance for a stored flag, worded with the clinic's current numbers."""
    text = _TEXT.get(kind)
    if text is None:
        return kind.replace("_", " ").capitalize(), f"Please {thresholds.call_clinic}."
    try:
        return text(detail, thresholds)
    except (KeyError, TypeError):
        return kind.replace("_", " ").capitalize(), f"Please {thresholds.call_clinic}."


def _result(
    kind: str, category: str, severity: FlagSeverity, detail: dict[str, Any], t: Thresholds
) -> FlagResult:
    title, guidance = _TEXT[kind](detail, t)
    return FlagResult(kind, category, severity, title, guidance, detail)


# --- Rules ----------------------------------------------------------------------------------


def severe_blood_pressure(systolic: int, diastolic: int, t: Thresholds) -> FlagResult | None:
    """Systolic ≥ 180 or diastolic ≥ 120 (hypertensive-crisis range) in any context."""
    if systolic >= t.severe_systolic or diastolic >= t.severe_diastolic:
        detail = {"systolic": systolic, "diastolic": diastolic}
        return _result(SEVERE_BP, FlagCategory.BLOOD_PRESSURE, FlagSeverity.URGENT, detail, t)
    return None


def elevated_before_dose(
    systolic: int, diastolic: int, context: str, t: Thresholds
) -> FlagResult | None:
    """A before-dose reading above 140/90 (systolic > 140 or diastolic > 90)."""
    if context != BEFORE:
        return None
    if systolic > t.predose_systolic or diastolic > t.predose_diastolic:
        detail = {"systolic": systolic, "diastolic": diastolic}
        return _result(
            ELEVATED_BEFORE_DOSE, FlagCategory.BLOOD_PRESSURE, FlagSeverity.NOTABLE, detail, t
        )
    return None


def post_dose_rise(
    reading: ReadingData, before: ReadingData | None, t: Thresholds
) -> FlagResult | None:
    """An after-dose/discharge reading ≥ 40 systolic or ≥ 25 diastolic above the session's
    before-dose reading."""
    if before is None or reading.context not in AFTER_CONTEXTS:
        return None
    rise_sys = reading.systolic - before.systolic
    rise_dia = reading.diastolic - before.diastolic
    if rise_sys >= t.rise_systolic or rise_dia >= t.rise_diastolic:
        detail = {
            "systolic": reading.systolic,
            "diastolic": reading.diastolic,
            "before_systolic": before.systolic,
            "before_diastolic": before.diastolic,
            "rise_systolic": rise_sys,
            "rise_diastolic": rise_dia,
        }
        return _result(POST_DOSE_RISE, FlagCategory.BLOOD_PRESSURE, FlagSeverity.HIGH, detail, t)
    return None


def severe_side_effect(ratings: Mapping[str, int], t: Thresholds) -> FlagResult | None:
    """Any side effect watched by this rule rated at or above Severe."""
    hits = [
        {"code": code, "severity": sev, "label": SEVERITY_LABELS.get(sev, str(sev))}
        for code, sev in ratings.items()
        if code in SYMPTOMS_BY_CODE
        and SYMPTOMS_BY_CODE[code].flag_rule == SEVERE_SIDE_EFFECT
        and sev >= t.severe_side_effect
    ]
    if not hits:
        return None
    return _result(
        SEVERE_SIDE_EFFECT, FlagCategory.SIDE_EFFECTS, FlagSeverity.HIGH, {"symptoms": hits}, t
    )


def low_mood(
    t: Thresholds, *, mood: int | None = None, phq9_total: int | None = None
) -> FlagResult | None:
    """Mood ≤ 2 out of 10, or a PHQ-9 total ≥ 20."""
    if mood is not None and mood <= t.low_mood:
        return _result(LOW_MOOD, FlagCategory.MOOD, FlagSeverity.HIGH, {"mood": mood}, t)
    if phq9_total is not None and phq9_total >= t.phq9_severe:
        return _result(
            LOW_MOOD, FlagCategory.MOOD, FlagSeverity.HIGH, {"phq9_total": phq9_total}, t
        )
    return None


def self_harm(phq9_answers: Sequence[int], t: Thresholds) -> FlagResult | None:
    """PHQ-9 item 9 answered above 'Not at all'."""
    if len(phq9_answers) <= PHQ9_SELF_HARM_ITEM:
        return None
    answer = phq9_answers[PHQ9_SELF_HARM_ITEM]
    if answer > 0:
        return _result(SELF_HARM, FlagCategory.MOOD, FlagSeverity.URGENT, {"item9": answer}, t)
    return None


def _symptom_rule(
    kind: str, ratings: Mapping[str, int], minimum: int, t: Thresholds
) -> FlagResult | None:
    hits = [
        (code, sev)
        for code, sev in ratings.items()
        if code in SYMPTOMS_BY_CODE and SYMPTOMS_BY_CODE[code].flag_rule == kind and sev >= minimum
    ]
    if not hits:
        return None
    code, sev = max(hits, key=lambda hit: hit[1])
    detail = {"code": code, "severity": sev, "label": SEVERITY_LABELS.get(sev, str(sev))}
    return _result(kind, FlagCategory.SIDE_EFFECTS, FlagSeverity.HIGH, detail, t)


def cravings(ratings: Mapping[str, int], t: Thresholds) -> FlagResult | None:
    """Cravings rated Moderate or worse."""
    return _symptom_rule(CRAVINGS, ratings, t.cravings_severity, t)


def urinary(ratings: Mapping[str, int], t: Thresholds) -> FlagResult | None:
    """Urinary symptoms rated Moderate or worse."""
    return _symptom_rule(URINARY, ratings, t.urinary_severity, t)


# --- Per-record bundles -----------------------------------------------------------------------


def _fired(*results: FlagResult | None) -> list[FlagResult]:
    return [r for r in results if r is not None]


def reading_flags(
    reading: ReadingData, before: ReadingData | None, t: Thresholds
) -> list[FlagResult]:
    """Every blood-pressure rule for one reading (`before`: its session's before-dose reading)."""
    return _fired(
        severe_blood_pressure(reading.systolic, reading.diastolic, t),
        elevated_before_dose(reading.systolic, reading.diastolic, reading.context, t),
        post_dose_rise(reading, before, t),
    )


def entry_flags(mood: int | None, ratings: Mapping[str, int], t: Thresholds) -> list[FlagResult]:
    """Mood and symptom rules for a post-session report or a check-in."""
    return _fired(
        low_mood(t, mood=mood),
        severe_side_effect(ratings, t),
        cravings(ratings, t),
        urinary(ratings, t),
    )


def questionnaire_flags(
    instrument: str, answers: Sequence[int], total: int, t: Thresholds
) -> list[FlagResult]:
    """PHQ-9 rules (self-harm item, severe total); GAD-7 raises no flag."""
    if instrument != "phq9":
        return []
    return _fired(self_harm(answers, t), low_mood(t, phq9_total=total))
