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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from statistics import fmean
from typing import Any

from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, npgettext

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
    severity_label_en,
    symptom_label,
)
from journal.models import FlagCategory, FlagSeverity, Route
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
    "before": gettext_lazy("before dose"),
    "after40": gettext_lazy("at 40 min after dose"),
    "discharge": gettext_lazy("at discharge"),
    "home": gettext_lazy("at home"),
}

# Warning signs of a hypertensive emergency (American Heart Association patient guidance).
BP_WARNING_SIGNS = gettext_lazy(
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
    # The title in English, as it is kept with the stored flag (stored values stay English).
    title_en: str = field(default="", compare=False)


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
# Every sentence is one message with named placeholders (word order differs between
# languages); `%(call_clinic)s` is `Thresholds.call_clinic`, an instruction that reads as a
# verb phrase in every language ("call the clinic on 555-0100").

Words = tuple[str, str]


def _bp(d: Mapping[str, Any]) -> str:
    return f"{d['systolic']}/{d['diastolic']}"


def _where(d: Mapping[str, Any]) -> str:
    return str(CONTEXT_WORDS.get(d.get("context", ""), ""))


def _at_clinic(d: Mapping[str, Any]) -> bool:
    return d.get("context") in CLINIC_CONTEXTS


def _severity_word(item: Mapping[str, Any]) -> str:
    """A stored severity in the reader's language (the stored English label as a fallback)."""
    if "severity" in item:
        return str(SEVERITY_LABELS.get(item["severity"], item.get("label", item["severity"])))
    return str(item["label"])


def _clinic_first(d: Mapping[str, Any], t: Thresholds) -> str:
    """Whom to tell first: the staff if the reading was taken at the clinic."""
    if _at_clinic(d):
        return _(
            "If you are still at the clinic, tell the staff with you now. If you have left, "
            "%(call_clinic)s today."
        ) % {"call_clinic": t.call_clinic}
    return _("Please %(call_clinic)s today.") % {"call_clinic": t.call_clinic}


def _severe_bp_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Very high blood pressure (%(bp)s)") % {"bp": _bp(d)}
    values = {
        "bp": _bp(d),
        "where": _where(d),
        "signs": BP_WARNING_SIGNS,
        "emergency": t.emergency_number,
        "call_clinic": t.call_clinic,
        "systolic": t.severe_systolic,
        "diastolic": t.severe_diastolic,
    }
    guidance = (
        _(
            "A reading of %(bp)s %(where)s is in the range that needs prompt attention. If you "
            "have %(signs)s, call %(emergency)s now; do not wait to see if it comes down. "
        )
        % values
    )
    if _at_clinic(d):
        guidance += (
            _(
                "If you are still at the clinic, tell the staff with you now. If you have left, "
                "%(call_clinic)s now; if you have a blood-pressure monitor, sit quietly for five "
                "minutes and measure again so you can tell them the new reading."
            )
            % values
        )
    else:
        guidance += (
            _(
                "Otherwise sit quietly for five minutes and measure again. If it is still at or "
                "above %(systolic)s/%(diastolic)s, %(call_clinic)s now."
            )
            % values
        )
    return title, guidance


def _elevated_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Blood pressure %(bp)s before your session") % {"bp": _bp(d)}
    guidance = (
        _(
            "Your before-dose reading was %(bp)s, above %(systolic)s/%(diastolic)s. Your care "
            "team needs to know about it."
        )
        % {"bp": _bp(d), "systolic": t.predose_systolic, "diastolic": t.predose_diastolic}
        + " "
        + _clinic_first(d, t)
    )
    return title, guidance


def _rise_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Blood pressure rose after the dose (+%(systolic)s/+%(diastolic)s)") % {
        "systolic": d["rise_systolic"],
        "diastolic": d["rise_diastolic"],
    }
    guidance = (
        _(
            "Your reading went from %(before)s before the dose to %(bp)s %(where)s. Your care "
            "team needs to know about this."
        )
        % {
            "before": f"{d['before_systolic']}/{d['before_diastolic']}",
            "bp": _bp(d),
            "where": _where(d),
        }
        + " "
        + _clinic_first(d, t)
        + " "
        + _("If you have %(signs)s, call %(emergency)s now.")
        % {"signs": BP_WARNING_SIGNS, "emergency": t.emergency_number}
    )
    return title, guidance


