"""Flag rules (DESIGN.md §3): pure functions of plain data and clinic thresholds.

Nothing here touches the ORM. Services feed plain values in (an entry and, where a rule looks
back, the patient's recent history) and store what comes out as `Flag` rows; pages turn a
stored flag back into words with `describe()` (the patient's title and guidance, worded with
the clinic's current numbers) and `clinical_title()` (what happened, with the value, for
providers).

Guidance is calm and specific about where the reading was taken and whom to contact. It never
reassures in a clinician's place and never advises taking, skipping, delaying or changing a
dose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from statistics import fmean
from typing import Any

from journal.catalogue import (
    FREQUENCY_OPTIONS,
    PHQ9_SELF_HARM_ITEM,
    POST_SESSION,
    RULE_BLOOD_IN_URINE,
    RULE_BREATHING,
    RULE_CRAVINGS,
    RULE_DROVE,
    RULE_LINGERING,
    RULE_MEMORY,
    RULE_SEVERE_SIDE_EFFECT,
    RULE_URINARY,
    RULE_USE_OUTSIDE,
    SEVERITY_LABELS,
    SYMPTOMS_BY_CODE,
    symptom_label,
)
from journal.models import FlagCategory, FlagSeverity
from journal.thresholds import Thresholds

# Kinds (stable: stored in Flag.kind).
SEVERE_BP = "severe_bp"
ELEVATED_BEFORE_DOSE = "elevated_before_dose"
POST_DOSE_RISE = "post_dose_rise"
PULSE = "pulse"
SEVERE_SIDE_EFFECT = RULE_SEVERE_SIDE_EFFECT
HEAVY_BURDEN = "heavy_burden"
LINGERING = RULE_LINGERING
BREATHING = RULE_BREATHING
DROVE = RULE_DROVE
VERY_LOW_MOOD = "very_low_mood"
SUSTAINED_LOW_MOOD = "sustained_low_mood"
PHQ9_SEVERE = "phq9_severe"
PHQ9_WORSENING = "phq9_worsening"
SELF_HARM = "self_harm"
GAD7_SEVERE = "gad7_severe"
CRAVINGS = RULE_CRAVINGS
USE_OUTSIDE = RULE_USE_OUTSIDE
URINARY = RULE_URINARY
BLOOD_IN_URINE = RULE_BLOOD_IN_URINE
RISING_URINARY = "rising_urinary"
MEMORY = RULE_MEMORY
# Raised before DESIGN.md §3 split it (mood ≤ 2 on any entry, or PHQ-9 ≥ 20); still described.
LOW_MOOD = "low_mood"

# Kinds that can never leave a provider's open list without an acknowledgement.
URGENT_KINDS = frozenset({SELF_HARM, SEVERE_BP, BREATHING})

# Reading contexts (values of `ReadingContext`), repeated here to keep this module plain data.
BEFORE = "before"
AFTER_CONTEXTS = frozenset({"after40", "discharge"})
CLINIC_CONTEXTS = frozenset({"before", "after40", "discharge"})
CONTEXT_WORDS = {
    "before": "before dose",
    "after40": "at 40 min after dose",
    "discharge": "at discharge",
    "home": "at home",
}

# Warning signs of a hypertensive emergency (American Heart Association patient guidance).
BP_WARNING_SIGNS = (
    "chest pain, shortness of breath, back pain, numbness or weakness, a change in vision, or "
    "difficulty speaking"
)


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
    pulse: int | None = None


@dataclass(frozen=True)
class ReportData:
    """A post-session report as plain values. `session` names the session for titles
    ("2 Dec IV session"); `hours_after_start` is how long after the session began it was
    written."""

    mood: int
    overall_bother: int
    ratings: Mapping[str, int]
    hours_after_start: float
    session: str = "the session"


@dataclass(frozen=True)
class MoodHistory:
    """A patient's mood by local calendar day (mean of that day's entries), up to and
    including `today`, the local day of the entry being judged."""

    today: date
    daily_means: Mapping[date, float]


# --- Wording --------------------------------------------------------------------------------

Words = tuple[str, str]


def _bp(d: Mapping[str, Any]) -> str:
    return f"{d['systolic']}/{d['diastolic']}"


def _where(d: Mapping[str, Any]) -> str:
    return CONTEXT_WORDS.get(d.get("context", ""), "")


def _at_clinic(d: Mapping[str, Any]) -> bool:
    return d.get("context") in CLINIC_CONTEXTS


def _clinic_first(d: Mapping[str, Any], t: Thresholds, urgency: str) -> str:
    """Whom to tell first: the staff if the reading was taken at the clinic."""
    if _at_clinic(d):
        return (
            "If you are still at the clinic, tell the staff with you now. If you have left, "
            f"{t.call_clinic} {urgency}."
        )
    return f"Please {t.call_clinic} {urgency}."


def _severe_bp_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"Very high blood pressure ({_bp(d)})"
    guidance = (
        f"A reading of {_bp(d)} {_where(d)} is in the range that needs prompt attention. "
        f"If you have {BP_WARNING_SIGNS}, call {t.emergency_number} now; do not wait to see "
        "if it comes down. "
    )
    if _at_clinic(d):
        guidance += (
            "If you are still at the clinic, tell the staff with you now. If you have left, "
            f"{t.call_clinic} now; if you have a blood-pressure monitor, sit quietly for five "
            "minutes and measure again so you can tell them the new reading."
        )
    else:
        guidance += (
            "Otherwise sit quietly for five minutes and measure again. If it is still at or "
            f"above {t.severe_systolic}/{t.severe_diastolic}, {t.call_clinic} now."
        )
    return title, guidance


def _elevated_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"Blood pressure {_bp(d)} before your session"
    guidance = (
        f"Your before-dose reading was {_bp(d)}, above {t.predose_systolic}/"
        f"{t.predose_diastolic}. Your care team needs to know about it. "
        + _clinic_first(d, t, "today")
    )
    return title, guidance


def _rise_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"Blood pressure rose after the dose (+{d['rise_systolic']}/+{d['rise_diastolic']})"
    guidance = (
        f"Your reading went from {d['before_systolic']}/{d['before_diastolic']} before the dose "
        f"to {_bp(d)} {_where(d)}. Your care team needs to know about this. "
        + _clinic_first(d, t, "today")
        + f" If you have {BP_WARNING_SIGNS}, call {t.emergency_number} now."
    )
    return title, guidance


def _pulse_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    fast = d["pulse"] > t.pulse_high
    title = f"{'Fast' if fast else 'Slow'} pulse ({d['pulse']} per minute)"
    guidance = (
        f"Your pulse was {d['pulse']} beats per minute {_where(d)}. "
        + _clinic_first(d, t, "today")
        + " If you feel faint, short of breath, have chest pain, or your heart is racing or "
        f"pounding, call {t.emergency_number} now."
    )
    return title, guidance


def _effects(d: Mapping[str, Any]) -> str:
    return ", ".join(f"{symptom_label(i['code'])} ({i['label']})" for i in d.get("symptoms", []))


def _side_effect_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    items = d.get("symptoms", [])
    title = "Severe side effect" if len(items) == 1 else "Severe side effects"
    guidance = (
        f"You rated {_effects(d) or 'a side effect'}. If any of this is still happening or "
        "getting worse, "
        f"{t.call_clinic} and tell them what you noticed. If you have trouble breathing, chest "
        f"pain, or cannot stay awake, call {t.emergency_number}."
    )
    return title, guidance


def _burden_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = "Side effects bothered you a lot"
    guidance = (
        "You reported side effects that bothered you a lot after this session. Your care team "
        f"needs to know: please {t.call_clinic}. If you have trouble breathing, chest pain, or "
        f"cannot stay awake, call {t.emergency_number}."
    )
    return title, guidance


def _lingering_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    names = ", ".join(symptom_label(c).lower() for c in d.get("codes", []))
    title = "Effects still present hours after the session"
    guidance = (
        f"You said these were still present about {d.get('hours', '?')} hours after your "
        f"session began: {names or 'some effects'}. Do not drive, and have someone stay with "
        f"you if you can. Please {t.call_clinic} now. If you are hard to wake, breathing "
        f"slowly, or confused and getting worse, call {t.emergency_number}."
    )
    return title, guidance


def _breathing_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = "Hard to wake, or breathing problems, after getting home"
    guidance = (
        "Being hard to wake, or breathing slowly or with difficulty, needs attention now. If it "
        f"is happening now, call {t.emergency_number}. If it has passed, {t.call_clinic} now so "
        "your care team knows."
    )
    return title, guidance


def _drove_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = "Drove or operated machinery before a night's sleep"
    guidance = (
        "After a ketamine or esketamine session, driving or operating machinery is not advised "
        "until the next day after a restful sleep. Your care team will want to talk this over with "
        f"you; if you have questions, {t.call_clinic}."
    )
    return title, guidance


def _crisis(t: Thresholds) -> str:
    return (
        f"If you are having thoughts of harming yourself, call or text {t.crisis_number} "
        f"(crisis line) at any time, or call {t.emergency_number} if you are in danger now."
    )


def _very_low_mood_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"Very low mood ({d['mood']} out of 10)"
    guidance = (
        f"You rated your mood {d['mood']} out of 10. Please let your care team know: "
        f"{t.call_clinic}. " + _crisis(t)
    )
    return title, guidance


def _sustained_low_mood_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    if d.get("reason") == "drop":
        title = "Your mood has dropped this week"
        what = (
            f"Your mood over the last week averages {d['mean']} out of 10, lower than your "
            f"usual {d['baseline']}."
        )
    else:
        title = "Your mood has been low for several days"
        what = f"Your mood over the last few days averages {d['mean']} out of 10."
    guidance = f"{what} Please let your care team know: {t.call_clinic}. " + _crisis(t)
    return title, guidance


def _low_mood_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    if "phq9_total" in d:
        return _phq9_severe_text(d, t)
    return _very_low_mood_text(d, t)


def _phq9_severe_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"PHQ-9 score in the severe range ({d['phq9_total']})"
    guidance = (
        f"Your PHQ-9 score of {d['phq9_total']} suggests you are going through a hard time. "
        f"Please let your care team know: {t.call_clinic}. " + _crisis(t)
    )
    return title, guidance


def _phq9_worsening_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"PHQ-9 score went up ({d['compared_total']} to {d['phq9_total']})"
    guidance = (
        f"Your PHQ-9 score went from {d['compared_total']} to {d['phq9_total']}. Please let "
        f"your care team know: {t.call_clinic}. " + _crisis(t)
    )
    return title, guidance


def _gad7_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"GAD-7 score in the severe range ({d['gad7_total']})"
    guidance = (
        f"Your GAD-7 score of {d['gad7_total']} suggests anxiety is weighing on you. Please let "
        f"your care team know at your next contact, or {t.call_clinic} if it feels too much."
    )
    return title, guidance


def _self_harm_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = "You mentioned thoughts of death or self-harm"
    guidance = (
        "Thank you for answering honestly. You do not have to manage these thoughts alone. "
        f"If you might act on them, call {t.emergency_number} now or go to the nearest emergency "
        f"department. You can call or text {t.crisis_number} (crisis line) at any time, day or "
        f"night, to talk to someone. Please also {t.call_clinic} today so your care team knows."
    )
    return title, guidance


def _cravings_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"Cravings for ketamine ({d['label']})"
    guidance = (
        "Urges to use ketamine outside your sessions are worth talking about early; they are "
        f"nothing to be ashamed of. Please {t.call_clinic} or raise it at your next session. "
        f"If you feel unsafe, call {t.crisis_number} (crisis line) or {t.emergency_number}."
    )
    return title, guidance


def _use_outside_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = "Used ketamine, sedating drugs or alcohol outside your sessions"
    guidance = (
        "Thank you for saying so; it is nothing to be ashamed of, and it matters for your "
        f"safety during treatment. Please {t.call_clinic} or raise it at your next session. "
        f"If you feel unsafe, call {t.crisis_number} (crisis line) or {t.emergency_number}."
    )
    return title, guidance


def _urinary_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"Urinary symptoms ({d['label']})"
    guidance = (
        "Pain, urgency or needing to go often can be a side effect of repeated ketamine use and "
        f"should be checked. Please {t.call_clinic} in the next day or two. If you cannot pass "
        "urine, seek urgent care now."
    )
    return title, guidance


def _blood_in_urine_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = "Blood in your urine"
    guidance = (
        "Blood in the urine can be a side effect of ketamine on the bladder and should be "
        f"checked. Please {t.call_clinic} today. If you see a lot of blood, pass clots, or "
        "cannot pass urine, seek urgent care now."
    )
    return title, guidance


def _rising_urinary_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = "Urinary symptoms getting worse"
    guidance = (
        "Your urinary symptoms have been rated higher at each of your last check-ins. Please "
        f"{t.call_clinic} in the next day or two so it can be checked."
    )
    return title, guidance


def _memory_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = f"Memory or concentration problems ({d['label']})"
    guidance = (
        "Please mention this to your care team at your next contact, or "
        f"{t.call_clinic} if it is getting in the way of daily life."
    )
    return title, guidance


_TEXT: dict[str, Callable[[Mapping[str, Any], Thresholds], Words]] = {
    SEVERE_BP: _severe_bp_text,
    ELEVATED_BEFORE_DOSE: _elevated_text,
    POST_DOSE_RISE: _rise_text,
    PULSE: _pulse_text,
    SEVERE_SIDE_EFFECT: _side_effect_text,
    HEAVY_BURDEN: _burden_text,
    LINGERING: _lingering_text,
    BREATHING: _breathing_text,
    DROVE: _drove_text,
    VERY_LOW_MOOD: _very_low_mood_text,
    SUSTAINED_LOW_MOOD: _sustained_low_mood_text,
    LOW_MOOD: _low_mood_text,
    PHQ9_SEVERE: _phq9_severe_text,
    PHQ9_WORSENING: _phq9_worsening_text,
    SELF_HARM: _self_harm_text,
    GAD7_SEVERE: _gad7_text,
    CRAVINGS: _cravings_text,
    USE_OUTSIDE: _use_outside_text,
    URINARY: _urinary_text,
    BLOOD_IN_URINE: _blood_in_urine_text,
    RISING_URINARY: _rising_urinary_text,
    MEMORY: _memory_text,
}


def _fallback(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def describe(kind: str, detail: Mapping[str, Any], thresholds: Thresholds) -> Words:
    """The patient's title and guidance for a stored flag, with the clinic's current numbers."""
    text = _TEXT.get(kind)
    if text is None:
        return _fallback(kind), f"Please {thresholds.call_clinic}."
    try:
        return text(detail, thresholds)
    except (KeyError, TypeError, AttributeError):
        return _fallback(kind), f"Please {thresholds.call_clinic}."


# --- Provider voice ---------------------------------------------------------------------------


def _in(d: Mapping[str, Any]) -> str:
    return f" after the {d['session']}" if d.get("session") else ""


def _clinical(kind: str, d: Mapping[str, Any]) -> str:
    if kind == SEVERE_BP:
        return f"BP {_bp(d)} {_where(d)}".strip()
    if kind == ELEVATED_BEFORE_DOSE:
        return f"BP {_bp(d)} before dose"
    if kind == POST_DOSE_RISE:
        return (
            f"BP {_bp(d)} {_where(d)}, +{d['rise_systolic']}/+{d['rise_diastolic']} over "
            f"before-dose {d['before_systolic']}/{d['before_diastolic']}"
        )
    if kind == PULSE:
        return f"Pulse {d['pulse']}/min {_where(d)}".strip()
    if kind == SEVERE_SIDE_EFFECT:
        effects = ", ".join(
            f"{symptom_label(i['code'])} rated {i['label']}" for i in d.get("symptoms", [])
        )
        return f"{effects or 'Severe side effect'}{_in(d)}"
    if kind == HEAVY_BURDEN:
        parts = []
        if d.get("overall_bother") is not None and d.get("bother_fired"):
            parts.append(f"overall bother {SEVERITY_LABELS.get(d['overall_bother'], '?')}")
        if d.get("moderate_or_worse"):
            parts.append(f"{len(d['moderate_or_worse'])} effects Moderate or worse")
        return f"Heavy side-effect burden ({'; '.join(parts)}){_in(d)}"
    if kind == LINGERING:
        names = ", ".join(symptom_label(c) for c in d.get("codes", [])) or "Effects"
        return f"{names} still present {d.get('hours', '?')} h after the start of the " + (
            d.get("session") or "session"
        )
    if kind == BREATHING:
        return f"Hard to wake or breathing problems at home{_in(d)}"
    if kind == DROVE:
        return f"Drove or operated machinery before a night's sleep{_in(d)}"
    if kind == VERY_LOW_MOOD:
        return f"Mood {d['mood']}/10"
    if kind == SUSTAINED_LOW_MOOD:
        if d.get("reason") == "drop":
            return (
                f"Mood 7-day mean {d['mean']}/10, {d['drop']} below the previous 28 days "
                f"({d['baseline']})"
            )
        return f"Mood 3-day mean {d['mean']}/10 ({d['days']} days with entries)"
    if kind == LOW_MOOD:
        if "phq9_total" in d:
            return f"PHQ-9 {d['phq9_total']} (severe)"
        return f"Mood {d['mood']}/10"
    if kind == PHQ9_SEVERE:
        return f"PHQ-9 {d['phq9_total']} (severe)"
    if kind == PHQ9_WORSENING:
        return (
            f"PHQ-9 {d['phq9_total']}, +{d['phq9_total'] - d['compared_total']} over the "
            f"{d['compared']} ({d['compared_total']})"
        )
    if kind == SELF_HARM:
        label = dict(FREQUENCY_OPTIONS).get(d.get("item9", 0), "?").lower()
        return f"PHQ-9 item 9: {label}"
    if kind == GAD7_SEVERE:
        return f"GAD-7 {d['gad7_total']} (severe)"
    if kind == CRAVINGS:
        return f"Cravings rated {d['label']}"
    if kind == USE_OUTSIDE:
        return "Reported use of ketamine, sedating drugs or alcohol outside sessions"
    if kind == URINARY:
        return f"Urinary symptoms rated {d['label']}"
    if kind == BLOOD_IN_URINE:
        return "Blood in urine reported"
    if kind == RISING_URINARY:
        steps = " → ".join(SEVERITY_LABELS.get(v, str(v)) for v in d.get("values", []))
        return f"Urinary symptoms rising over {len(d.get('values', []))} check-ins ({steps})"
    if kind == MEMORY:
        return f"Memory or concentration rated {d['label']}"
    return _fallback(kind)


def clinical_title(kind: str, detail: Mapping[str, Any]) -> str:
    """What happened, with the value, in a clinician's words ("PHQ-9 item 9: several days")."""
    try:
        return _clinical(kind, detail)
    except (KeyError, TypeError, AttributeError):
        return _fallback(kind)


