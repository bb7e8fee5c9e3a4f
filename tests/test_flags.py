"""Flag rules (DESIGN.md §3): every rule at, just below and just above its threshold, with the
clinic's own thresholds, and the words patients and providers read. Pure functions: no
database except for building `Thresholds` from `ClinicSettings`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from journal import flags
from journal.flags import FlagResult, MoodHistory, ReadingData, ReportData
from journal.models import ClinicSettings, FlagCategory, FlagSeverity
from journal.thresholds import Thresholds
from tests.factories import every_flag

T = Thresholds(clinic_phone="555-0100", after_hours_phone="555-0199")
NO_NUMBERS = Thresholds()

URGENT, HIGH, NOTABLE = FlagSeverity.URGENT, FlagSeverity.HIGH, FlagSeverity.NOTABLE
BP, SIDE_EFFECTS, MOOD = FlagCategory.BLOOD_PRESSURE, FlagCategory.SIDE_EFFECTS, FlagCategory.MOOD

CONTEXTS = ("before", "after40", "discharge", "home")
# DESIGN.md §2: the acute side effects rated on the five-step scale after a session.
ACUTE = (
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
)
STILL_PRESENT = {
    "dissociation_now": "dissociation",
    "perceptual_now": "perceptual",
    "confusion_now": "confusion",
    "drowsiness_now": "drowsiness",
}
POST_SESSION_YES_NO = (*STILL_PRESENT, "breathing_waking", "drove")
CHECK_IN_RATED = ("urinary", "memory", "cravings", "sleep")


def kinds(results: list[FlagResult]) -> set[str]:
    return {r.kind for r in results}


def assert_flag(
    result: FlagResult | None, kind: str, severity: FlagSeverity, category: str
) -> FlagResult:
    assert result is not None, f"{kind} did not fire"
    assert (result.kind, result.severity, result.category) == (kind, severity, category)
    assert result.title and result.guidance
    return result


# --- Severe blood pressure ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "fires"),
    [
        (179, 119, False),  # just below both
        (180, 80, True),  # systolic at 180
        (181, 80, True),
        (170, 119, False),
        (170, 120, True),  # diastolic at 120
        (170, 121, True),
    ],
)
@pytest.mark.parametrize("context", CONTEXTS)
def test_severe_blood_pressure_fires_at_180_or_120_in_any_context(
    systolic: int, diastolic: int, fires: bool, context: str
) -> None:
    result = flags.severe_blood_pressure(ReadingData(systolic, diastolic, context), T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "severe_bp", URGENT, BP)
    assert f"{systolic}/{diastolic}" in result.title
    assert result.detail == {"systolic": systolic, "diastolic": diastolic, "context": context}


def test_severe_blood_pressure_follows_the_clinics_thresholds() -> None:
    lower = replace(T, severe_systolic=170, severe_diastolic=110)
    assert flags.severe_blood_pressure(ReadingData(170, 100, "home"), lower) is not None
    assert flags.severe_blood_pressure(ReadingData(169, 109, "home"), lower) is None
    assert flags.severe_blood_pressure(ReadingData(169, 110, "home"), lower) is not None
    higher = replace(T, severe_systolic=190, severe_diastolic=125)
    assert flags.severe_blood_pressure(ReadingData(185, 121, "home"), higher) is None
    assert flags.severe_blood_pressure(ReadingData(190, 121, "home"), higher) is not None


# --- Elevated before dose -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "fires"),
    [
        (139, 89, False),
        (140, 90, False),  # at 140/90: not above it
        (141, 90, True),
        (140, 91, True),
        (150, 95, True),
    ],
)
def test_elevated_before_dose_fires_strictly_above_140_over_90(
    systolic: int, diastolic: int, fires: bool
) -> None:
    result = flags.elevated_before_dose(ReadingData(systolic, diastolic, "before"), T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "elevated_before_dose", NOTABLE, BP)
    assert f"{systolic}/{diastolic}" in result.title


@pytest.mark.parametrize("context", ["after40", "discharge", "home"])
def test_elevated_before_dose_looks_only_at_before_dose_readings(context: str) -> None:
    assert flags.elevated_before_dose(ReadingData(170, 105, context), T) is None


def test_elevated_before_dose_follows_the_clinics_thresholds() -> None:
    custom = replace(T, predose_systolic=150, predose_diastolic=95)
    assert flags.elevated_before_dose(ReadingData(150, 95, "before"), custom) is None
    assert flags.elevated_before_dose(ReadingData(151, 95, "before"), custom) is not None
    assert flags.elevated_before_dose(ReadingData(150, 96, "before"), custom) is not None
    stricter = replace(T, predose_systolic=130, predose_diastolic=85)
    assert flags.elevated_before_dose(ReadingData(131, 80, "before"), stricter) is not None


# --- Post-dose rise -------------------------------------------------------------------------------

BEFORE = ReadingData(127, 86, "before")


@pytest.mark.parametrize(
    ("systolic", "diastolic", "fires"),
    [
        (166, 110, False),  # +39 / +24
        (167, 86, True),  # +40 systolic
        (168, 86, True),  # +41
        (127, 111, True),  # +25 diastolic
        (127, 112, True),  # +26
        (110, 70, False),  # a fall
    ],
)
@pytest.mark.parametrize("context", ["after40", "discharge"])
def test_post_dose_rise_fires_at_40_systolic_or_25_diastolic_over_before_dose(
    systolic: int, diastolic: int, fires: bool, context: str
) -> None:
    result = flags.post_dose_rise(ReadingData(systolic, diastolic, context), BEFORE, T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "post_dose_rise", HIGH, BP)
    assert result.detail == {
        "systolic": systolic,
        "diastolic": diastolic,
        "context": context,
        "before_systolic": 127,
        "before_diastolic": 86,
        "rise_systolic": systolic - 127,
        "rise_diastolic": diastolic - 86,
    }


def test_post_dose_rise_needs_the_sessions_before_dose_reading() -> None:
    assert flags.post_dose_rise(ReadingData(200, 115, "after40"), None, T) is None


@pytest.mark.parametrize("context", ["home", "before"])
def test_post_dose_rise_ignores_home_and_before_dose_readings(context: str) -> None:
    assert flags.post_dose_rise(ReadingData(200, 115, context), BEFORE, T) is None


def test_post_dose_rise_follows_the_clinics_thresholds() -> None:
    custom = replace(T, rise_systolic=20, rise_diastolic=10)
    assert flags.post_dose_rise(ReadingData(147, 95, "after40"), BEFORE, custom) is not None
    assert flags.post_dose_rise(ReadingData(146, 95, "after40"), BEFORE, custom) is None
    assert flags.post_dose_rise(ReadingData(146, 96, "after40"), BEFORE, custom) is not None
    wider = replace(T, rise_systolic=50, rise_diastolic=30)
    assert flags.post_dose_rise(ReadingData(176, 115, "after40"), BEFORE, wider) is None


# --- Pulse ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pulse", "fires", "word"),
    [
        (49, True, "Slow"),
        (50, False, ""),
        (51, False, ""),
        (119, False, ""),
        (120, False, ""),
        (121, True, "Fast"),
        (None, False, ""),
    ],
)
@pytest.mark.parametrize("context", CONTEXTS)
def test_pulse_fires_above_120_or_below_50(
    pulse: int | None, fires: bool, word: str, context: str
) -> None:
    result = flags.pulse(ReadingData(120, 80, context, pulse=pulse), T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "pulse", HIGH, BP)
    assert result.title.startswith(word) and str(pulse) in result.title
    assert result.detail == {"pulse": pulse, "context": context}


def test_pulse_follows_the_clinics_thresholds() -> None:
    custom = replace(T, pulse_high=100, pulse_low=60)
    assert flags.pulse(ReadingData(120, 80, "home", pulse=100), custom) is None
    assert flags.pulse(ReadingData(120, 80, "home", pulse=101), custom) is not None
    assert flags.pulse(ReadingData(120, 80, "home", pulse=60), custom) is None
    assert flags.pulse(ReadingData(120, 80, "home", pulse=59), custom) is not None
    wider = replace(T, pulse_high=130, pulse_low=40)
    assert flags.pulse(ReadingData(120, 80, "home", pulse=125), wider) is None
    assert flags.pulse(ReadingData(120, 80, "home", pulse=45), wider) is None


# --- Severe side effect --------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "label"), [(2, None), (3, "Severe"), (4, "Very severe")])
@pytest.mark.parametrize("code", ACUTE)
def test_severe_side_effect_fires_for_any_acute_effect_at_severe(
    code: str, severity: int, label: str | None
) -> None:
    result = flags.severe_side_effect({code: severity}, T)
    if label is None:
        assert result is None
        return
    assert_flag(result, "severe_side_effect", HIGH, SIDE_EFFECTS)
    assert result.detail["symptoms"] == [{"code": code, "severity": severity, "label": label}]


def test_severe_side_effect_names_every_severe_effect_and_the_session() -> None:
    result = flags.severe_side_effect(
        {"dissociation": 3, "nausea": 4, "headache": 2}, T, "2 Dec IV session"
    )
    assert result is not None
    assert {s["code"] for s in result.detail["symptoms"]} == {"dissociation", "nausea"}
    assert result.detail["session"] == "2 Dec IV session"
    assert result.title == "Severe side effects"
    assert "Dissociation (Severe)" in result.guidance and "Nausea (Very severe)" in result.guidance


def test_severe_side_effect_ignores_yes_no_recovery_and_check_in_items() -> None:
    # At a threshold of Mild every "yes" (1) would count if yes/no items were read as ratings.
    mild = replace(T, severe_side_effect=1)
    yes_to_everything = {code: 1 for code in POST_SESSION_YES_NO}
    assert flags.severe_side_effect(yes_to_everything, mild) is None
    assert flags.severe_side_effect({"back_to_normal": 4}, T) is None
    assert flags.severe_side_effect({code: 4 for code in CHECK_IN_RATED}, T) is None
    assert flags.severe_side_effect({"blood_in_urine": 1, "use_outside": 1}, mild) is None
    assert flags.severe_side_effect({"retired_code": 4}, T) is None


def test_severe_side_effect_follows_the_clinics_threshold() -> None:
    assert flags.severe_side_effect({"nausea": 2}, replace(T, severe_side_effect=2)) is not None
    assert flags.severe_side_effect({"nausea": 1}, replace(T, severe_side_effect=2)) is None
    assert flags.severe_side_effect({"nausea": 3}, replace(T, severe_side_effect=4)) is None
    assert flags.severe_side_effect({"nausea": 4}, replace(T, severe_side_effect=4)) is not None


# --- Heavy side-effect burden ---------------------------------------------------------------------


def report(
    ratings: dict[str, int] | None = None,
    *,
    bother: int = 0,
    mood: int = 6,
    hours: float = 5.0,
    session: str = "2 Dec IV session",
) -> ReportData:
    return ReportData(
        mood=mood,
        overall_bother=bother,
        ratings=ratings or {},
        hours_after_start=hours,
        session=session,
    )


@pytest.mark.parametrize(("bother", "fires"), [(0, False), (2, False), (3, True), (4, True)])
def test_heavy_burden_fires_when_overall_bother_is_severe_or_worse(
    bother: int, fires: bool
) -> None:
    result = flags.heavy_burden(report({"nausea": 1}, bother=bother), T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "heavy_burden", HIGH, SIDE_EFFECTS)
    assert result.detail["bother_fired"] is True
    assert result.detail["overall_bother"] == bother
    assert result.detail["moderate_or_worse"] == []


@pytest.mark.parametrize(
    ("ratings", "fires"),
    [
        ({"nausea": 2, "headache": 2}, False),
        ({"nausea": 2, "headache": 2, "dizziness": 1}, False),
        ({"nausea": 2, "headache": 2, "dizziness": 2}, True),
        ({"nausea": 2, "headache": 3, "dizziness": 4, "vision": 2}, True),
    ],
)
def test_heavy_burden_fires_for_three_acute_effects_at_moderate_or_worse(
    ratings: dict[str, int], fires: bool
) -> None:
    result = flags.heavy_burden(report(ratings, bother=2), T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "heavy_burden", HIGH, SIDE_EFFECTS)
    assert result.detail["bother_fired"] is False
    assert result.detail["moderate_or_worse"] == sorted(c for c, v in ratings.items() if v >= 2)


def test_heavy_burden_never_counts_yes_no_answers_or_time_to_normal() -> None:
    # At a count threshold of Mild every "yes" (1) would count if it were read as a rating.
    mild = replace(T, heavy_effects_severity=1)
    two_effects = {"nausea": 1, "headache": 1}
    answers = {code: 1 for code in POST_SESSION_YES_NO} | {"back_to_normal": 4}
    assert flags.heavy_burden(report(two_effects | answers), mild) is None
    assert flags.heavy_burden(report(two_effects | {"vomiting": 1}), mild) is not None
    assert flags.heavy_burden(report({"nausea": 2, "headache": 2, "back_to_normal": 4}), T) is None


def test_heavy_burden_never_counts_check_in_items() -> None:
    ratings = {"nausea": 2, "headache": 2, "urinary": 4, "cravings": 4, "memory": 4, "sleep": 4}
    assert flags.heavy_burden(report(ratings), T) is None


def test_heavy_burden_follows_the_clinics_thresholds() -> None:
    assert flags.heavy_burden(report(bother=3), replace(T, heavy_bother=4)) is None
    assert flags.heavy_burden(report(bother=4), replace(T, heavy_bother=4)) is not None
    assert flags.heavy_burden(report(bother=2), replace(T, heavy_bother=2)) is not None
    two = {"nausea": 2, "headache": 2}
    assert flags.heavy_burden(report(two), replace(T, heavy_effects_count=2)) is not None
    three_moderate = {"nausea": 2, "headache": 2, "dizziness": 2}
    severe_only = replace(T, heavy_effects_severity=3)
    assert flags.heavy_burden(report(three_moderate), severe_only) is None
    assert flags.heavy_burden(report(dict.fromkeys(three_moderate, 3)), severe_only) is not None


# --- Lingering effects ------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "fires"), [(2.9, False), (3.0, True), (3.1, True), (8, True)])
@pytest.mark.parametrize("code", sorted(STILL_PRESENT))
def test_lingering_effects_fire_for_still_present_at_three_hours_or_later(
    code: str, hours: float, fires: bool
) -> None:
    result = flags.lingering_effects(report({code: 1}, hours=hours), T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "lingering_effects", HIGH, SIDE_EFFECTS)
    assert result.detail == {
        "codes": [STILL_PRESENT[code]],
        "hours": hours,
        "session": "2 Dec IV session",
    }


def test_lingering_effects_need_a_yes_to_still_present() -> None:
    no_to_all = {code: 0 for code in STILL_PRESENT}
    assert flags.lingering_effects(report(no_to_all, hours=6), T) is None
    # A severe rating on its own says how bad it was, not that it is still there.
    rated = {"dissociation": 4, "drowsiness": 4, "confusion": 4, "perceptual": 4}
    assert flags.lingering_effects(report(rated, hours=6), T) is None
    assert flags.lingering_effects(report({"back_to_normal": 0}, hours=6), T) is None


def test_lingering_effects_name_every_effect_still_present() -> None:
    ratings = {"drowsiness_now": 1, "dissociation_now": 1, "confusion_now": 0}
    result = flags.lingering_effects(report(ratings, hours=4.25), T)
    assert result is not None
    assert result.detail["codes"] == ["dissociation", "drowsiness"]
    assert "dissociation, drowsiness or sedation" in result.guidance
    assert "Do not drive" in result.guidance


def test_lingering_effects_follow_the_clinics_hours() -> None:
    two_hours = replace(T, lingering_hours=2)
    assert flags.lingering_effects(report({"dissociation_now": 1}, hours=2.0), two_hours)
    assert flags.lingering_effects(report({"dissociation_now": 1}, hours=1.9), two_hours) is None
    four_hours = replace(T, lingering_hours=4)
    assert flags.lingering_effects(report({"dissociation_now": 1}, hours=3.5), four_hours) is None


# --- Breathing or hard to wake; drove too soon ------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "code", "kind", "severity"),
    [
        (flags.breathing_or_waking, "breathing_waking", "breathing_or_waking", URGENT),
        (flags.drove_too_soon, "drove", "drove_too_soon", NOTABLE),
    ],
)
def test_yes_no_report_items_fire_on_yes(rule, code: str, kind: str, severity) -> None:
    result = rule({code: 1}, T, "2 Dec IV session")
    assert_flag(result, kind, severity, SIDE_EFFECTS)
    assert result.detail == {"session": "2 Dec IV session"}
    assert rule({code: 0}, T) is None
    assert rule({}, T) is None
    # Other yes answers and ratings do not stand in for this one.
    others = {c: 1 for c in POST_SESSION_YES_NO if c != code} | dict.fromkeys(ACUTE, 4)
    assert rule(others, T) is None


def test_breathing_is_one_of_the_flags_that_need_an_acknowledgement() -> None:
    never_dropped = flags.URGENT_KINDS
    assert never_dropped == {"severe_bp", "self_harm", "breathing_or_waking"}


# --- Very low mood --------------------------------------------------------------------------------


@pytest.mark.parametrize(("mood", "fires"), [(0, True), (1, True), (2, False), (None, False)])
def test_very_low_mood_fires_at_one_or_below(mood: int | None, fires: bool) -> None:
    result = flags.very_low_mood(mood, T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "very_low_mood", HIGH, MOOD)
    assert result.detail == {"mood": mood}
    assert f"{mood} out of 10" in result.title
    assert "988" in result.guidance and "911" in result.guidance


def test_very_low_mood_follows_the_clinics_threshold() -> None:
    custom = replace(T, very_low_mood=2)
    assert flags.very_low_mood(2, custom) is not None
    assert flags.very_low_mood(3, custom) is None
    assert flags.very_low_mood(1, replace(T, very_low_mood=0)) is None


# --- Sustained low mood -----------------------------------------------------------------------

TODAY = date(2026, 3, 10)


def history(**days_ago: float) -> MoodHistory:
    """Daily means keyed d0 (today), d1 (yesterday), …"""
    return MoodHistory(TODAY, {TODAY - timedelta(int(k[1:])): v for k, v in days_ago.items()})


def sustained(h: MoodHistory, t: Thresholds = T) -> FlagResult | None:
    return flags.sustained_low_mood(h, t)


@pytest.mark.parametrize(
    ("days", "fires"),
    [
        ({"d0": 2.0, "d1": 2.0}, True),  # mean 2.0 over 2 days
        ({"d0": 1.5, "d1": 2.5}, True),  # mean of daily means 2.0
        ({"d0": 2.0, "d1": 2.2}, False),  # 2.1
        ({"d0": 3.0, "d1": 1.5, "d2": 1.5}, True),  # 2.0 over 3 days
        ({"d0": 3.0, "d1": 1.5, "d2": 1.6}, False),  # 2.03
        ({"d1": 1.0, "d2": 1.0}, True),  # 2 of the last 3 days, today without entries
        ({"d0": 0.0}, False),  # a single day is not sustained
        ({"d0": 0.0, "d3": 0.0}, False),  # 3 days ago is outside the window
        ({"d2": 0.0, "d3": 0.0}, False),
    ],
)
def test_sustained_low_mood_from_the_mean_of_the_last_three_days(
    days: dict[str, float], fires: bool
) -> None:
    result = sustained(history(**days))
    if not fires:
        assert result is None
        return
    assert_flag(result, "sustained_low_mood", HIGH, MOOD)
    assert result.detail["reason"] == "low"
    assert result.detail["days"] == len([k for k in days if k in {"d0", "d1", "d2"}])


def test_sustained_low_mood_names_the_mean_it_saw() -> None:
    result = sustained(history(d0=1.0, d1=2.0))
    assert result is not None
    assert result.detail == {"reason": "low", "mean": 1.5, "days": 2}
    assert "1.5 out of 10" in result.guidance


def test_sustained_low_mood_ignores_days_after_the_entry_being_judged() -> None:
    h = MoodHistory(TODAY, {TODAY: 0.0, TODAY + timedelta(1): 0.0})
    assert sustained(h) is None


def test_sustained_low_mood_follows_the_clinics_low_mood_threshold() -> None:
    assert sustained(history(d0=3.0, d1=3.0)) is None
    assert sustained(history(d0=3.0, d1=3.0), replace(T, low_mood=3)) is not None
    assert sustained(history(d0=2.0, d1=2.0), replace(T, low_mood=1)) is None


def drop_history(recent: float, before: float, *, recent_days=(0, 1, 2), before_days=None):
    before_days = range(7, 14) if before_days is None else before_days
    days = {f"d{n}": recent for n in recent_days} | {f"d{n}": before for n in before_days}
    return history(**days)


@pytest.mark.parametrize(("before", "fires"), [(6.9, False), (7.0, True), (7.1, True), (9.0, True)])
def test_sustained_low_mood_from_a_drop_of_three_below_the_28_days_before(
    before: float, fires: bool
) -> None:
    result = sustained(drop_history(4.0, before))
    if not fires:
        assert result is None
        return
    assert_flag(result, "sustained_low_mood", HIGH, MOOD)
    assert result.detail["reason"] == "drop"
    assert result.detail["mean"] == 4.0 and result.detail["baseline"] == before


def test_sustained_low_mood_drop_records_mean_baseline_and_drop() -> None:
    result = sustained(drop_history(4.0, 7.5))
    assert result is not None
    assert result.detail == {"reason": "drop", "mean": 4.0, "baseline": 7.5, "drop": 3.5}


def test_sustained_low_mood_drop_of_exactly_three_fires_whatever_the_fractions() -> None:
    # Three entries a day: 3, 3, 4 (mean 10/3) this week, 6, 6, 7 (mean 19/3) before: 3 points.
    assert sustained(drop_history(10 / 3, 19 / 3)) is not None
    assert sustained(drop_history(10 / 3, 19 / 3 - 0.01)) is None


def test_sustained_low_mood_drop_needs_entries_on_three_of_the_last_seven_days() -> None:
    assert sustained(drop_history(4.0, 8.0, recent_days=(0, 1))) is None
    # The oldest of the 7 days counts; the day before it belongs to the 28.
    assert sustained(drop_history(4.0, 8.0, recent_days=(0, 3, 6))) is not None
    assert (
        sustained(drop_history(4.0, 8.0, recent_days=(0, 3, 7), before_days=range(8, 15))) is None
    )


def test_sustained_low_mood_drop_needs_entries_on_seven_of_the_28_days_before() -> None:
    assert sustained(drop_history(4.0, 8.0, before_days=range(7, 13))) is None  # 6 days
    # The 28 days before the last 7 are days 7 to 34 ago.
    assert sustained(drop_history(4.0, 8.0, before_days=range(28, 35))) is not None
    assert sustained(drop_history(4.0, 8.0, before_days=range(29, 36))) is None  # 6 in range


def test_sustained_low_mood_drop_follows_the_clinics_threshold() -> None:
    assert sustained(drop_history(5.0, 7.0)) is None
    assert sustained(drop_history(5.0, 7.0), replace(T, mood_drop=2)) is not None
    assert sustained(drop_history(4.0, 7.0), replace(T, mood_drop=4)) is None


# --- PHQ-9 and GAD-7 --------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "fires"), [(19, False), (20, True), (21, True), (27, True)])
def test_phq9_severe_fires_at_20(total: int, fires: bool) -> None:
    result = flags.phq9_severe(total, T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "phq9_severe", HIGH, MOOD)
    assert result.detail == {"phq9_total": total}
    assert f"({total})" in result.title


def test_phq9_severe_follows_the_clinics_threshold() -> None:
    assert flags.phq9_severe(15, replace(T, phq9_severe=15)) is not None
    assert flags.phq9_severe(14, replace(T, phq9_severe=15)) is None
    assert flags.phq9_severe(22, replace(T, phq9_severe=23)) is None


@pytest.mark.parametrize(("rise", "fires"), [(4, False), (5, True), (6, True)])
@pytest.mark.parametrize("against", ["previous", "baseline"])
def test_phq9_worsening_fires_at_five_points_above_previous_or_baseline(
    against: str, rise: int, fires: bool
) -> None:
    earlier = 8
    args = {"previous": None, "baseline": None} | {against: earlier}
    result = flags.phq9_worsening(earlier + rise, args["previous"], args["baseline"], T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "phq9_worsening", HIGH, MOOD)
    name = "previous PHQ-9" if against == "previous" else "baseline"
    assert result.detail == {
        "phq9_total": earlier + rise,
        "compared": name,
        "compared_total": earlier,
    }


def test_phq9_worsening_names_the_larger_rise() -> None:
    larger_over_baseline = flags.phq9_worsening(20, 14, 10, T)
    assert larger_over_baseline is not None
    assert larger_over_baseline.detail["compared"] == "baseline"
    assert larger_over_baseline.detail["compared_total"] == 10
    larger_over_previous = flags.phq9_worsening(20, 10, 14, T)
    assert larger_over_previous is not None
    assert larger_over_previous.detail["compared"] == "previous PHQ-9"
    # Only the baseline rise reaches 5: it is named even though the previous one is closer.
    only_baseline = flags.phq9_worsening(20, 16, 15, T)
    assert only_baseline is not None and only_baseline.detail["compared_total"] == 15


def test_phq9_worsening_needs_an_earlier_total() -> None:
    assert flags.phq9_worsening(27, None, None, T) is None
    assert flags.phq9_worsening(10, 20, None, T) is None  # a fall
    assert flags.phq9_worsening(10, None, 20, T) is None


def test_phq9_worsening_follows_the_clinics_threshold() -> None:
    assert flags.phq9_worsening(11, 8, None, replace(T, phq9_worsening=3)) is not None
    assert flags.phq9_worsening(10, 8, None, replace(T, phq9_worsening=3)) is None
    assert flags.phq9_worsening(14, None, 8, replace(T, phq9_worsening=7)) is None


def phq9(item9: int, others: int = 0) -> list[int]:
    return [others] * 8 + [item9]


@pytest.mark.parametrize(("item9", "fires"), [(0, False), (1, True), (2, True), (3, True)])
def test_self_harm_fires_when_item_nine_is_above_not_at_all(item9: int, fires: bool) -> None:
    result = flags.self_harm(phq9(item9), T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "self_harm", URGENT, MOOD)
    assert result.detail == {"item9": item9}
    assert "988" in result.guidance and "911" in result.guidance


def test_self_harm_looks_only_at_item_nine() -> None:
    assert flags.self_harm(phq9(0, others=3), T) is None


def test_self_harm_guidance_names_the_clinics_own_crisis_numbers() -> None:
    custom = replace(T, crisis_number="116 123", emergency_number="112")
    result = flags.self_harm(phq9(1), custom)
    assert result is not None
    assert "116 123" in result.guidance and "112" in result.guidance
    assert "988" not in result.guidance and "911" not in result.guidance


@pytest.mark.parametrize(("total", "fires"), [(14, False), (15, True), (16, True), (21, True)])
def test_gad7_severe_fires_at_15(total: int, fires: bool) -> None:
    result = flags.gad7_severe(total, T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "gad7_severe", NOTABLE, MOOD)
    assert result.detail == {"gad7_total": total}


def test_gad7_severe_follows_the_clinics_threshold() -> None:
    assert flags.gad7_severe(10, replace(T, gad7_severe=10)) is not None
    assert flags.gad7_severe(9, replace(T, gad7_severe=10)) is None
    assert flags.gad7_severe(16, replace(T, gad7_severe=17)) is None


# --- Check-in items -----------------------------------------------------------------------------

RATED_RULES = [
    (flags.cravings, "cravings", "cravings", HIGH, "cravings_severity"),
    (flags.urinary, "urinary", "urinary", HIGH, "urinary_severity"),
    (flags.memory, "memory", "memory", NOTABLE, "memory_severity"),
]


@pytest.mark.parametrize(
    ("severity", "label"),
    [(0, None), (1, None), (2, "Moderate"), (3, "Severe"), (4, "Very severe")],
)
@pytest.mark.parametrize(("rule", "code", "kind", "level", "field"), RATED_RULES)
def test_check_in_ratings_fire_at_moderate(
    rule, code: str, kind: str, level, field: str, severity: int, label: str | None
) -> None:
    result = rule({code: severity}, T)
    if label is None:
        assert result is None
        return
    assert_flag(result, kind, level, SIDE_EFFECTS)
    assert result.detail == {"code": code, "severity": severity, "label": label}
    assert f"({label})" in result.title


@pytest.mark.parametrize(("rule", "code", "kind", "level", "field"), RATED_RULES)
def test_check_in_ratings_watch_only_their_own_item(
    rule, code: str, kind: str, level, field: str
) -> None:
    others = {c: 4 for c in (*ACUTE, *CHECK_IN_RATED) if c != code}
    assert rule(others, T) is None


@pytest.mark.parametrize(("rule", "code", "kind", "level", "field"), RATED_RULES)
def test_check_in_ratings_follow_the_clinics_thresholds(
    rule, code: str, kind: str, level, field: str
) -> None:
    assert rule({code: 1}, replace(T, **{field: 1})) is not None
    assert rule({code: 2}, replace(T, **{field: 3})) is None
    assert rule({code: 3}, replace(T, **{field: 3})) is not None


@pytest.mark.parametrize(
    ("rule", "code", "kind"),
    [
        (flags.use_outside_sessions, "use_outside", "use_outside_sessions"),
        (flags.blood_in_urine, "blood_in_urine", "blood_in_urine"),
    ],
)
def test_yes_no_check_in_items_fire_on_yes(rule, code: str, kind: str) -> None:
    assert_flag(rule({code: 1}, T), kind, HIGH, SIDE_EFFECTS)
    assert rule({code: 0}, T) is None
    assert rule({c: 4 for c in CHECK_IN_RATED}, T) is None


@pytest.mark.parametrize(
    ("values", "fires"),
    [
        ([1, 2, 3], True),
        ([0, 1, 2], True),
        ([0, 2, 4], True),
        ([4, 0, 1, 2], True),  # the last three rise
        ([1, 2, 2], False),  # equal is not higher
        ([2, 2, 3], False),
        ([1, 2, 3, 3], False),
        ([3, 2, 1], False),
        ([1, 3, 2], False),
        ([1, 2], False),  # fewer than three check-ins
        ([3], False),
        ([], False),
    ],
)
def test_rising_urinary_fires_when_each_of_three_check_ins_is_higher(
    values: list[int], fires: bool
) -> None:
    result = flags.rising_urinary(values, T)
    if not fires:
        assert result is None
        return
    assert_flag(result, "rising_urinary", NOTABLE, SIDE_EFFECTS)
    assert result.detail == {"values": values[-3:]}


def test_rising_urinary_follows_the_clinics_number_of_check_ins() -> None:
    four = replace(T, rising_urinary_checkins=4)
    assert flags.rising_urinary([1, 2, 3], four) is None
    assert flags.rising_urinary([1, 1, 2, 3], four) is None
    assert flags.rising_urinary([0, 1, 2, 3], four) is not None
    two = replace(T, rising_urinary_checkins=2)
    assert flags.rising_urinary([1, 2], two) is not None
    assert flags.rising_urinary([2, 2], two) is None


# --- Bundles ------------------------------------------------------------------------------------


def test_reading_flags_runs_every_blood_pressure_rule() -> None:
    alarming = ReadingData(185, 121, "after40", pulse=130)
    assert kinds(flags.reading_flags(alarming, BEFORE, T)) == {
        "severe_bp",
        "post_dose_rise",
        "pulse",
    }
    assert kinds(flags.reading_flags(ReadingData(150, 95, "before", pulse=45), None, T)) == {
        "elevated_before_dose",
        "pulse",
    }
    assert kinds(flags.reading_flags(ReadingData(185, 121, "home"), BEFORE, T)) == {"severe_bp"}
    assert flags.reading_flags(ReadingData(128, 84, "after40", pulse=80), BEFORE, T) == []


def test_report_flags_runs_every_report_rule() -> None:
    everything = report(
        {
            "dissociation": 4,
            "nausea": 2,
            "headache": 2,
            "dissociation_now": 1,
            "breathing_waking": 1,
            "drove": 1,
        },
        bother=3,
        mood=1,
        hours=4.5,
    )
    results = flags.report_flags(everything, T)
    assert kinds(results) == {
        "very_low_mood",
        "severe_side_effect",
        "heavy_burden",
        "lingering_effects",
        "breathing_or_waking",
        "drove_too_soon",
    }
    assert len(results) == 6
    assert all(
        r.detail.get("session") == "2 Dec IV session" for r in results if r.kind != "very_low_mood"
    )
    calm = report({"nausea": 1, "dissociation_now": 0, "drove": 0}, bother=1, mood=5, hours=4.5)
    assert flags.report_flags(calm, T) == []


def test_checkin_flags_runs_every_check_in_rule() -> None:
    ratings = {"cravings": 2, "use_outside": 1, "urinary": 3, "blood_in_urine": 1, "memory": 2}
    results = flags.checkin_flags(1, ratings, T, urinary_history=[1, 2, 3])
    assert kinds(results) == {
        "very_low_mood",
        "cravings",
        "use_outside_sessions",
        "urinary",
        "blood_in_urine",
        "rising_urinary",
        "memory",
    }
    assert len(results) == 7
    calm = {"cravings": 1, "use_outside": 0, "urinary": 1, "blood_in_urine": 0, "memory": 1}
    assert flags.checkin_flags(None, calm, T) == []
    assert flags.checkin_flags(5, {}, T) == []


def test_checkin_flags_judges_a_rising_urinary_trend_only_when_urinary_was_rated() -> None:
    rising = [0, 1, 2]
    assert kinds(flags.checkin_flags(6, {"urinary": 1}, T, urinary_history=rising)) == {
        "rising_urinary"
    }
    assert flags.checkin_flags(6, {"memory": 1}, T, urinary_history=rising) == []


def test_questionnaire_flags_runs_the_rules_of_its_instrument() -> None:
    results = flags.questionnaire_flags("phq9", [3] * 9, 27, T, previous=20, baseline=10)
    assert kinds(results) == {"self_harm", "phq9_severe", "phq9_worsening"}
    # A GAD-7 of 21 is not a PHQ-9 of 21, and PHQ-9 rules never judge GAD-7 answers.
    assert kinds(flags.questionnaire_flags("gad7", [3] * 7, 21, T, previous=5)) == {"gad7_severe"}
    assert kinds(flags.questionnaire_flags("phq9", [1] * 8 + [0], 8, T)) == set()
    assert flags.questionnaire_flags("gad7", [1] * 7, 7, T) == []
    assert flags.questionnaire_flags("other", [3] * 9, 27, T) == []


# --- Patient wording ------------------------------------------------------------------------

ALL_RESULTS = every_flag(T)
BY_KIND = {r.kind: r for r in ALL_RESULTS}
EVERY_KIND = sorted(BY_KIND)


def test_the_sample_flags_cover_every_rule() -> None:
    assert set(EVERY_KIND) == {
        "severe_bp",
        "elevated_before_dose",
        "post_dose_rise",
        "pulse",
        "severe_side_effect",
        "heavy_burden",
        "lingering_effects",
        "breathing_or_waking",
        "drove_too_soon",
        "very_low_mood",
        "sustained_low_mood",
        "phq9_severe",
        "phq9_worsening",
        "self_harm",
        "gad7_severe",
        "cravings",
        "use_outside_sessions",
        "urinary",
        "blood_in_urine",
        "rising_urinary",
        "memory",
    }


def result_id(r: FlagResult) -> str:
    return "-".join(filter(None, (r.kind, r.detail.get("context"))))


@pytest.mark.parametrize("result", ALL_RESULTS, ids=result_id)
def test_guidance_names_the_clinic_phone_and_the_after_hours_number(result: FlagResult) -> None:
    assert "555-0100" in result.guidance and "555-0199" in result.guidance
    title, guidance = flags.describe(result.kind, result.detail, T)
    assert (title, guidance) == (result.title, result.guidance)


@pytest.mark.parametrize("result", every_flag(NO_NUMBERS), ids=lambda r: r.kind)
def test_guidance_without_numbers_on_file_says_call_your_clinic(result: FlagResult) -> None:
    assert "call your clinic" in result.guidance.lower()


def test_describe_words_a_stored_flag_with_the_clinics_current_numbers() -> None:
    stored = BY_KIND["cravings"]
    now = replace(T, clinic_phone="555-0142", after_hours_phone="555-0143")
    _, guidance = flags.describe(stored.kind, stored.detail, now)
    assert "555-0142" in guidance and "555-0143" in guidance
    assert "555-0100" not in guidance
    only_day = replace(T, after_hours_phone="")
    _, guidance = flags.describe(stored.kind, stored.detail, only_day)
    assert "555-0100" in guidance and "after hours" not in guidance


REASSURANCE = re.compile(r"common|usually settle|nothing to worry", re.IGNORECASE)
DOSING = re.compile(
    r"\bskip|should take|take your dose|change your dose|\bdelay|\blimit", re.IGNORECASE
)


@pytest.mark.parametrize("t", [T, NO_NUMBERS], ids=["numbers", "no-numbers"])
def test_no_wording_reassures_or_advises_on_dosing(t: Thresholds) -> None:
    texts = [text for r in every_flag(t) for text in (r.title, r.guidance)]
    texts += [flags.clinical_title(r.kind, r.detail) for r in every_flag(t)]
    assert len(texts) > 60
    for text in texts:
        assert not REASSURANCE.search(text), text
        assert not DOSING.search(text), text


def test_the_wording_checks_catch_what_they_are_for() -> None:
    assert REASSURANCE.search("Rises like this are common and usually settle.")
    assert DOSING.search("You may want to skip your next dose.")
    assert DOSING.search("Delay your next session.")
    assert not DOSING.search("Your before-dose reading was 150/95.")


def severe_bp_guidance(context: str, t: Thresholds = T) -> str:
    result = flags.severe_blood_pressure(ReadingData(185, 121, context), t)
    assert result is not None
    return result.guidance


AHA_WARNING_SIGNS = (
    "chest pain",
    "shortness of breath",
    "back pain",
    "numbness or weakness",
    "change in vision",
    "difficulty speaking",
)


@pytest.mark.parametrize("context", CONTEXTS)
def test_severe_bp_guidance_names_the_warning_signs_and_the_emergency_number(context: str) -> None:
    guidance = severe_bp_guidance(context)
    for sign in AHA_WARNING_SIGNS:
        assert sign in guidance
    assert "call 911 now" in guidance
    assert "five minutes" in guidance and "measure again" in guidance
    custom = severe_bp_guidance(context, replace(T, emergency_number="112"))
    assert "call 112 now" in custom and "911" not in custom


def test_severe_bp_guidance_at_the_clinic_says_tell_the_staff() -> None:
    clinic, home = severe_bp_guidance("after40"), severe_bp_guidance("home")
    assert "tell the staff" in clinic
    assert "staff" not in home
    assert clinic != home
    assert "at 40 min after dose" in clinic and "at home" in home


def test_post_dose_rise_guidance_names_both_readings() -> None:
    result = flags.post_dose_rise(ReadingData(185, 121, "after40"), BEFORE, T)
    assert result is not None
    assert result.title == "Blood pressure rose after the dose (+58/+35)"
    assert "from 127/86 before the dose to 185/121 at 40 min after dose" in result.guidance
    assert "tell the staff" in result.guidance


def test_severe_side_effect_guidance_and_title_for_one_effect() -> None:
    result = flags.severe_side_effect({"nausea": 4}, T)
    assert result is not None
    assert result.title == "Severe side effect"
    assert "Nausea (Very severe)" in result.guidance


def test_describe_has_a_fallback_for_retired_kinds() -> None:
    title, guidance = flags.describe("retired_rule", {"x": 1}, T)
    assert title == "Retired rule"
    assert "555-0100" in guidance and "555-0199" in guidance


@pytest.mark.parametrize(
    ("detail", "title"),
    [
        ({"mood": 2}, "Very low mood (2 out of 10)"),
        ({"phq9_total": 22}, "PHQ-9 score in the severe range (22)"),
    ],
)
def test_describe_still_words_flags_of_the_retired_low_mood_rule(detail, title: str) -> None:
    assert flags.describe("low_mood", detail, T)[0] == title


# --- Provider wording ---------------------------------------------------------------------------


def clinical(result: FlagResult | None) -> str:
    assert result is not None
    return flags.clinical_title(result.kind, result.detail)


def test_clinical_title_of_a_post_dose_rise() -> None:
    result = flags.post_dose_rise(ReadingData(185, 121, "after40"), BEFORE, T)
    assert clinical(result) == "BP 185/121 at 40 min after dose, +58/+35 over before-dose 127/86"


@pytest.mark.parametrize(
    ("item9", "words"),
    [(1, "several days"), (2, "more than half the days"), (3, "nearly every day")],
)
def test_clinical_title_of_the_self_harm_item(item9: int, words: str) -> None:
    assert clinical(flags.self_harm(phq9(item9), T)) == f"PHQ-9 item 9: {words}"


def test_clinical_title_of_a_severe_side_effect_names_the_session() -> None:
    result = flags.severe_side_effect({"dissociation": 3, "nausea": 2}, T, "2 Dec IV session")
    assert "Dissociation rated Severe after the 2 Dec IV session" in clinical(result)
    assert "Nausea" not in clinical(result)


@pytest.mark.parametrize(
    ("result", "title"),
    [
        (flags.severe_blood_pressure(ReadingData(185, 121, "home"), T), "BP 185/121 at home"),
        (flags.elevated_before_dose(ReadingData(150, 95, "before"), T), "BP 150/95 before dose"),
        (flags.pulse(ReadingData(120, 80, "discharge", pulse=45), T), "Pulse 45/min at discharge"),
        (
            flags.heavy_burden(report({"nausea": 2, "headache": 3, "vision": 2}, bother=4), T),
            "Heavy side-effect burden (overall bother Very severe; 3 effects Moderate or worse) "
            "after the 2 Dec IV session",
        ),
        (
            flags.lingering_effects(report({"dissociation_now": 1}, hours=4.5), T),
            "Dissociation still present 4.5 h after the start of the 2 Dec IV session",
        ),
        (
            flags.breathing_or_waking({"breathing_waking": 1}, T, "2 Dec IV session"),
            "Hard to wake or breathing problems at home after the 2 Dec IV session",
        ),
        (flags.very_low_mood(0, T), "Mood 0/10"),
        (
            flags.sustained_low_mood(history(d0=1.0, d1=2.0), T),
            "Mood 3-day mean 1.5/10 (2 days with entries)",
        ),
        (
            flags.sustained_low_mood(drop_history(4.0, 7.5), T),
            "Mood 7-day mean 4.0/10, 3.5 below the previous 28 days (7.5)",
        ),
        (flags.phq9_severe(21, T), "PHQ-9 21 (severe)"),
        (flags.phq9_worsening(20, 14, 10, T), "PHQ-9 20, +10 over the baseline (10)"),
        (flags.gad7_severe(16, T), "GAD-7 16 (severe)"),
        (flags.cravings({"cravings": 3}, T), "Cravings rated Severe"),
        (flags.urinary({"urinary": 2}, T), "Urinary symptoms rated Moderate"),
        (
            flags.rising_urinary([1, 2, 3], T),
            "Urinary symptoms rising over 3 check-ins (Mild → Moderate → Severe)",
        ),
        (flags.memory({"memory": 4}, T), "Memory or concentration rated Very severe"),
    ],
    ids=lambda v: v.kind if isinstance(v, FlagResult) else "",
)
def test_clinical_titles_name_what_happened_with_the_value(result, title: str) -> None:
    assert clinical(result) == title


@pytest.mark.parametrize("result", ALL_RESULTS, ids=result_id)
def test_clinical_titles_are_in_the_providers_voice(result: FlagResult) -> None:
    text = flags.clinical_title(result.kind, result.detail)
    assert text and not text.startswith("You")
    assert text != result.title


MALFORMED = [
    {},
    {"systolic": "high", "diastolic": None, "context": 3, "pulse": "fast"},
    {"rise_systolic": None, "before_systolic": [], "mood": {}, "mean": None},
    {"symptoms": "dissociation", "codes": [1, None], "values": 5, "item9": [1]},
    {"symptoms": [None], "codes": None, "values": [None], "item9": 9},
    {"symptoms": [{"code": 3}], "overall_bother": [4], "moderate_or_worse": 3, "bother_fired": 1},
    {"phq9_total": "x", "compared_total": None, "compared": 1, "gad7_total": None},
    {"reason": "drop", "session": 5, "hours": None, "label": None},
]


@pytest.mark.parametrize("detail", MALFORMED)
@pytest.mark.parametrize("kind", [*EVERY_KIND, "low_mood", "retired_rule"])
def test_wording_survives_a_malformed_detail(kind: str, detail: dict) -> None:
    title, guidance = flags.describe(kind, detail, T)
    assert isinstance(title, str) and title
    assert isinstance(guidance, str) and "555-0100" in guidance
    provider = flags.clinical_title(kind, detail)
    assert isinstance(provider, str) and provider and provider == provider.strip()


# --- Thresholds from the clinic settings --------------------------------------------------------


@pytest.mark.django_db
def test_thresholds_are_built_from_the_clinic_settings_row() -> None:
    row = ClinicSettings.load()
    changed = {
        "clinic_name": "Riverside clinic",
        "clinic_phone": "555-0142",
        "after_hours_phone": "555-0143",
        "emergency_number": "112",
        "crisis_number": "116 123",
        "severe_systolic": 170,
        "severe_diastolic": 110,
        "predose_systolic": 150,
        "predose_diastolic": 95,
        "rise_systolic": 30,
        "rise_diastolic": 20,
        "pulse_high": 110,
        "pulse_low": 55,
        "very_low_mood": 2,
        "low_mood": 3,
        "mood_drop": 2,
        "phq9_severe": 18,
        "phq9_worsening": 4,
        "gad7_severe": 12,
        "severe_side_effect": 4,
        "heavy_bother": 4,
        "heavy_effects_count": 2,
        "heavy_effects_severity": 3,
        "lingering_hours": 4,
        "cravings_severity": 1,
        "urinary_severity": 3,
        "memory_severity": 3,
        "rising_urinary_checkins": 4,
    }
    for name, value in changed.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    t = ClinicSettings.load_thresholds()
    assert {name: getattr(t, name) for name in changed} == changed
    assert t.call_clinic == "call Riverside clinic on 555-0142 (after hours: 555-0143)"
    assert t.contacts_complete
    # The rules read the row's numbers.
    assert flags.lingering_effects(report({"drowsiness_now": 1}, hours=3.5), t) is None
    assert flags.rising_urinary([1, 2, 3], t) is None
    assert flags.severe_blood_pressure(ReadingData(170, 80, "home"), t) is not None
