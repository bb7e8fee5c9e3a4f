"""The side-effect catalogue, the flag rules as the clinic sees them, and the questionnaire
definitions are complete and consistent with DESIGN.md §2 and §3."""

from __future__ import annotations

import re

import pytest

from journal import catalogue
from journal.catalogue import (
    ANSWER_OPTIONS,
    CHECK_IN,
    FLAG_RULES,
    FLAG_RULES_BY_KIND,
    GAD7,
    PHQ9,
    PHQ9_SELF_HARM_ITEM,
    POST_SESSION,
    QUESTIONNAIRES,
    SEVERITY_LABELS,
    SYMPTOMS,
    SYMPTOMS_BY_CODE,
    answer_label,
    check_in_symptoms,
    is_side_effect,
    post_session_symptoms,
    symptom_label,
)
from journal.flags import describe
from journal.models import SEVERITY_CHOICES, Route
from journal.thresholds import Thresholds
from tests.factories import every_flag

# Every item DESIGN.md §2 names, by the code the catalogue must use for it, with how it is
# answered.
DESIGN_ACUTE = {
    "dissociation",
    "perceptual",
    "drowsiness",
    "dizziness",
    "nausea",
    "vomiting",
    "headache",
    "vision",
    "confusion",
    "anxiety_agitation",
    "numbness",
    "drunk_high",
    "taste",
    "nasal",
}
DESIGN_STILL_PRESENT = {
    "dissociation_now": "dissociation",
    "perceptual_now": "perceptual",
    "confusion_now": "confusion",
    "drowsiness_now": "drowsiness",
}
DESIGN_POST_SESSION = (
    dict.fromkeys(DESIGN_ACUTE, "severity")
    | dict.fromkeys(DESIGN_STILL_PRESENT, "yes_no")
    | {"back_to_normal": "recovery", "breathing_waking": "yes_no", "drove": "yes_no"}
)
DESIGN_CHECK_IN = {
    "urinary": "severity",
    "blood_in_urine": "yes_no",
    "memory": "severity",
    "cravings": "severity",
    "use_outside": "yes_no",
    "sleep": "severity",
}
INTRANASAL_ONLY = {"taste", "nasal"}

# DESIGN.md §3: every flag and its severity.
DESIGN_FLAGS = {
    "severe_bp": "urgent",
    "elevated_before_dose": "notable",
    "post_dose_rise": "high",
    "pulse": "high",
    "severe_side_effect": "high",
    "heavy_burden": "high",
    "lingering_effects": "high",
    "breathing_or_waking": "urgent",
    "drove_too_soon": "notable",
    "very_low_mood": "high",
    "sustained_low_mood": "high",
    "phq9_severe": "high",
    "phq9_worsening": "high",
    "self_harm": "urgent",
    "gad7_severe": "notable",
    "cravings": "high",
    "use_outside_sessions": "high",
    "urinary": "high",
    "blood_in_urine": "high",
    "rising_urinary": "notable",
    "memory": "notable",
}


def test_symptom_codes_are_unique_and_every_entry_is_complete() -> None:
    codes = [s.code for s in SYMPTOMS]
    assert len(codes) == len(set(codes))
    for s in SYMPTOMS:
        assert s.code.isidentifier() and len(s.code) <= 40
        assert s.label and s.help_text and s.source
        assert s.asked in {POST_SESSION, CHECK_IN}
        assert s.category == "side_effects"


def test_every_design_item_is_present_where_it_is_asked_and_answered_as_designed() -> None:
    assert {s.code: s.answer for s in SYMPTOMS if s.asked == POST_SESSION} == DESIGN_POST_SESSION
    assert {s.code: s.answer for s in check_in_symptoms()} == DESIGN_CHECK_IN


@pytest.mark.parametrize("route", Route.values)
def test_route_specific_symptoms_are_asked_only_after_intranasal_sessions(route: str) -> None:
    codes = {s.code for s in post_session_symptoms(route)}
    if route == Route.INTRANASAL:
        assert codes == set(DESIGN_POST_SESSION)
    else:
        assert codes == set(DESIGN_POST_SESSION) - INTRANASAL_ONLY