def _pulse_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    values = {"pulse": d["pulse"], "where": _where(d), "emergency": t.emergency_number}
    if d["pulse"] > t.pulse_high:
        title = _("Fast pulse (%(pulse)s per minute)") % values
    else:
        title = _("Slow pulse (%(pulse)s per minute)") % values
    guidance = (
        _("Your pulse was %(pulse)s beats per minute %(where)s.") % values
        + " "
        + _clinic_first(d, t)
        + " "
        + _(
            "If you feel faint, short of breath, have chest pain, or your heart is racing or "
            "pounding, call %(emergency)s now."
        )
        % values
    )
    return title, guidance


def _effects(d: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{symptom_label(i['code'])} ({_severity_word(i)})" for i in d.get("symptoms", [])
    )


def _side_effect_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    items = d.get("symptoms", [])
    title = npgettext("flag title", "Severe side effect", "Severe side effects", len(items))
    guidance = _(
        "You rated %(effects)s. If any of this is still happening or getting worse, "
        "%(call_clinic)s and tell them what you noticed. If you have trouble breathing, chest "
        "pain, or cannot stay awake, call %(emergency)s."
    ) % {
        "effects": _effects(d) or _("a side effect"),
        "call_clinic": t.call_clinic,
        "emergency": t.emergency_number,
    }
    return title, guidance


def _burden_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Side effects bothered you a lot")
    guidance = _(
        "You reported side effects that bothered you a lot after this session. Your care team "
        "needs to know: please %(call_clinic)s. If you have trouble breathing, chest pain, or "
        "cannot stay awake, call %(emergency)s."
    ) % {"call_clinic": t.call_clinic, "emergency": t.emergency_number}
    return title, guidance


def _lingering_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    names = ", ".join(symptom_label(c).lower() for c in d.get("codes", []))
    title = _("Effects still present hours after the session")
    guidance = _(
        "You said these were still present about %(hours)s hours after your session began: "
        "%(names)s. Do not drive, and have someone stay with you if you can. Please "
        "%(call_clinic)s now. If you are hard to wake, breathing slowly, or confused and "
        "getting worse, call %(emergency)s."
    ) % {
        "hours": d.get("hours", "?"),
        "names": names or _("some effects"),
        "call_clinic": t.call_clinic,
        "emergency": t.emergency_number,
    }
    return title, guidance


def _breathing_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Hard to wake, or breathing problems, after getting home")
    guidance = _(
        "Being hard to wake, or breathing slowly or with difficulty, needs attention now. If it "
        "is happening now, call %(emergency)s. If it has passed, %(call_clinic)s now so your "
        "care team knows."
    ) % {"emergency": t.emergency_number, "call_clinic": t.call_clinic}
    return title, guidance


def _drove_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Drove or operated machinery before a night's sleep")
    guidance = _(
        "After a ketamine or esketamine session, driving or operating machinery is not advised "
        "until the next day after a restful sleep. Your care team will want to talk this over "
        "with you; if you have questions, %(call_clinic)s."
    ) % {"call_clinic": t.call_clinic}
    return title, guidance


def _crisis(t: Thresholds) -> str:
    return _(
        "If you are having thoughts of harming yourself, call or text %(crisis)s (crisis line) "
        "at any time, or call %(emergency)s if you are in danger now."
    ) % {"crisis": t.crisis_number, "emergency": t.emergency_number}


def _let_team_know(t: Thresholds) -> str:
    return _("Please let your care team know: %(call_clinic)s.") % {"call_clinic": t.call_clinic}


def _very_low_mood_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Very low mood (%(mood)s out of 10)") % {"mood": d["mood"]}
    guidance = " ".join(
        (_("You rated your mood %(mood)s out of 10.") % {"mood": d["mood"]}, _let_team_know(t))
    )
    return title, guidance + " " + _crisis(t)


