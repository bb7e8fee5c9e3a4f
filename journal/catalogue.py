"""The single source of truth for what Aftercare asks: side effects and questionnaires.

Symptom ratings are stored as rows keyed by `Symptom.code`, so adding a symptom here needs no
migration. Codes are stable: never rename or reuse one (stored data refers to it).

Questionnaire wording is the standard PHQ-9 and GAD-7 text, reproduced word for word with the
attribution the authors require. Do not paraphrase items.
"""

from __future__ import annotations

from dataclasses import dataclass

POST_SESSION = "post_session"
CHECK_IN = "check_in"

SEVERITY_LABELS: dict[int, str] = {
    0: "None",
    1: "Mild",
    2: "Moderate",
    3: "Severe",
    4: "Very severe",
}

SOURCE_ESKETAMINE_LABEL = (
    "Spravato (esketamine) prescribing information, section 6 (adverse reactions) and "
    "section 5 (warnings: sedation, dissociation, increased blood pressure)"
)
SOURCE_KETAMINE_LABEL = "Ketalar (ketamine) prescribing information, adverse reactions"
SOURCE_UROLOGY = (
    "Ketamine-associated uropathy: reviews of lower urinary tract symptoms with repeated use "
    "(e.g. Jhang et al., 2015, Int J Urol)"
)
SOURCE_MISUSE = "Esketamine label, section 5.4 (abuse and misuse); REMS monitoring requirements"


@dataclass(frozen=True)
class Symptom:
    """One thing a patient rates on the None…Very severe scale."""

    code: str
    label: str
    help_text: str
    asked: str  # POST_SESSION or CHECK_IN
    source: str
    routes: frozenset[str] | None = None  # None: every route
    # The share category it belongs to and the flag rule that watches it (see journal.flags).
    category: str = "side_effects"
    flag_rule: str = "severe_side_effect"

    def applies_to_route(self, route: str | None) -> bool:
        return self.routes is None or route in self.routes


SYMPTOMS: tuple[Symptom, ...] = (
    Symptom(
        "dissociation",
        "Dissociation",
        "Feeling detached, floating, unreal, or outside your body.",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "perceptual",
        "Hallucinations or perceptual changes",
        "Seeing or hearing things differently, or things that were not there.",
        POST_SESSION,
        SOURCE_KETAMINE_LABEL,
    ),
    Symptom(
        "drowsiness",
        "Drowsiness or sedation",
        "Sleepy, heavy, hard to stay awake.",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "dizziness",
        "Dizziness or spinning",
        "Light-headed, unsteady, or the room spinning (vertigo).",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "nausea",
        "Nausea",
        "Feeling sick to your stomach.",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "vomiting",
        "Vomiting",
        "Being sick (throwing up).",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "headache",
        "Headache",
        "Any head pain.",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "vision",
        "Blurred or double vision",
        "Trouble seeing clearly, or seeing double.",
        POST_SESSION,
        SOURCE_KETAMINE_LABEL,
    ),
    Symptom(
        "confusion",
        "Confusion or trouble thinking",
        "Foggy, slow, or hard to follow a thought.",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "anxiety_agitation",
        "Anxiety or agitation",
        "Nervous, on edge, restless, or agitated.",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "numbness",
        "Numbness or tingling",
        "Pins and needles or reduced feeling, for example in the mouth, hands or feet.",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
    ),
    Symptom(
        "taste",
        "Taste change",
        "An unusual or metallic taste (nasal spray).",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
        routes=frozenset({"intranasal"}),
    ),
    Symptom(
        "nasal",
        "Nasal discomfort",
        "Irritation, stinging or discomfort in the nose or throat (nasal spray).",
        POST_SESSION,
        SOURCE_ESKETAMINE_LABEL,
        routes=frozenset({"intranasal"}),
    ),
    # Between sessions (daily check-ins)
    Symptom(
        "urinary",
        "Urinary symptoms",
        "Pain when passing urine, needing to go urgently or often, or blood in the urine.",
        CHECK_IN,
        SOURCE_UROLOGY,
        flag_rule="urinary",
    ),
    Symptom(
        "memory",
        "Memory or concentration problems",
        "Forgetting things or finding it hard to concentrate.",
        CHECK_IN,
        SOURCE_KETAMINE_LABEL,
    ),
    Symptom(
        "cravings",
        "Cravings or urges to use ketamine outside treatment",
        "Wanting or planning to use ketamine apart from your supervised sessions.",
        CHECK_IN,
        SOURCE_MISUSE,
        flag_rule="cravings",
    ),
    Symptom(
        "sleep",
        "Sleep problems",
        "Trouble falling or staying asleep, or sleeping much more than usual.",
        CHECK_IN,
        SOURCE_ESKETAMINE_LABEL,
    ),
)

SYMPTOMS_BY_CODE: dict[str, Symptom] = {s.code: s for s in SYMPTOMS}


def post_session_symptoms(route: str | None) -> list[Symptom]:
    """Acute symptoms asked after a session of `route` (route-specific ones only for it)."""
    return [s for s in SYMPTOMS if s.asked == POST_SESSION and s.applies_to_route(route)]


def check_in_symptoms() -> list[Symptom]:
    """Between-session symptoms asked in daily check-ins."""
    return [s for s in SYMPTOMS if s.asked == CHECK_IN]


def symptom_label(code: str) -> str:
    """The label of a code; unknown (retired) codes are shown as they are stored."""
    symptom = SYMPTOMS_BY_CODE.get(code)
    return symptom.label if symptom else code


# --- Questionnaires ----------------------------------------------------------------------

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