def _result(
    kind: str, category: str, severity: FlagSeverity, detail: dict[str, Any], t: Thresholds
) -> FlagResult:
    title, guidance = _TEXT[kind](detail, t)
    return FlagResult(kind, category, int(severity), title, guidance, detail)


def _fired(*results: FlagResult | None) -> list[FlagResult]:
    return [r for r in results if r is not None]


# --- Blood pressure and pulse -------------------------------------------------------------


def _reading_detail(r: ReadingData) -> dict[str, Any]:
    return {"systolic": r.systolic, "diastolic": r.diastolic, "context": r.context}


def severe_blood_pressure(reading: ReadingData, t: Thresholds) -> FlagResult | None:
    """Systolic ≥ 180 or diastolic ≥ 120 (hypertensive-crisis range) in any context."""
    if reading.systolic >= t.severe_systolic or reading.diastolic >= t.severe_diastolic:
        return _result(
            SEVERE_BP,
            FlagCategory.BLOOD_PRESSURE,
            FlagSeverity.URGENT,
            _reading_detail(reading),
            t,
        )
    return None


def elevated_before_dose(reading: ReadingData, t: Thresholds) -> FlagResult | None:
    """A before-dose reading above 140/90 (systolic > 140 or diastolic > 90)."""
    if reading.context != BEFORE:
        return None
    if reading.systolic > t.predose_systolic or reading.diastolic > t.predose_diastolic:
        return _result(
            ELEVATED_BEFORE_DOSE,
            FlagCategory.BLOOD_PRESSURE,
            FlagSeverity.NOTABLE,
            _reading_detail(reading),
            t,
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
            **_reading_detail(reading),
            "before_systolic": before.systolic,
            "before_diastolic": before.diastolic,
            "rise_systolic": rise_sys,
            "rise_diastolic": rise_dia,
        }
        return _result(POST_DOSE_RISE, FlagCategory.BLOOD_PRESSURE, FlagSeverity.HIGH, detail, t)
    return None


