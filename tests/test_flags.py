"""Flag rules (DESIGN.md §3): each at, just below and just above its threshold, and with the
clinic's own thresholds. Pure functions: no database needed except for
`ClinicSettings.thresholds`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from journal import flags
from journal.flags import ReadingData
from journal.models import ClinicSettings, FlagCategory, FlagSeverity
from journal.thresholds import Thresholds

T = Thresholds(clinic_phone="555-0100", crisis_number="988", emergency_number="911")


def kinds(results: list[flags.FlagResult]) -> set[str]:
    return {r.kind for r in results}


# --- Severe blood pressure ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "fires"),
    [
        (179, 119, False),  # just below both
        (180, 100, True),  # systolic at threshold
        (181, 100, True),  # just above
        (170, 120, True),  # diastolic at threshold
        (170, 121, True),
        (185, 121, True),
    ],
)
def test_severe_blood_pressure_fires_at_180_or_120(systolic, diastolic, fires) -> None:
    result = flags.severe_blood_pressure(systolic, diastolic, T)
    assert (result is not None) is fires
    if result:
        assert result.severity == FlagSeverity.URGENT
        assert result.category == FlagCategory.BLOOD_PRESSURE
        assert f"{systolic}/{diastolic}" in result.title
        assert "911" in result.guidance and "555-0100" in result.guidance


def test_severe_blood_pressure_follows_clinic_thresholds() -> None:
    strict = replace(T, severe_systolic=170, severe_diastolic=110)
    assert flags.severe_blood_pressure(170, 100, strict) is not None
    assert flags.severe_blood_pressure(169, 109, strict) is None
    assert flags.severe_blood_pressure(169, 110, strict) is not None


# --- Elevated before dose ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "fires"),
    [(140, 90, False), (141, 90, True), (140, 91, True), (139, 89, False), (150, 95, True)],
)
def test_elevated_before_dose_fires_strictly_above_140_over_90(systolic, diastolic, fires) -> None:
    result = flags.elevated_before_dose(systolic, diastolic, "before", T)
    assert (result is not None) is fires


@pytest.mark.parametrize("context", ["after40", "discharge", "home"])
def test_elevated_before_dose_ignores_other_contexts(context: str) -> None:
    assert flags.elevated_before_dose(160, 100, context, T) is None


def test_elevated_before_dose_follows_clinic_thresholds() -> None:
    custom = replace(T, predose_systolic=150, predose_diastolic=95)
    assert flags.elevated_before_dose(150, 95, "before", custom) is None
    assert flags.elevated_before_dose(151, 95, "before", custom) is not None


# --- Post-dose rise ----------------------------------------------------------------------------

BEFORE = ReadingData(120, 80, "before")


@pytest.mark.parametrize(
    ("systolic", "diastolic", "fires"),
    [
        (159, 104, False),  # +39 / +24
        (160, 80, True),  # +40 systolic
        (161, 80, True),
        (130, 105, True),  # +25 diastolic
        (130, 106, True),
    ],
)
@pytest.mark.parametrize("context", ["after40", "discharge"])
def test_post_dose_rise_fires_at_40_systolic_or_25_diastolic(
    systolic, diastolic, fires, context
) -> None:
    result = flags.post_dose_rise(ReadingData(systolic, diastolic, context), BEFORE, T)
    assert (result is not None) is fires
    if result:
        assert result.detail["before_systolic"] == 120
        assert result.detail["rise_systolic"] == systolic - 120


def test_post_dose_rise_needs_a_before_reading_and_an_after_context() -> None:
    assert flags.post_dose_rise(ReadingData(200, 110, "after40"), None, T) is None
    assert flags.post_dose_rise(ReadingData(200, 110, "home"), BEFORE, T) is None


def test_post_dose_rise_follows_clinic_thresholds() -> None:
    custom = replace(T, rise_systolic=20, rise_diastolic=10)
    assert flags.post_dose_rise(ReadingData(140, 89, "after40"), BEFORE, custom) is not None
    assert flags.post_dose_rise(ReadingData(139, 89, "after40"), BEFORE, custom) is None


def test_reading_flags_combines_all_blood_pressure_rules() -> None:
    reading = ReadingData(185, 121, "after40")
    assert kinds(flags.reading_flags(reading, BEFORE, T)) == {"severe_bp", "post_dose_rise"}
    assert kinds(flags.reading_flags(ReadingData(185, 121, "before"), None, T)) == {
        "severe_bp",
        "elevated_before_dose",
    }


# --- Severe side effect ------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "fires"), [(2, False), (3, True), (4, True)])
def test_severe_side_effect_fires_at_severe(severity: int, fires: bool) -> None:
    result = flags.severe_side_effect({"nausea": severity, "headache": 1}, T)
    assert (result is not None) is fires
    if result:
        assert result.detail["symptoms"] == [
            {
                "code": "nausea",
                "severity": severity,
                "label": {3: "Severe", 4: "Very severe"}[severity],
            }
        ]
        assert "Nausea" in result.guidance


def test_severe_side_effect_ignores_cravings_urinary_and_unknown_codes() -> None:
    assert flags.severe_side_effect({"cravings": 4, "urinary": 4, "retired": 4}, T) is None


def test_severe_side_effect_follows_clinic_threshold() -> None:
    assert flags.severe_side_effect({"nausea": 2}, replace(T, severe_side_effect=2)) is not None
    assert flags.severe_side_effect({"nausea": 3}, replace(T, severe_side_effect=4)) is None


# --- Low mood ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("mood", "fires"), [(0, True), (1, True), (2, True), (3, False)])
def test_low_mood_fires_at_two_or_below(mood: int, fires: bool) -> None:
    result = flags.low_mood(T, mood=mood)
    assert (result is not None) is fires
    if result:
        assert result.category == FlagCategory.MOOD and "988" in result.guidance


@pytest.mark.parametrize(("total", "fires"), [(19, False), (20, True), (21, True), (27, True)])
def test_low_mood_fires_for_a_phq9_total_of_twenty_or_more(total: int, fires: bool) -> None:
    assert (flags.low_mood(T, phq9_total=total) is not None) is fires


def test_low_mood_follows_clinic_thresholds() -> None:
    custom = replace(T, low_mood=4, phq9_severe=15)
    assert flags.low_mood(custom, mood=4) is not None
    assert flags.low_mood(custom, mood=5) is None
    assert flags.low_mood(custom, phq9_total=15) is not None
    assert flags.low_mood(custom, phq9_total=14) is None


# --- Self-harm --------------------------------------------------------------------------------


@pytest.mark.parametrize(("item9", "fires"), [(0, False), (1, True), (3, True)])
def test_self_harm_fires_when_item_nine_is_above_not_at_all(item9: int, fires: bool) -> None:
    result = flags.self_harm([0] * 8 + [item9], T)
    assert (result is not None) is fires
    if result:
        assert result.severity == FlagSeverity.URGENT
        assert "988" in result.guidance and "911" in result.guidance
        assert "dose" not in result.guidance.lower()


def test_self_harm_guidance_names_the_clinics_own_numbers() -> None:
    custom = replace(T, crisis_number="116 123", emergency_number="112")
    result = flags.self_harm([0] * 8 + [2], custom)
    assert "116 123" in result.guidance and "112" in result.guidance
    assert "988" not in result.guidance


def test_questionnaire_flags_only_for_phq9() -> None:
    answers = [3, 3, 3, 3, 3, 3, 3, 0, 1]
    assert kinds(flags.questionnaire_flags("phq9", answers, 22, T)) == {"self_harm", "low_mood"}
    assert flags.questionnaire_flags("gad7", [3] * 7, 21, T) == []


# --- Cravings and urinary ------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "fires"), [(1, False), (2, True), (3, True)])
@pytest.mark.parametrize("code", ["cravings", "urinary"])
def test_cravings_and_urinary_fire_at_moderate(code: str, severity: int, fires: bool) -> None:
    rule = flags.cravings if code == "cravings" else flags.urinary
    result = rule({code: severity}, T)
    assert (result is not None) is fires
    if result:
        assert result.kind == code and result.category == FlagCategory.SIDE_EFFECTS


def test_cravings_and_urinary_follow_clinic_thresholds() -> None:
    custom = replace(T, cravings_severity=1, urinary_severity=3)
    assert flags.cravings({"cravings": 1}, custom) is not None
    assert flags.urinary({"urinary": 2}, custom) is None
    assert flags.urinary({"urinary": 3}, custom) is not None


def test_entry_flags_combines_mood_and_symptom_rules() -> None:
    ratings = {"nausea": 4, "cravings": 2, "urinary": 3}
    assert kinds(flags.entry_flags(1, ratings, T)) == {
        "low_mood",
        "severe_side_effect",
        "cravings",
        "urinary",
    }
    assert flags.entry_flags(7, {"nausea": 1}, T) == []


# --- Wording ----------------------------------------------------------------------------------


def test_no_guidance_gives_dosing_advice() -> None:
    results = [
        *flags.reading_flags(ReadingData(200, 130, "after40"), BEFORE, T),
        *flags.reading_flags(ReadingData(150, 95, "before"), None, T),
        *flags.entry_flags(0, {"nausea": 4, "cravings": 4, "urinary": 4}, T),
        *flags.questionnaire_flags("phq9", [3] * 9, 27, T),
    ]
    assert len(kinds(results)) == 8  # every rule is represented
    for result in results:
        text = result.guidance.lower()
        assert result.title and result.guidance
        for word in ("skip", "stop taking", "increase", "reduce your dose", "double"):
            assert word not in text, (result.kind, word)


def test_describe_rebuilds_stored_flags_with_current_numbers() -> None:
    result = flags.severe_blood_pressure(185, 121, T)
    title, guidance = flags.describe(
        result.kind, result.detail, replace(T, clinic_phone="555-0199")
    )
    assert title == result.title and "555-0199" in guidance
    # Unknown or malformed rows still get a sensible, non-crashing description.
    assert flags.describe("retired_rule", {}, T)[0] == "Retired rule"
    assert flags.describe("severe_bp", {}, T)[0] == "Severe bp"


def test_guidance_without_a_clinic_phone_says_call_your_clinic() -> None:
    result = flags.cravings({"cravings": 3}, replace(T, clinic_phone=""))
    assert "call your clinic" in result.guidance


@pytest.mark.django_db
def test_thresholds_are_built_from_the_clinic_settings_row() -> None:
    row = ClinicSettings.load()
    row.severe_systolic, row.crisis_number, row.clinic_phone = 170, "116 123", "555-0142"
    t = row.thresholds()
    assert t.severe_systolic == 170 and t.crisis_number == "116 123"
    assert t.clinic_phone == "555-0142" and t.rise_diastolic == row.rise_diastolic
