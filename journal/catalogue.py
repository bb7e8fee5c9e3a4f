"""The single source of truth for what Aftercare asks: side effects and questionnaires.

Symptom ratings are stored as rows keyed by `Symptom.code`, so adding a symptom here needs no
migration. Codes are stable: never rename or reuse one (stored data refers to it).

Questionnaire wording is the standard PHQ-9 and GAD-7 text, reproduced word for word with the
attribution the authors require. Do not paraphrase items.

Side-effect names, descriptions, answers and flag rules are marked for translation
(`gettext_lazy`, evaluated when shown, so an export rendered under `translation.override("en")`
reads English). Questionnaire items, answers, instructions and notices are never marked: see
`INSTRUMENT_LANGUAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import translation

if TYPE_CHECKING:
    # Lazy at runtime (read in the active language where shown, so an export rendered under
    # `translation.override("en")` reads English); typed as the str it turns into.
    def _(message: str) -> str:
        return message

    def pgettext_lazy(context: str, message: str) -> str:
        return message
else:
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import pgettext_lazy

Text = str

POST_SESSION = "post_session"
CHECK_IN = "check_in"

SEVERITY_LABELS: dict[int, Text] = {
    0: _("None"),
    1: _("Mild"),
    2: _("Moderate"),
    3: _("Severe"),
    4: _("Very severe"),
}

# The Spanish side-effect names, descriptions and severity words follow the project's glossary
# (journal/locale/es/GLOSSARY.md) in plain words; they are not PRO-CTCAE's Spanish items (the
# NCI Spanish item library could not be read to cite when they were written).
SPANISH_TERMS = (
    "Aftercare Spanish glossary (journal/locale/es/GLOSSARY.md); not the NCI PRO-CTCAE Spanish "
    "item library, which was not available to check"
)

# --- Sources (document, version or date, section in that version) --------------------------
# Spravato's US label was renumbered when respiratory depression was added (10/2023 per
# secondary reports): in the 03/2019 label §5.3 is Abuse and Misuse and §5.4 the REMS; in the
# revision with the respiratory-depression boxed warning, §5.3 is Respiratory Depression, §5.4
# Abuse and Misuse and §5.5 the REMS. Each source names the revision its sections were checked in.
SOURCE_ESKETAMINE_LABEL = (
    "Spravato (esketamine) nasal spray, US prescribing information, Janssen, revised 03/2019: "
    "§6.1 Clinical Trials Experience (adverse reactions); §5.1 Sedation, §5.2 Dissociation, "
    "§5.6 Increase in Blood Pressure"
)
SOURCE_KETAMINE_LABEL = (
    "Ketalar (ketamine hydrochloride) injection, US prescribing information, Par Pharmaceutical, "
    "revised 10/2024: §5.2 Emergence Reactions; §6 Adverse Reactions (eye disorders: diplopia, "
    "nystagmus)"
)
SOURCE_UROLOGY = (
    "Jhang JF, Hsu YH, Kuo HC. Possible pathophysiology of ketamine-related cystitis and "
    "associated treatment strategies. Int J Urol 2015;22(9):816–825 (review, pages 816–825); "
    "Ketalar US prescribing information, revised 10/2024, §6 Adverse Reactions (renal and "
    "urinary disorders with chronic ketamine use or abuse)"
)
SOURCE_MISUSE = (
    "Spravato US prescribing information, Janssen, revision with the respiratory-depression "
    "boxed warning (from 10/2023): §5.4 Abuse and Misuse, §5.5 SPRAVATO REMS (in the 03/2019 "
    "label: §5.3 and §5.4); SPRAVATO REMS, FDA REMS@FDA summary (NDA 211243), section 'What is "
    "the purpose of the REMS?' (first approved 03/2019; date of the current update not verified)"
)
SOURCE_SEDATION = (
    "Spravato US prescribing information, Janssen, revised 03/2019: boxed warning; §5.1 "
    "Sedation and §5.2 Dissociation (monitor at least 2 hours, until clinically stable; same "
    "numbers in later revisions); §2.4 (post-administration monitoring, heading not verified)"
)
SOURCE_RESPIRATORY = (
    "Spravato US prescribing information, Janssen, revision with the respiratory-depression "
    "boxed warning (from 10/2023; revision date from secondary reports, not read on the label): "
    "boxed warning and §5.3 Respiratory Depression"
)
SOURCE_DRIVING = (
    "Spravato US prescribing information, Janssen, revised 03/2019: §5.8 Impaired Ability to "
    "Drive and Operate Machinery; §17 Patient Counseling Information (not until the next day "
    "after a restful sleep)"
)
SOURCE_CYSTITIS = (
    "Spravato US prescribing information, Janssen, revised 03/2019: §5.9 Ulcerative or "
    "Interstitial Cystitis; Ketalar US prescribing information, revised 10/2024, §6 Adverse "
    "Reactions (hematuria and cystitis with chronic ketamine use or abuse)"
)
SOURCE_COGNITION = (
    "Spravato US prescribing information, Janssen, revised 03/2019: §5.7 Cognitive Impairment "
    "(short-term; long-term with repeated ketamine misuse or abuse)"
)
SOURCE_BP_LABEL = (
    "Spravato US prescribing information, Janssen, revised 03/2019: §5.6 Increase in Blood "
    "Pressure (above 140/90 before dosing as a general guide; peak about 40 minutes after)"
)
SOURCE_ACC_AHA_2017 = (
    "Whelton PK et al. 2017 ACC/AHA/AAPA/ABC/ACPM/AGS/APhA/ASH/ASPC/NMA/PCNA guideline for high "
    "blood pressure in adults, Hypertension 2018;71:e13–e115 (also J Am Coll Cardiol "
    "2018;71(19):e127–e248): section on hypertensive crises, emergencies and urgencies "
    "(number not verified); American Heart Association patient page 'Hypertensive Crisis: When "
    "You Should Call 911 for High Blood Pressure' (heart.org/en/health-topics/high-blood-"
    "pressure/understanding-blood-pressure-readings/hypertensive-crisis-when-you-should-call-"
    "911-for-high-blood-pressure), sections 'Hypertensive Urgency' (wait about five minutes, "
    "retake) and 'Hypertensive Emergency' (review date not shown)"
)
SOURCE_AHA_PULSE = (
    "American Heart Association patient pages on tachycardia (above 100/min) and bradycardia "
    "(below 60/min) on heart.org: page titles, addresses and review dates not verified (not in "
    "the reference store when checked, 12/2026)"
)
SOURCE_PRO_CTCAE = (
    "NCI PRO-CTCAE item library version 1.0 (version date 4/26/2020): severity items, five "
    "steps None / Mild / Moderate / Severe / Very severe scored 0–4 (PRO-CTCAE-style scale; "
    "not PRO-CTCAE items)"
)
SOURCE_FIBSER = (
    "The idea of FIBSER item 3 (global burden of side effects), not the FIBSER instrument: "
    "Wisniewski SR, Rush AJ, Balasubramani GK, Trivedi MH, Nierenberg AA. J Psychiatr Pract "
    "2006;12(2):71–79"
)
SOURCE_KROENKE_2001 = (
    "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity "
    "measure. J Gen Intern Med 2001;16:606–613, abstract (scores 5, 10, 15, 20: mild, moderate, "
    "moderately severe, severe; severity table number not verified); PHQ-9 item 9"
)
SOURCE_LOWE_2004 = (
    "Löwe B, Unützer J, Callahan CM, Perkins AJ, Kroenke K. Monitoring depression treatment "
    "outcomes with the PHQ-9. Med Care 2004;42(12):1194–1201, abstract (pages 1194–1201): "
    "minimal clinically important difference for individual change 5 points"
)
SOURCE_SPITZER_2006 = (
    "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized "
    "anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092–1097 (pages 1092–1097): cut "
    "points 5, 10, 15 for mild, moderate, severe (page of the statement not verified)"
)
# --- end of sources ------------------------------------------------------------------------

# How an item is answered: the five-step severity scale, yes/no, or how long recovery took.
SEVERITY = "severity"
YES_NO = "yes_no"
RECOVERY = "recovery"

ANSWER_OPTIONS: dict[str, tuple[tuple[int, Text], ...]] = {
    SEVERITY: tuple(SEVERITY_LABELS.items()),
    YES_NO: ((0, _("No")), (1, _("Yes"))),
    RECOVERY: (
        (0, _("Not yet")),
        (1, _("Less than 2 hours")),
        (2, _("2 to 4 hours")),
        (3, _("4 to 8 hours")),
        (4, _("The next day or later")),
    ),
}


def severity_label_en(value: int) -> str:
    """The English word of a severity (for values stored with a flag: they stay English)."""
    with translation.override("en"):
        return str(SEVERITY_LABELS.get(value, value))


# Flag rules that watch catalogue items (kinds of `journal.flags`).
RULE_SEVERE_SIDE_EFFECT = "severe_side_effect"
RULE_LINGERING = "lingering_effects"
RULE_BREATHING = "breathing_or_waking"
RULE_DROVE = "drove_too_soon"
RULE_CRAVINGS = "cravings"
RULE_USE_OUTSIDE = "use_outside_sessions"
RULE_URINARY = "urinary"
RULE_BLOOD_IN_URINE = "blood_in_urine"
RULE_MEMORY = "memory"


@dataclass(frozen=True)
class Symptom:
    """One thing a patient answers about: most on the None…Very severe scale, some yes/no.

    Answers are stored as `SymptomRating` rows (code, value), whatever the answer kind, so a
    new item needs no schema change. Only `SEVERITY` items are side effects in charts and
    burden counts."""

    code: str
    label: Text
    help_text: Text
    asked: str  # POST_SESSION or CHECK_IN
    source: str
    routes: frozenset[str] | None = None  # None: every route
    # The share category it belongs to and the flag rule that watches it (see journal.flags);
    # "" when no rule watches it on its own.
    category: str = "side_effects"
    flag_rule: str = RULE_SEVERE_SIDE_EFFECT
    answer: str = SEVERITY
    # For a "still present now?" item: the code of the effect it follows up.
    follows: str = ""

    def applies_to_route(self, route: str | None) -> bool:
        return self.routes is None or route in self.routes

    @property
    def options(self) -> tuple[tuple[int, Text], ...]:
        return ANSWER_OPTIONS[self.answer]

    @property
    def is_severity(self) -> bool:
        return self.answer == SEVERITY

    def answer_label(self, value: int) -> str:
        return str(dict(self.options).get(value, value))


SYMPTOMS: tuple[Symptom, ...] = (
    Symptom(
        "dissociation",
        _("Dissociation"),
        _("Feeling detached, floating, unreal, or outside your body."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "perceptual",
        _("Hallucinations or perceptual changes"),
        _("Seeing or hearing things differently, or things that were not there."),
        POST_SESSION,
        SOURCE_KETAMINE_LABEL,
    ),
    Symptom(
        "drowsiness",
        _("Drowsiness or sedation"),
        _("Sleepy, heavy, hard to stay awake."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "dizziness",
        _("Dizziness or spinning"),
        _("Light-headed, unsteady, or the room spinning (vertigo)."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "nausea",
        _("Nausea"),
        _("Feeling sick to your stomach."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "vomiting",
        _("Vomiting"),
        _("Being sick (throwing up)."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "headache",
        _("Headache"),
        _("Any head pain."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "vision",
        _("Blurred or double vision"),
        _("Trouble seeing clearly, or seeing double."),
        POST_SESSION,
        SOURCE_KETAMINE_LABEL,
    ),
    Symptom(
        "confusion",
        _("Confusion or trouble thinking"),
        _("Foggy, slow, or hard to follow a thought."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "anxiety_agitation",
        _("Anxiety or agitation"),
        _("Nervous, on edge, restless, or agitated."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "numbness",
        _("Numbness or tingling"),
        _("Pins and needles or reduced feeling, for example in the mouth, hands or feet."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "taste",
        _("Taste change"),
        _("An unusual or metallic taste (nasal spray)."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
        routes=frozenset({"intranasal"}),
    ),
    Symptom(
        "nasal",
        _("Nasal discomfort"),
        _("Irritation, stinging or discomfort in the nose or throat (nasal spray)."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
        routes=frozenset({"intranasal"}),
    ),
    Symptom(
        "drunk_high",
        _("Feeling drunk or high"),
        _("Feeling intoxicated, tipsy or high."),
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    # Follow-ups: still present when the report is written?
    *(
        Symptom(
            f"{code}_now",
            label,
            _("Answer Yes if you still feel it as you write this."),
            POST_SESSION,
            SOURCE_SEDATION,
            flag_rule=RULE_LINGERING,
            answer=YES_NO,
            follows=code,
        )
        for code, label in (
            ("dissociation", _("Dissociation: still present now?")),
            ("perceptual", _("Hallucinations or perceptual changes: still present now?")),
            ("confusion", _("Confusion or trouble thinking: still present now?")),
            ("drowsiness", _("Drowsiness or sedation: still present now?")),
        )
    ),
    Symptom(
        "back_to_normal",
        _("About how long until you felt back to normal?"),
        _("From the start of the session."),
        POST_SESSION,
        SOURCE_SEDATION,
        flag_rule="",
        answer=RECOVERY,
    ),
    Symptom(
        "breathing_waking",
        _("After getting home: were you hard to wake, or breathing slowly or with difficulty?"),
        _("Answer Yes if you, or someone with you, noticed this."),
        POST_SESSION,
        SOURCE_RESPIRATORY,
        flag_rule=RULE_BREATHING,
        answer=YES_NO,
    ),
    Symptom(
        "drove",
        _("Did you drive or operate machinery before a night's sleep after the session?"),
        _("Including a car, a motorbike, a bicycle or machinery at work."),
        POST_SESSION,
        SOURCE_DRIVING,
        flag_rule=RULE_DROVE,
        answer=YES_NO,
    ),
    # Between sessions (daily check-ins)
    Symptom(
        "urinary",
        _("Urinary symptoms"),
        _("Pain when passing urine, or needing to go urgently or often."),
        CHECK_IN,
        SOURCE_UROLOGY,
        flag_rule=RULE_URINARY,
    ),
    Symptom(
        "blood_in_urine",
        _("Blood in your urine"),
        _("Pink, red or brown urine, or blood you can see."),
        CHECK_IN,
        SOURCE_CYSTITIS,
        flag_rule=RULE_BLOOD_IN_URINE,
        answer=YES_NO,
    ),
    Symptom(
        "memory",
        _("Memory or concentration problems"),
        _("Forgetting things or finding it hard to concentrate."),
        CHECK_IN,
        SOURCE_COGNITION,
        flag_rule=RULE_MEMORY,
    ),
    Symptom(
        "cravings",
        _("Cravings or urges to use ketamine outside treatment"),
        _("Wanting or planning to use ketamine apart from your supervised sessions."),
        CHECK_IN,
        SOURCE_MISUSE,
        flag_rule=RULE_CRAVINGS,
    ),
    Symptom(
        "use_outside",
        _(
            "Since your last check-in, have you used ketamine, other sedating drugs or alcohol "
            "outside your sessions?"
        ),
        _("Your answer goes to your care team only if you share side effects with them."),
        CHECK_IN,
        SOURCE_MISUSE,
        flag_rule=RULE_USE_OUTSIDE,
        answer=YES_NO,
    ),
    Symptom(
        "sleep",
        _("Sleep problems"),
        _("Trouble falling or staying asleep, or sleeping much more than usual."),
        CHECK_IN,
        SOURCE_ESKETAMINE_LABEL,
        flag_rule="",
    ),
)

SYMPTOMS_BY_CODE: dict[str, Symptom] = {s.code: s for s in SYMPTOMS}


@dataclass(frozen=True)
class FlagRule:
    """One rule of DESIGN.md §3 as the clinic sees it: what it watches and why."""

    kind: str
    name: Text
    rule: Text  # the default rule, in words; every number is a clinic setting
    source: str


FLAG_RULES: tuple[FlagRule, ...] = (
    FlagRule(
        "severe_bp",
        _("Severe blood pressure"),
        _("systolic ≥ 180 or diastolic ≥ 120, any context (urgent)"),
        SOURCE_ACC_AHA_2017,
    ),
    FlagRule(
        "elevated_before_dose",
        _("Elevated before dose"),
        _("before-dose reading above 140/90 (notable)"),
        SOURCE_BP_LABEL,
    ),
    FlagRule(
        "post_dose_rise",
        _("Post-dose rise"),
        _("≥ 40 systolic or ≥ 25 diastolic over that session's before-dose reading (high)"),
        SOURCE_BP_LABEL,
    ),
    FlagRule(
        "pulse", _("Pulse"), _("pulse above 120 or below 50 per minute (high)"), SOURCE_AHA_PULSE
    ),
    FlagRule(
        "severe_side_effect",
        _("Severe side effect"),
        _("any acute symptom Severe or Very severe (high)"),
        SOURCE_PRO_CTCAE,
    ),
    FlagRule(
        "heavy_burden",
        _("Heavy side-effect burden"),
        _("overall bother ≥ Severe, or ≥ 3 acute effects Moderate or worse in one report (high)"),
        SOURCE_FIBSER,
    ),
    FlagRule(
        RULE_LINGERING,
        _("Lingering effects"),
        _(
            "dissociation, perceptual changes, confusion "
            "or drowsiness still present in a report written ≥ 3 h after the session began "
            "(high)"
        ),
        SOURCE_SEDATION,
    ),
    FlagRule(
        RULE_BREATHING,
        _("Breathing or hard to wake"),
        _("hard to wake, or breathing slowly or with difficulty, after getting home (urgent)"),
        SOURCE_RESPIRATORY,
    ),
    FlagRule(
        RULE_DROVE,
        _("Drove too soon"),
        _("drove or operated machinery before a night's sleep (notable)"),
        SOURCE_DRIVING,
    ),
    FlagRule("very_low_mood", _("Very low mood"), _("any entry with mood ≤ 1 (high)"), ""),
    FlagRule(
        "sustained_low_mood",
        _("Sustained low mood"),
        _(
            "mean of daily means over the last 3 "
            "local days ≤ 2 with entries on ≥ 2 of them; or 7-day mean ≥ 3 below the 28 days "
            "before (high)"
        ),
        "",
    ),
    FlagRule("phq9_severe", _("PHQ-9 severe"), _("PHQ-9 ≥ 20 (high)"), SOURCE_KROENKE_2001),
    FlagRule(
        "phq9_worsening",
        _("PHQ-9 worsening"),
        _("≥ 5 points above the previous PHQ-9 or the baseline (high)"),
        SOURCE_LOWE_2004,
    ),
    FlagRule(
        "self_harm",
        _("Self-harm item"),
        _("PHQ-9 item 9 above 'Not at all' (urgent)"),
        SOURCE_KROENKE_2001,
    ),
    FlagRule("gad7_severe", _("GAD-7 severe"), _("GAD-7 ≥ 15 (notable)"), SOURCE_SPITZER_2006),
    FlagRule(RULE_CRAVINGS, _("Cravings"), _("cravings Moderate or worse (high)"), SOURCE_MISUSE),
    FlagRule(
        RULE_USE_OUTSIDE,
        _("Use outside sessions"),
        _("use of ketamine, other sedating drugs or alcohol outside sessions (high)"),
        SOURCE_MISUSE,
    ),
    FlagRule(
        RULE_URINARY, _("Urinary"), _("urinary symptoms Moderate or worse (high)"), SOURCE_UROLOGY
    ),
    FlagRule(RULE_BLOOD_IN_URINE, _("Blood in urine"), _("any (high)"), SOURCE_CYSTITIS),
    FlagRule(
        "rising_urinary",
        _("Rising urinary"),
        _("urinary rating higher in each of 3 consecutive check-ins (notable)"),
        SOURCE_UROLOGY,
    ),
    FlagRule(
        RULE_MEMORY,
        _("Memory"),
        _("memory or concentration Moderate or worse (notable)"),
        SOURCE_COGNITION,
    ),
)
FLAG_RULES_BY_KIND: dict[str, FlagRule] = {r.kind: r for r in FLAG_RULES}


def post_session_symptoms(route: str | None) -> list[Symptom]:
    """Acute symptoms asked after a session of `route` (route-specific ones only for it)."""
    return [s for s in SYMPTOMS if s.asked == POST_SESSION and s.applies_to_route(route)]


def check_in_symptoms() -> list[Symptom]:
    """Between-session symptoms asked in daily check-ins."""
    return [s for s in SYMPTOMS if s.asked == CHECK_IN]


def symptom_label(code: str) -> str:
    """The label of a code; unknown (retired) codes are shown as they are stored."""
    symptom = SYMPTOMS_BY_CODE.get(code)
    return str(symptom.label) if symptom else code


def answer_label(code: str, value: int) -> str:
    """How an answer reads ("Moderate", "Yes", "2 to 4 hours"); unknown codes use the
    severity scale."""
    symptom = SYMPTOMS_BY_CODE.get(code)
    if symptom is None:
        return str(SEVERITY_LABELS.get(value, value))
    return symptom.answer_label(value)


def is_side_effect(code: str) -> bool:
    """Rated on the severity scale (charts and burden counts use only these)."""
    symptom = SYMPTOMS_BY_CODE.get(code)
    return symptom is None or symptom.is_severity


# --- Questionnaires ----------------------------------------------------------------------

# The languages the questionnaire texts below exist in. The official Spanish (USA) PHQ-9 and
# GAD-7 could not be found to cite, and an instrument is never translated here, so their items,
# answers, instructions and notices stay in English for every reader (pages wrap them in
# lang="en"); nothing below is marked for translation.
INSTRUMENT_LANGUAGES: frozenset[str] = frozenset({"en"})

FREQUENCY_OPTIONS: tuple[tuple[int, str], ...] = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)
DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)
DIFFICULTY_OPTIONS: tuple[tuple[int, str], ...] = (
    (0, "Not difficult at all"),
    (1, "Somewhat difficult"),
    (2, "Very difficult"),
    (3, "Extremely difficult"),
)
PFIZER_ATTRIBUTION = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
SCREENING_NOTICE = (
    "This questionnaire is a screening and monitoring tool, not a diagnosis. Your clinician "
    "interprets the score together with everything else they know about you."
)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Questionnaire:
    code: str
    title: str
    full_name: str
    stem: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]
    attribution: str = PFIZER_ATTRIBUTION
    options: tuple[tuple[int, str], ...] = FREQUENCY_OPTIONS
    difficulty_question: str = DIFFICULTY_QUESTION
    difficulty_options: tuple[tuple[int, str], ...] = DIFFICULTY_OPTIONS

    @property
    def max_total(self) -> int:
        return 3 * len(self.items)

    def score(self, answers: list[int] | tuple[int, ...]) -> tuple[int, str]:
        """Total and band for a complete set of item answers (each 0–3)."""
        if len(answers) != len(self.items):
            raise ValueError(f"{self.title} needs {len(self.items)} answers, got {len(answers)}")
        if any(not isinstance(a, int) or isinstance(a, bool) or not 0 <= a <= 3 for a in answers):
            raise ValueError("Each answer must be a whole number from 0 to 3")
        total = sum(answers)
        return total, self.band_for(total)

    def band_for(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        raise ValueError(f"{total} is outside 0–{self.max_total}")


PHQ9 = Questionnaire(
    code="phq9",
    title="PHQ-9",
    full_name="Patient Health Questionnaire (PHQ-9)",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 19, "Moderately severe"),
        Band(20, 27, "Severe"),
    ),
)
# Index of PHQ-9 item 9 (thoughts of self-harm) in `PHQ9.items`.
PHQ9_SELF_HARM_ITEM = 8

GAD7 = Questionnaire(
    code="gad7",
    title="GAD-7",
    full_name="Generalized Anxiety Disorder scale (GAD-7)",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 21, "Severe"),
    ),
)

QUESTIONNAIRES: dict[str, Questionnaire] = {q.code: q for q in (PHQ9, GAD7)}

# Bands are stored in English with each response (`QuestionnaireResponse.band`); these are
# the words pages show for them.
BAND_LABELS: dict[str, Text] = {
    "Minimal": pgettext_lazy("questionnaire band", "Minimal"),
    "Mild": pgettext_lazy("questionnaire band", "Mild"),
    "Moderate": pgettext_lazy("questionnaire band", "Moderate"),
    "Moderately severe": pgettext_lazy("questionnaire band", "Moderately severe"),
    "Severe": pgettext_lazy("questionnaire band", "Severe"),
}


def band_label(band: str) -> str:
    """A stored band in the reader's language; an unknown band as stored."""
    return str(BAND_LABELS.get(band, band))