def pulse(reading: ReadingData, t: Thresholds) -> FlagResult | None:
    """Pulse above 120 or below 50 per minute, in any context."""
    if reading.pulse is None or t.pulse_low <= reading.pulse <= t.pulse_high:
        return None
    detail = {"pulse": reading.pulse, "context": reading.context}
    return _result(PULSE, FlagCategory.BLOOD_PRESSURE, FlagSeverity.HIGH, detail, t)


def reading_flags(
    reading: ReadingData, before: ReadingData | None, t: Thresholds
) -> list[FlagResult]:
    """Every blood-pressure rule for one reading (`before`: its session's before-dose reading)."""
    return _fired(
        severe_blood_pressure(reading, t),
        elevated_before_dose(reading, t),
        post_dose_rise(reading, before, t),
        pulse(reading, t),
    )


# --- Post-session reports -------------------------------------------------------------------


def _watched(ratings: Mapping[str, int], rule: str, minimum: int) -> list[tuple[str, int]]:
    return [
        (code, value)
        for code, value in ratings.items()
        if code in SYMPTOMS_BY_CODE
        and SYMPTOMS_BY_CODE[code].flag_rule == rule
        and value >= minimum
    ]


def _acute_effects(ratings: Mapping[str, int]) -> dict[str, int]:
    return {
        code: value
        for code, value in ratings.items()
        if code in SYMPTOMS_BY_CODE
        and SYMPTOMS_BY_CODE[code].asked == POST_SESSION
        and SYMPTOMS_BY_CODE[code].is_severity
    }