def _sustained_low_mood_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    if d.get("reason") == "drop":
        title = _("Your mood has dropped this week")
        what = _(
            "Your mood over the last week averages %(mean)s out of 10, lower than your usual "
            "%(baseline)s."
        ) % {"mean": d["mean"], "baseline": d["baseline"]}
    else:
        title = _("Your mood has been low for several days")
        what = _("Your mood over the last few days averages %(mean)s out of 10.") % {
            "mean": d["mean"]
        }
    return title, f"{what} {_let_team_know(t)} {_crisis(t)}"


def _low_mood_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    if "phq9_total" in d:
        return _phq9_severe_text(d, t)
    return _very_low_mood_text(d, t)


def _phq9_severe_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("PHQ-9 score in the severe range (%(total)s)") % {"total": d["phq9_total"]}
    what = _("Your PHQ-9 score of %(total)s suggests you are going through a hard time.") % {
        "total": d["phq9_total"]
    }
    return title, f"{what} {_let_team_know(t)} {_crisis(t)}"


def _phq9_worsening_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    values = {"before": d["compared_total"], "total": d["phq9_total"]}
    title = _("PHQ-9 score went up (%(before)s to %(total)s)") % values
    what = _("Your PHQ-9 score went from %(before)s to %(total)s.") % values
    return title, f"{what} {_let_team_know(t)} {_crisis(t)}"


def _gad7_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("GAD-7 score in the severe range (%(total)s)") % {"total": d["gad7_total"]}
    guidance = _(
        "Your GAD-7 score of %(total)s suggests anxiety is weighing on you. Please let your "
        "care team know at your next contact, or %(call_clinic)s if it feels too much."
    ) % {"total": d["gad7_total"], "call_clinic": t.call_clinic}
    return title, guidance


def _self_harm_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("You mentioned thoughts of death or self-harm")
    guidance = _(
        "Thank you for answering honestly. You do not have to manage these thoughts alone. If "
        "you might act on them, call %(emergency)s now or go to the nearest emergency "
        "department. You can call or text %(crisis)s (crisis line) at any time, day or night, "
        "to talk to someone. Please also %(call_clinic)s today so your care team knows."
    ) % {
        "emergency": t.emergency_number,
        "crisis": t.crisis_number,
        "call_clinic": t.call_clinic,
    }
    return title, guidance


def _cravings_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Cravings for ketamine (%(severity)s)") % {"severity": _severity_word(d)}
    guidance = _(
        "Urges to use ketamine outside your sessions are worth talking about early; they are "
        "nothing to be ashamed of. Please %(call_clinic)s or raise it at your next session. If "
        "you feel unsafe, call %(crisis)s (crisis line) or %(emergency)s."
    ) % {
        "call_clinic": t.call_clinic,
        "crisis": t.crisis_number,
        "emergency": t.emergency_number,
    }
    return title, guidance


def _use_outside_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Used ketamine, sedating drugs or alcohol outside your sessions")
    guidance = _(
        "Thank you for saying so; it is nothing to be ashamed of, and it matters for your "
        "safety during treatment. Please %(call_clinic)s or raise it at your next session. If "
        "you feel unsafe, call %(crisis)s (crisis line) or %(emergency)s."
    ) % {
        "call_clinic": t.call_clinic,
        "crisis": t.crisis_number,
        "emergency": t.emergency_number,
    }
    return title, guidance


def _urinary_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Urinary symptoms (%(severity)s)") % {"severity": _severity_word(d)}
    guidance = _(
        "Pain, urgency or needing to go often can be a side effect of repeated ketamine use and "
        "should be checked. Please %(call_clinic)s in the next day or two. If you cannot pass "
        "urine, seek urgent care now."
    ) % {"call_clinic": t.call_clinic}
    return title, guidance


def _blood_in_urine_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Blood in your urine")
    guidance = _(
        "Blood in the urine can be a side effect of ketamine on the bladder and should be "
        "checked. Please %(call_clinic)s today. If you see a lot of blood, pass clots, or "
        "cannot pass urine, seek urgent care now."
    ) % {"call_clinic": t.call_clinic}
    return title, guidance