def test_still_present_items_follow_up_the_four_effects_design_names() -> None:
    follows = {s.code: s.follows for s in SYMPTOMS if s.follows}
    assert follows == DESIGN_STILL_PRESENT
    for code, effect in follows.items():
        assert SYMPTOMS_BY_CODE[effect].asked == POST_SESSION
        assert SYMPTOMS_BY_CODE[effect].is_severity
        assert SYMPTOMS_BY_CODE[code].routes is None


def test_severity_scale_matches_the_models_choices() -> None:
    assert list(SEVERITY_LABELS.items()) == SEVERITY_CHOICES
    assert list(SEVERITY_LABELS) == [0, 1, 2, 3, 4]


def test_answer_options_for_each_kind_of_item() -> None:
    assert ANSWER_OPTIONS["severity"] == (
        (0, "None"),
        (1, "Mild"),
        (2, "Moderate"),
        (3, "Severe"),
        (4, "Very severe"),
    )
    assert ANSWER_OPTIONS["yes_no"] == ((0, "No"), (1, "Yes"))
    assert ANSWER_OPTIONS["recovery"] == (
        (0, "Not yet"),
        (1, "Less than 2 hours"),
        (2, "2 to 4 hours"),
        (3, "4 to 8 hours"),
        (4, "The next day or later"),
    )
    assert SYMPTOMS_BY_CODE["drove"].options == ANSWER_OPTIONS["yes_no"]


@pytest.mark.parametrize(
    ("code", "value", "label"),
    [
        ("nausea", 3, "Severe"),
        ("drove", 1, "Yes"),
        ("blood_in_urine", 0, "No"),
        ("back_to_normal", 2, "2 to 4 hours"),
        ("back_to_normal", 0, "Not yet"),
        ("retired_code", 2, "Moderate"),  # unknown codes read on the severity scale
        ("drove", 7, "7"),  # out-of-range values are shown as stored
    ],
)
def test_answers_read_in_their_own_options(code: str, value: int, label: str) -> None:
    assert answer_label(code, value) == label


def test_only_severity_items_count_as_side_effects() -> None:
    side_effects = {s.code for s in SYMPTOMS if is_side_effect(s.code)}
    assert side_effects == DESIGN_ACUTE | {"urinary", "memory", "cravings", "sleep"}
    assert is_side_effect("retired_code")


def test_each_item_is_watched_by_the_flag_rule_design_gives_it() -> None:
    expected = (
        dict.fromkeys(DESIGN_ACUTE, "severe_side_effect")
        | dict.fromkeys(DESIGN_STILL_PRESENT, "lingering_effects")
        | {
            "back_to_normal": "",
            "breathing_waking": "breathing_or_waking",
            "drove": "drove_too_soon",
            "urinary": "urinary",
            "blood_in_urine": "blood_in_urine",
            "memory": "memory",
            "cravings": "cravings",
            "use_outside": "use_outside_sessions",
            "sleep": "",
        }
    )
    assert {s.code: s.flag_rule for s in SYMPTOMS} == expected


def test_every_symptoms_flag_rule_is_a_known_rule() -> None:
    known = {r.kind for r in FLAG_RULES}
    for s in SYMPTOMS:
        assert s.flag_rule == "" or s.flag_rule in known, s.code


# --- Flag rules as the clinic sees them -------------------------------------------------------


def test_flag_rules_are_the_rules_of_design_with_their_severities() -> None:
    kinds = [r.kind for r in FLAG_RULES]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) == set(DESIGN_FLAGS)
    assert FLAG_RULES_BY_KIND.keys() == DESIGN_FLAGS.keys()
    for r in FLAG_RULES:
        assert r.name.strip() and r.rule.strip(), r.kind
        assert r.rule.endswith(f"({DESIGN_FLAGS[r.kind]})"), r.kind


def test_every_flag_rule_names_its_source_except_the_mood_rules_design_gives_none() -> None:
    without = {r.kind for r in FLAG_RULES if not r.source.strip()}
    assert without == {"very_low_mood", "sustained_low_mood"}