def severe_side_effect(
    ratings: Mapping[str, int], t: Thresholds, session: str = ""
) -> FlagResult | None:
    """Any acute side effect rated at or above Severe."""
    hits = [
        {"code": code, "severity": sev, "label": SEVERITY_LABELS.get(sev, str(sev))}
        for code, sev in _watched(_acute_effects(ratings), SEVERE_SIDE_EFFECT, t.severe_side_effect)
    ]
    if not hits:
        return None
    detail: dict[str, Any] = {"symptoms": hits}
    if session:
        detail["session"] = session
    return _result(SEVERE_SIDE_EFFECT, FlagCategory.SIDE_EFFECTS, FlagSeverity.HIGH, detail, t)


def heavy_burden(report: ReportData, t: Thresholds) -> FlagResult | None:
    """Overall bother ≥ Severe, or ≥ 3 acute effects at Moderate or worse in one report."""
    moderate = sorted(
        code for code, v in _acute_effects(report.ratings).items() if v >= t.heavy_effects_severity
    )
    bother = report.overall_bother >= t.heavy_bother
    if not bother and len(moderate) < t.heavy_effects_count:
        return None
    detail = {
        "overall_bother": report.overall_bother,
        "bother_fired": bother,
        "moderate_or_worse": moderate if len(moderate) >= t.heavy_effects_count else [],
        "session": report.session,
    }
    return _result(HEAVY_BURDEN, FlagCategory.SIDE_EFFECTS, FlagSeverity.HIGH, detail, t)