def _rising_urinary_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Urinary symptoms getting worse")
    guidance = _(
        "Your urinary symptoms have been rated higher at each of your last check-ins. Please "
        "%(call_clinic)s in the next day or two so it can be checked."
    ) % {"call_clinic": t.call_clinic}
    return title, guidance


def _memory_text(d: Mapping[str, Any], t: Thresholds) -> Words:
    title = _("Memory or concentration problems (%(severity)s)") % {"severity": _severity_word(d)}
    guidance = _(
        "Please mention this to your care team at your next contact, or %(call_clinic)s if it "
        "is getting in the way of daily life."
    ) % {"call_clinic": t.call_clinic}
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


def _please_call(thresholds: Thresholds) -> str:
    return _("Please %(call_clinic)s.") % {"call_clinic": thresholds.call_clinic}


def describe(kind: str, detail: Mapping[str, Any], thresholds: Thresholds) -> Words:
    """The patient's title and guidance for a stored flag, with the clinic's current numbers."""
    text = _TEXT.get(kind)
    if text is None:
        return _fallback(kind), _please_call(thresholds)
    try:
        return text(detail, thresholds)
    except (KeyError, TypeError, AttributeError):
        return _fallback(kind), _please_call(thresholds)


# --- Provider voice ---------------------------------------------------------------------------


