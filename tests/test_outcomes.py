"""Outcomes (DESIGN.md §3b) over hand-computed cases: no baseline, baseline 0, response exactly
at 50 %, remission at 4 vs 5, loss of response, GAD-7, a provider-marked baseline."""

from __future__ import annotations

import datetime as dt

import pytest

from journal import outcomes as oc
from journal.outcomes import ScoreInput, outcome, patient_sentence, provider_line

T0 = dt.datetime(2026, 1, 10, 15, 0, tzinfo=dt.UTC)
# Eight sessions, every three days from T0.
SESSIONS = [T0 + dt.timedelta(days=3 * i) for i in range(8)]


def s(id_: int, days: float, total: int) -> ScoreInput:
    return ScoreInput(id_, T0 + dt.timedelta(days=days), total)


def test_no_scores_and_no_sessions_say_so_without_percentages() -> None:
    assert outcome("phq9", [], SESSIONS).state == oc.NO_SCORES
    lone = outcome("phq9", [s(1, -2, 18)], [])
    assert lone.state == oc.NO_SESSIONS and lone.change is None
    assert "%" not in patient_sentence(lone) and "%" not in provider_line(lone)


def test_a_score_older_than_seven_days_before_the_first_session_is_no_baseline() -> None:
    o = outcome("phq9", [s(1, -8, 18), s(2, 14, 9)], SESSIONS)
    assert o.state == oc.NO_BASELINE and o.change is None and o.status is None
    assert provider_line(o) == (
        "PHQ-9: latest 9; no baseline (none in the 7 days before the first session)."
    )


def test_the_latest_score_in_the_week_before_the_first_session_is_the_baseline() -> None:
    o = outcome("phq9", [s(1, -6, 20), s(2, -1, 18), s(3, 14, 12)], SESSIONS)
    assert o.baseline is not None and (o.baseline.id, o.baseline.total) == (2, 18)
    assert o.baseline.session_number == 0 and o.latest is not None
    # Day 14 is after sessions on days 0, 3, 6, 9, 12: session number 5, two weeks in.
    assert (o.latest.session_number, o.latest.weeks) == (5, 2.0)
    assert o.change == pytest.approx(6 / 18) and o.status == oc.NO_RESPONSE


def test_response_exactly_at_fifty_percent() -> None:
    o = outcome("phq9", [s(1, -2, 18), s(2, 16, 9)], SESSIONS)
    assert o.status == oc.RESPONSE and o.percent_change == 50
    assert o.first_response is not None and o.first_response.session_number == 6
    assert provider_line(o) == "PHQ-9 18 → 9 (−50 %), response at session 6; not in remission."
    assert patient_sentence(o).startswith(
        "Your PHQ-9 is 9, down from 18 before treatment: a 50 % drop."
    )
    just_short = outcome("phq9", [s(1, -2, 18), s(2, 16, 10)], SESSIONS)
    assert just_short.status == oc.NO_RESPONSE and just_short.first_response is None


@pytest.mark.parametrize(("latest", "remitted"), [(4, True), (5, False)])
def test_remission_is_below_five(latest: int, remitted: bool) -> None:
    o = outcome("phq9", [s(1, -2, 12), s(2, 20, latest)], SESSIONS)
    assert (o.status == oc.REMISSION) is remitted
    assert o.ever_remitted is remitted


def test_a_baseline_of_zero_gives_no_percentage_but_remission_still_counts() -> None:
    o = outcome("phq9", [s(1, -2, 0), s(2, 10, 3)], SESSIONS)
    assert o.state == oc.MEASURED and o.change is None and o.percent_change is None
    assert o.status == oc.REMISSION and o.first_response is None
    assert "%" not in provider_line(o) and "%" not in patient_sentence(o)


def test_loss_of_response_needs_two_consecutive_scores_above_the_fifty_percent_level() -> None:
    course = [s(1, -2, 20), s(2, 10, 8), s(3, 14, 12)]
    one_miss = outcome("phq9", course, SESSIONS)
    # One score above the 50 % level is not a loss: still a responder.
    assert one_miss.status == oc.RESPONSE and one_miss.lost_at is None
    lost = outcome("phq9", [*course, s(4, 18, 13)], SESSIONS)
    assert lost.status == oc.LOST_RESPONSE and lost.lost_at is not None
    assert lost.lost_at.id == 4 and lost.first_response is not None
    assert lost.first_response.id == 2
    assert "response at session 4, lost at session 7" in provider_line(lost)
    regained = outcome("phq9", [*course, s(4, 18, 13), s(5, 21, 9)], SESSIONS)
    assert regained.status == oc.RESPONSE and regained.lost_at is None


def test_gad7_uses_the_same_definitions() -> None:
    o = outcome("gad7", [s(1, -1, 16), s(2, 12, 7)], SESSIONS)
    assert o.title == "GAD-7" and o.status == oc.RESPONSE and o.percent_change == 56
    assert provider_line(o).startswith("GAD-7 16 → 7 (−56 %)")


def test_a_provider_marked_baseline_wins_over_the_rule() -> None:
    scores = [s(1, -20, 22), s(2, -2, 14), s(3, 16, 10)]
    automatic = outcome("phq9", scores, SESSIONS)
    assert automatic.baseline is not None and automatic.baseline.id == 2
    assert automatic.status == oc.NO_RESPONSE
    marked = outcome("phq9", scores, SESSIONS, marked_baseline_id=1)
    assert marked.baseline_marked and marked.baseline is not None and marked.baseline.id == 1
    assert marked.status == oc.RESPONSE and marked.percent_change == 55
    assert "(baseline marked by a provider)" in provider_line(marked)


def test_a_baseline_with_nothing_after_it() -> None:
    o = outcome("phq9", [s(1, -2, 18)], SESSIONS)
    assert o.state == oc.BASELINE_ONLY and o.change is None
    assert provider_line(o) == "PHQ-9: baseline 18; no score since."


def test_patient_words_before_treatment_and_without_a_baseline() -> None:
    score = [oc.ScoreInput(1, T0, 15)]
    before = oc.outcome("phq9", score, [])
    assert oc.patient_sentence(before).startswith("Your latest PHQ-9 is 15. Once treatment")
    late = oc.outcome("phq9", score, [T0 + dt.timedelta(days=30)])
    assert late.state == oc.NO_BASELINE
    assert "no PHQ-9 from the week before your first session" in oc.patient_sentence(late)
    assert "%" not in oc.patient_sentence(late) + oc.provider_line(late)


def test_a_baseline_marked_after_treatment_began_is_not_called_before_treatment() -> None:
    scores = [s(1, -2, 20), s(2, 10, 14), s(3, 30, 6)]
    marked = outcome("phq9", scores, SESSIONS, marked_baseline_id=2)
    assert patient_sentence(marked) == (
        "Your PHQ-9 is 6, down from 14 at your starting point: a 57 % drop. A drop of half or "
        "more is called a response."
    )


def test_the_drop_reads_as_english() -> None:
    eighty = outcome("phq9", [s(1, -1, 15), s(2, 20, 3)], SESSIONS)
    assert "down from 15 before treatment: an 80 % drop." in patient_sentence(eighty)
    fifty = outcome("phq9", [s(1, -1, 18), s(2, 20, 9)], SESSIONS)
    assert ": a 50 % drop." in patient_sentence(fifty)