def lingering_effects(report: ReportData, t: Thresholds) -> FlagResult | None:
    """Dissociation, perceptual changes, confusion or drowsiness still present in a report
    written ≥ 3 h after the session began."""
    if report.hours_after_start < t.lingering_hours:
        return None
    codes = sorted(SYMPTOMS_BY_CODE[c].follows for c, _ in _watched(report.ratings, LINGERING, 1))
    if not codes:
        return None
    detail = {
        "codes": codes,
        "hours": round(report.hours_after_start, 1),
        "session": report.session,
    }
    return _result(LINGERING, FlagCategory.SIDE_EFFECTS, FlagSeverity.HIGH, detail, t)


def _yes(kind: str, severity: FlagSeverity, category: str) -> Callable[..., FlagResult | None]:
    def rule(ratings: Mapping[str, int], t: Thresholds, session: str = "") -> FlagResult | None:
        if not _watched(ratings, kind, 1):
            return None
        detail = {"session": session} if session else {}
        return _result(kind, category, severity, detail, t)

    rule.__doc__ = f"'{kind}' answered yes."
    return rule


breathing_or_waking = _yes(BREATHING, FlagSeverity.URGENT, FlagCategory.SIDE_EFFECTS)
drove_too_soon = _yes(DROVE, FlagSeverity.NOTABLE, FlagCategory.SIDE_EFFECTS)
use_outside_sessions = _yes(USE_OUTSIDE, FlagSeverity.HIGH, FlagCategory.SIDE_EFFECTS)
blood_in_urine = _yes(BLOOD_IN_URINE, FlagSeverity.HIGH, FlagCategory.SIDE_EFFECTS)