# A stored session name ("2 Dec IV session", `services.entries.session_name`, always English).
_SESSION_NAME = re.compile(r"^(?P<day>\d{1,2}) (?P<month>[A-Z][a-z]{2}) (?P<route>.+) session$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _session_words(stored: str) -> str:
    """A stored session name in the reader's language ("2 Dec IV session" reads "sesión IV
    del 2 Dic" in Spanish); a name it does not recognise is shown as stored."""
    match = _SESSION_NAME.match(stored)
    if match is None or match["month"] not in _MONTHS:
        return stored
    route = match["route"]
    if route not in ("IV", "IM"):
        with translation.override("en"):
            english = {str(label).lower(): label for _value, label in Route.choices}
        if route not in english:
            return stored
        route = str(english[route]).lower()
    day = date(2000, _MONTHS.index(match["month"]) + 1, int(match["day"]))
    return _("%(day)s %(route)s session") % {
        "day": dateformat.format(day, "j M"),
        "route": route,
    }


def _after_session(d: Mapping[str, Any], what: str) -> str:
    """`what`, followed by the session it happened after when the detail names one."""
    if d.get("session"):
        return _("%(what)s after the %(session)s") % {
            "what": what,
            "session": _session_words(d["session"]),
        }
    return what


def _clinical(kind: str, d: Mapping[str, Any]) -> str:
    if kind == SEVERE_BP:
        return (_("BP %(bp)s %(where)s") % {"bp": _bp(d), "where": _where(d)}).strip()
    if kind == ELEVATED_BEFORE_DOSE:
        return _("BP %(bp)s before dose") % {"bp": _bp(d)}
    if kind == POST_DOSE_RISE:
        return _(
            "BP %(bp)s %(where)s, +%(rise_systolic)s/+%(rise_diastolic)s over before-dose "
            "%(before)s"
        ) % {
            "bp": _bp(d),
            "where": _where(d),
            "rise_systolic": d["rise_systolic"],
            "rise_diastolic": d["rise_diastolic"],
            "before": f"{d['before_systolic']}/{d['before_diastolic']}",
        }
    if kind == PULSE:
        return (
            _("Pulse %(pulse)s/min %(where)s") % {"pulse": d["pulse"], "where": _where(d)}
        ).strip()
    if kind == SEVERE_SIDE_EFFECT:
        effects = ", ".join(
            _("%(symptom)s rated %(severity)s")
            % {"symptom": symptom_label(i["code"]), "severity": _severity_word(i)}
            for i in d.get("symptoms", [])
        )
        return _after_session(d, effects or _("Severe side effect"))
    if kind == HEAVY_BURDEN:
        parts = []
        if d.get("overall_bother") is not None and d.get("bother_fired"):
            parts.append(
                _("overall bother %(severity)s")
                % {"severity": SEVERITY_LABELS.get(d["overall_bother"], "?")}
            )
        if d.get("moderate_or_worse"):
            count = len(d["moderate_or_worse"])
            parts.append(
                ngettext(
                    "%(count)s effect Moderate or worse",
                    "%(count)s effects Moderate or worse",
                    count,
                )
                % {"count": count}
            )
        what = _("Heavy side-effect burden (%(parts)s)") % {"parts": "; ".join(parts)}
        return _after_session(d, what)
    if kind == LINGERING:
        return _("%(names)s still present %(hours)s h after the start of the %(session)s") % {
            "names": ", ".join(symptom_label(c) for c in d.get("codes", [])) or _("Effects"),
            "hours": d.get("hours", "?"),
            "session": _session_words(d["session"]) if d.get("session") else _("session"),
        }
    if kind == BREATHING:
        return _after_session(d, _("Hard to wake or breathing problems at home"))
    if kind == DROVE:
        return _after_session(d, _("Drove or operated machinery before a night's sleep"))
    if kind == VERY_LOW_MOOD:
        return _("Mood %(mood)s/10") % {"mood": d["mood"]}
    if kind == SUSTAINED_LOW_MOOD:
        if d.get("reason") == "drop":
            return _(
                "Mood 7-day mean %(mean)s/10, %(drop)s below the previous 28 days (%(baseline)s)"
            ) % {"mean": d["mean"], "drop": d["drop"], "baseline": d["baseline"]}
        return _("Mood 3-day mean %(mean)s/10 (%(days)s days with entries)") % {
            "mean": d["mean"],
            "days": d["days"],
        }
    if kind == LOW_MOOD:
        if "phq9_total" in d:
            return _("PHQ-9 %(total)s (severe)") % {"total": d["phq9_total"]}
        return _("Mood %(mood)s/10") % {"mood": d["mood"]}
    if kind == PHQ9_SEVERE:
        return _("PHQ-9 %(total)s (severe)") % {"total": d["phq9_total"]}
    if kind == PHQ9_WORSENING:
        values = {
            "total": d["phq9_total"],
            "rise": d["phq9_total"] - d["compared_total"],
            "compared_total": d["compared_total"],
        }
        if d["compared"] == "baseline":
            return _("PHQ-9 %(total)s, +%(rise)s over the baseline (%(compared_total)s)") % values
        return _("PHQ-9 %(total)s, +%(rise)s over the previous PHQ-9 (%(compared_total)s)") % values
    if kind == SELF_HARM:
        # The answer is the instrument's own wording: it stays as the PHQ-9 prints it.
        label = dict(FREQUENCY_OPTIONS).get(d.get("item9", 0), "?").lower()
        return _("PHQ-9 item 9: %(answer)s") % {"answer": label}
    if kind == GAD7_SEVERE:
        return _("GAD-7 %(total)s (severe)") % {"total": d["gad7_total"]}
    if kind == CRAVINGS:
        return _("Cravings rated %(severity)s") % {"severity": _severity_word(d)}
    if kind == USE_OUTSIDE:
        return _("Reported use of ketamine, sedating drugs or alcohol outside sessions")
    if kind == URINARY:
        return _("Urinary symptoms rated %(severity)s") % {"severity": _severity_word(d)}
    if kind == BLOOD_IN_URINE:
        return _("Blood in urine reported")
    if kind == RISING_URINARY:
        values = d.get("values", [])
        return ngettext(
            "Urinary symptoms rising over %(count)s check-in (%(steps)s)",
            "Urinary symptoms rising over %(count)s check-ins (%(steps)s)",
            len(values),
        ) % {
            "count": len(values),
            "steps": " → ".join(str(SEVERITY_LABELS.get(v, v)) for v in values),
        }
    if kind == MEMORY:
        return _("Memory or concentration rated %(severity)s") % {"severity": _severity_word(d)}
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
    with translation.override("en"):
        english = _TEXT[kind](detail, t)[0]
    return FlagResult(kind, category, int(severity), title, guidance, detail, english)


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
        {"code": code, "severity": sev, "label": severity_label_en(sev)}
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
        detail = {"code": code, "severity": sev, "label": severity_label_en(sev)}
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