SOURCES = {name: value for name, value in vars(catalogue).items() if name.startswith("SOURCE_")}
YEAR = re.compile(r"\b(19|20)\d{2}\b")
PLACE_MARKERS = ("§", "section", "table", "item", "page")


def test_there_are_sources_to_check() -> None:
    assert len(SOURCES) >= 10
    assert all(isinstance(v, str) for v in SOURCES.values())


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_source_is_pinned_to_a_dated_version_and_a_place_in_it(name: str) -> None:
    """Issue 16, item 7: a source names its document, its version or date and the section (or
    table, item, page) in that version; an unpinned source like "the label, warnings" fails."""
    text = SOURCES[name]
    assert YEAR.search(text), f"{name} names no year: {text!r}"
    assert any(m in text.lower() for m in PLACE_MARKERS), f"{name} names no section: {text!r}"


def test_every_cited_source_is_one_of_the_pinned_constants() -> None:
    pinned = set(SOURCES.values())
    cited = {s.source for s in SYMPTOMS} | {r.source for r in FLAG_RULES if r.source}
    assert cited <= pinned


def test_every_flag_rule_has_its_own_patient_wording() -> None:
    t = Thresholds(clinic_phone="555-0100", after_hours_phone="555-0199")
    samples = {r.kind: r.detail for r in every_flag(t)}
    fallback_guidance = f"Please {t.call_clinic}."
    for rule in FLAG_RULES:
        assert rule.kind in samples, f"no sample flag for {rule.kind}"
        title, guidance = describe(rule.kind, samples[rule.kind], t)
        assert title != rule.kind.replace("_", " ").capitalize(), rule.kind
        assert guidance != fallback_guidance, rule.kind
        assert len(guidance) > len(fallback_guidance), rule.kind


def test_unknown_codes_are_shown_as_stored() -> None:
    assert symptom_label("nausea") == "Nausea"
    assert symptom_label("retired_code") == "retired_code"


def test_questionnaires_have_the_standard_item_counts_and_attribution() -> None:
    assert len(PHQ9.items) == 9 and PHQ9.max_total == 27
    assert len(GAD7.items) == 7 and GAD7.max_total == 21
    assert set(QUESTIONNAIRES) == {"phq9", "gad7"}
    assert "better off dead" in PHQ9.items[PHQ9_SELF_HARM_ITEM]
    for q in QUESTIONNAIRES.values():
        assert "Pfizer" in q.attribution
        assert [v for v, _ in q.options] == [0, 1, 2, 3]


@pytest.mark.parametrize("questionnaire", [PHQ9, GAD7], ids=lambda q: q.code)
def test_bands_cover_every_total_without_gaps_or_overlaps(questionnaire) -> None:
    covered = []
    for band in questionnaire.bands:
        covered.extend(range(band.low, band.high + 1))
    assert covered == list(range(questionnaire.max_total + 1))


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
        (14, "Moderate"), (15, "Moderately severe"), (19, "Moderately severe"),
        (20, "Severe"), (27, "Severe"),
    ],
)  # fmt: skip
def test_phq9_bands_follow_the_standard_cut_points(total: int, band: str) -> None:
    assert PHQ9.band_for(total) == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
     (14, "Moderate"), (15, "Severe"), (21, "Severe")],
)  # fmt: skip
def test_gad7_bands_follow_the_standard_cut_points(total: int, band: str) -> None:
    assert GAD7.band_for(total) == band


def test_scoring_sums_items_and_refuses_incomplete_or_out_of_range_answers() -> None:
    assert PHQ9.score([3] * 9) == (27, "Severe")
    assert GAD7.score([1, 1, 1, 1, 1, 0, 0]) == (5, "Mild")
    with pytest.raises(ValueError):
        PHQ9.score([0] * 8)
    with pytest.raises(ValueError):
        GAD7.score([0, 0, 0, 0, 0, 0, 4])
    with pytest.raises(ValueError):
        GAD7.score([0, 0, 0, 0, 0, 0, True])