def very_low_mood(mood: int | None, t: Thresholds) -> FlagResult | None:
    """Any entry with mood ≤ 1 out of 10."""
    if mood is None or mood > t.very_low_mood:
        return None
    return _result(VERY_LOW_MOOD, FlagCategory.MOOD, FlagSeverity.HIGH, {"mood": mood}, t)


def report_flags(report: ReportData, t: Thresholds) -> list[FlagResult]:
    """Every rule for one post-session report."""
    return _fired(
        very_low_mood(report.mood, t),
        severe_side_effect(report.ratings, t, report.session),
        heavy_burden(report, t),
        lingering_effects(report, t),
        breathing_or_waking(report.ratings, t, report.session),
        drove_too_soon(report.ratings, t, report.session),
    )


# --- Check-ins --------------------------------------------------------------------------------


def _rated(
    kind: str, severity: FlagSeverity
) -> Callable[[Mapping[str, int], int, Thresholds], FlagResult | None]:
    def rule(ratings: Mapping[str, int], minimum: int, t: Thresholds) -> FlagResult | None:
        hits = _watched(ratings, kind, minimum)
        if not hits:
            return None
        code, sev = max(hits, key=lambda hit: hit[1])
        detail = {"code": code, "severity": sev, "label": SEVERITY_LABELS.get(sev, str(sev))}
        return _result(kind, FlagCategory.SIDE_EFFECTS, severity, detail, t)

    return rule


