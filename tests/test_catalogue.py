"""The side-effect catalogue and questionnaire definitions are complete and consistent."""

from __future__ import annotations

import pytest

from journal.catalogue import (
    CHECK_IN,
    GAD7,
    PHQ9,
    PHQ9_SELF_HARM_ITEM,
    POST_SESSION,
    QUESTIONNAIRES,
    SEVERITY_LABELS,
    SYMPTOMS,
    check_in_symptoms,
    post_session_symptoms,
    symptom_label,
)
from journal.models import SEVERITY_CHOICES, Route

# Every symptom DESIGN.md §2 names, by the code the catalogue must use for it.
DESIGN_POST_SESSION = {
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
    "taste",
    "nasal",
}
DESIGN_CHECK_IN = {"urinary", "memory", "cravings", "sleep"}


def test_symptom_codes_are_unique_and_every_entry_is_complete() -> None:
    codes = [s.code for s in SYMPTOMS]
    assert len(codes) == len(set(codes))
    for s in SYMPTOMS:
        assert s.code.isidentifier() and len(s.code) <= 40
        assert s.label and s.help_text and s.source
        assert s.asked in {POST_SESSION, CHECK_IN}


def test_every_design_symptom_is_present_where_it_is_asked() -> None:
    assert {s.code for s in SYMPTOMS if s.asked == POST_SESSION} == DESIGN_POST_SESSION
    assert {s.code for s in check_in_symptoms()} == DESIGN_CHECK_IN


@pytest.mark.parametrize("route", Route.values)
def test_route_specific_symptoms_are_asked_only_after_intranasal_sessions(route: str) -> None:
    codes = {s.code for s in post_session_symptoms(route)}
    if route == Route.INTRANASAL:
        assert codes == DESIGN_POST_SESSION
    else:
        assert codes == DESIGN_POST_SESSION - {"taste", "nasal"}


def test_severity_scale_matches_the_models_choices() -> None:
    assert list(SEVERITY_LABELS.items()) == SEVERITY_CHOICES
    assert list(SEVERITY_LABELS) == [0, 1, 2, 3, 4]


def test_flag_rules_watch_cravings_and_urinary_symptoms() -> None:
    rules = {s.code: s.flag_rule for s in SYMPTOMS}
    assert rules["cravings"] == "cravings"
    assert rules["urinary"] == "urinary"
    assert {r for c, r in rules.items() if c not in {"cravings", "urinary"}} == {
        "severe_side_effect"
    }


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