_cravings = _rated(CRAVINGS, FlagSeverity.HIGH)
_urinary = _rated(URINARY, FlagSeverity.HIGH)
_memory = _rated(MEMORY, FlagSeverity.NOTABLE)


def cravings(ratings: Mapping[str, int], t: Thresholds) -> FlagResult | None:
    """Cravings rated Moderate or worse."""
    return _cravings(ratings, t.cravings_severity, t)


def urinary(ratings: Mapping[str, int], t: Thresholds) -> FlagResult | None:
    """Urinary symptoms rated Moderate or worse."""
    return _urinary(ratings, t.urinary_severity, t)


def memory(ratings: Mapping[str, int], t: Thresholds) -> FlagResult | None:
    """Memory or concentration problems rated Moderate or worse."""
    return _memory(ratings, t.memory_severity, t)


def rising_urinary(values: Sequence[int], t: Thresholds) -> FlagResult | None:
    """Urinary rating higher at each of the last 3 consecutive check-ins that rated it
    (`values`: those ratings, oldest first, ending with the check-in being judged)."""
    n = t.rising_urinary_checkins
    recent = list(values[-n:])
    if len(recent) < n or any(b <= a for a, b in pairwise(recent)):
        return None
    return _result(
        RISING_URINARY, FlagCategory.SIDE_EFFECTS, FlagSeverity.NOTABLE, {"values": recent}, t
    )


def checkin_flags(
    mood: int | None,
    ratings: Mapping[str, int],
    t: Thresholds,
    *,
    urinary_history: Sequence[int] = (),
) -> list[FlagResult]:
    """Every per-entry rule for one check-in (`urinary_history`: the urinary ratings of the
    patient's check-ins up to and including this one, oldest first)."""
    return _fired(
        very_low_mood(mood, t),
        cravings(ratings, t),
        use_outside_sessions(ratings, t),
        urinary(ratings, t),
        blood_in_urine(ratings, t),
        rising_urinary(urinary_history, t) if "urinary" in ratings else None,
        memory(ratings, t),
    )


# --- Mood over days ---------------------------------------------------------------------------


def sustained_low_mood(history: MoodHistory, t: Thresholds) -> FlagResult | None:
    """Mean of daily means over the last 3 local days ≤ 2 with entries on ≥ 2 of them; or a
    7-day mean ≥ 3 points below the patient's own mean of the 28 days before.

    The 7-day comparison needs entries on at least 3 of the 7 days and on at least 7 of the
    28, so a handful of entries cannot make a "drop"."""
    days = history.daily_means
    today = history.today
    last3 = [days[d] for d in (today - timedelta(n) for n in range(3)) if d in days]
    if len(last3) >= 2 and fmean(last3) <= t.low_mood:
        detail = {"reason": "low", "mean": round(fmean(last3), 1), "days": len(last3)}
        return _result(SUSTAINED_LOW_MOOD, FlagCategory.MOOD, FlagSeverity.HIGH, detail, t)
    last7 = [days[d] for d in (today - timedelta(n) for n in range(7)) if d in days]
    before = [days[d] for d in (today - timedelta(n) for n in range(7, 35)) if d in days]
    if len(last7) >= 3 and len(before) >= 7:
        recent, baseline = fmean(last7), fmean(before)
        # Means are rounded floats (19/3 - 10/3 == 2.9999999999999996): compare to 9 places
        # so that a drop of exactly the threshold counts.
        if round(baseline - recent, 9) >= t.mood_drop:
            detail = {
                "reason": "drop",
                "mean": round(recent, 1),
                "baseline": round(baseline, 1),
                "drop": round(baseline - recent, 1),
            }
            return _result(SUSTAINED_LOW_MOOD, FlagCategory.MOOD, FlagSeverity.HIGH, detail, t)
    return None


# --- Questionnaires ---------------------------------------------------------------------------


def self_harm(phq9_answers: Sequence[int], t: Thresholds) -> FlagResult | None:
    """PHQ-9 item 9 answered above 'Not at all'."""
    if len(phq9_answers) <= PHQ9_SELF_HARM_ITEM:
        return None
    answer = phq9_answers[PHQ9_SELF_HARM_ITEM]
    if answer > 0:
        return _result(SELF_HARM, FlagCategory.MOOD, FlagSeverity.URGENT, {"item9": answer}, t)
    return None


def phq9_severe(total: int, t: Thresholds) -> FlagResult | None:
    """PHQ-9 total ≥ 20."""
    if total < t.phq9_severe:
        return None
    return _result(PHQ9_SEVERE, FlagCategory.MOOD, FlagSeverity.HIGH, {"phq9_total": total}, t)


def phq9_worsening(
    total: int, previous: int | None, baseline: int | None, t: Thresholds
) -> FlagResult | None:
    """PHQ-9 total ≥ 5 points above the previous PHQ-9 or above the baseline (the larger rise
    is named)."""
    candidates = [
        (total - value, name, value)
        for name, value in (("previous PHQ-9", previous), ("baseline", baseline))
        if value is not None and total - value >= t.phq9_worsening
    ]
    if not candidates:
        return None
    _, name, value = max(candidates)
    detail = {"phq9_total": total, "compared": name, "compared_total": value}
    return _result(PHQ9_WORSENING, FlagCategory.MOOD, FlagSeverity.HIGH, detail, t)


def gad7_severe(total: int, t: Thresholds) -> FlagResult | None:
    """GAD-7 total ≥ 15."""
    if total < t.gad7_severe:
        return None
    return _result(GAD7_SEVERE, FlagCategory.MOOD, FlagSeverity.NOTABLE, {"gad7_total": total}, t)


def questionnaire_flags(
    instrument: str,
    answers: Sequence[int],
    total: int,
    t: Thresholds,
    *,
    previous: int | None = None,
    baseline: int | None = None,
) -> list[FlagResult]:
    """PHQ-9 rules (self-harm item, severe total, worsening) or the GAD-7 severe total.
    `previous`/`baseline`: earlier totals of the same instrument, if any."""
    if instrument == "phq9":
        return _fired(
            self_harm(answers, t),
            phq9_severe(total, t),
            phq9_worsening(total, previous, baseline, t),
        )
    if instrument == "gad7":
        return _fired(gad7_severe(total, t))
    return []
