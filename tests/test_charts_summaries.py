"""Summary sentences and data tables match hand-computed values on fixed data."""

from __future__ import annotations

from datetime import date, datetime

from journal.charts.types import (
    BloodPressureData,
    DurabilityData,
    Interval,
    MoodDay,
    MoodSeries,
    QuestionnaireData,
    Reading,
    ReadingGroup,
    ScoreBand,
    ScoreSeries,
    SessionColumn,
    SeverityMatrix,
    SymptomData,
    SymptomSeries,
    Thresholds,
)
from journal.summaries import (
    blood_pressure_summary,
    blood_pressure_table,
    durability_summary,
    durability_table,
    largest_rise,
    mood_summary,
    mood_table,
    panel,
    questionnaire_summary,
    questionnaire_table,
    side_effect_summary,
    side_effect_table,
    symptom_summary,
    symptom_table,
)

LABEL = "the last 30 days"


def mood_series(*moods: float, anxiety: float | None = None) -> MoodSeries:
    days = tuple(
        MoodDay(date(2025, 3, 1 + i), m, 1, m, anxiety=anxiety) for i, m in enumerate(moods)
    )
    return MoodSeries(date(2025, 3, 1), date(2025, 3, 30), days, (date(2025, 3, 2),))


def test_mood_summary_gives_the_average_and_the_rise_against_the_previous_period() -> None:
    # Daily means 4, 6.5, 8 → 18.5 / 3 = 6.17 → 6.2; previous 5.04 → 5.0; change +1.2.
    text = mood_summary(mood_series(4, 6.5, 8), 5.04, LABEL, 30)
    assert text == (
        "Over the last 30 days your average daily mood was 6.2 out of 10 (3 days with entries), "
        "up 1.2 from 5.0 in the 30 days before."
    )


def test_mood_summary_says_down_same_and_nothing_to_compare() -> None:
    assert mood_summary(mood_series(3, 4), 6.0, LABEL, 30).endswith(
        "(2 days with entries), down 2.5 from 6.0 in the 30 days before."
    )
    assert mood_summary(mood_series(5), 5.02, LABEL, 30).endswith(
        "(1 day with entries), about the same as in the 30 days before (5.0)."
    )
    assert mood_summary(mood_series(5), None, LABEL, 30).endswith(
        "; there are no entries in the 30 days before to compare with."
    )
    assert mood_summary(mood_series(2, 3), None, "all your entries", None) == (
        "Across all your entries your average daily mood was 2.5 out of 10 (2 days with entries)."
    )
    empty = MoodSeries(None, date(2025, 3, 30), (), ())
    assert mood_summary(empty, 5.0, LABEL, 30) == "No mood entries in the last 30 days yet."


def test_mood_table_is_newest_first_and_shows_anxiety_only_when_recorded() -> None:
    table = mood_table(mood_series(4, 6.5), LABEL)
    assert table.columns == (
        "Day",
        "Mood (daily mean, 0–10, higher = better)",
        "Entries",
        "7-day average",
    )
    assert table.rows[0] == ("2 Mar 2025", "6.5", "1", "6.5")
    assert table.rows[1][0] == "1 Mar 2025"
    assert "sessions on 2 Mar" in table.caption
    with_anxiety = mood_table(mood_series(4, anxiety=3), LABEL)
    assert with_anxiety.columns[-1] == "Anxiety (0–10, higher = worse)"
    assert with_anxiety.rows[0][-1] == "3.0"


MATRIX = SeverityMatrix(
    columns=(
        SessionColumn(date(2025, 3, 1), "IV infusion"),
        SessionColumn(date(2025, 3, 8), "Intranasal spray"),
        SessionColumn(date(2025, 3, 15), "Intranasal spray"),
    ),
    rows=(("dissociation", "Dissociation"), ("nausea", "Nausea"), ("taste", "Taste change")),
    values=(
        (2, 0, 3),  # present 2 of 3, total 5
        (1, 1, 0),  # present 2 of 3, total 2 → loses the tie on total
        (None, 4, 0),  # present 1 of 2
    ),
)


def test_side_effect_summary_names_the_most_frequent_with_its_worst() -> None:
    assert side_effect_summary(MATRIX, LABEL) == (
        "Across 3 sessions with a report, the most frequent side effect was Dissociation: "
        "Mild or worse after 2 of the 3 sessions where it was rated (worst: Severe)."
    )


def test_side_effect_summary_without_side_effects_or_reports() -> None:
    none = SeverityMatrix(MATRIX.columns[:1], MATRIX.rows[:1], ((0,),))
    assert side_effect_summary(none, LABEL) == (
        "You reported no side effects after the 1 session with a report in the last 30 days."
    )
    assert side_effect_summary(SeverityMatrix((), (), ()), LABEL) == (
        "No post-session reports in the last 30 days yet."
    )


def test_side_effect_table_writes_severity_words_and_not_rated() -> None:
    table = side_effect_table(MATRIX)
    assert table.columns == ("Session", "Dissociation", "Nausea", "Taste change")
    assert table.rows[0] == ("15 Mar 2025 (Intranasal spray)", "Severe (3)", "None (0)", "None (0)")
    assert table.rows[-1] == ("1 Mar 2025 (IV infusion)", "Moderate (2)", "Mild (1)", "not rated")


def test_symptom_summary_and_table() -> None:
    data = SymptomData(
        date(2025, 3, 1),
        date(2025, 3, 30),
        (
            SymptomSeries("urinary", "Urinary symptoms", ((date(2025, 3, 1), 0),)),
            SymptomSeries(
                "sleep",
                "Sleep problems",
                ((date(2025, 3, 1), 1), (date(2025, 3, 2), 2), (date(2025, 3, 3), 0)),
            ),
        ),
    )
    assert symptom_summary(data, LABEL) == (
        "Between sessions, the most frequent symptom was Sleep problems: Mild or worse on 2 of "
        "the 3 days it was rated (worst: Moderate)."
    )
    table = symptom_table(data, LABEL)
    assert table.columns == ("Day", "Urinary symptoms", "Sleep problems")
    assert table.rows[0] == ("3 Mar 2025", "not rated", "None (0)")
    assert table.rows[-1] == ("1 Mar 2025", "None (0)", "Mild (1)")
    calm = SymptomData(None, date(2025, 3, 30), data.series[:1])
    assert symptom_summary(calm, LABEL) == (
        "You rated every between-session symptom as None in the last 30 days."
    )


def reading(hour: int, context: str, sys_: int, dia: int, flagged: bool = False) -> Reading:
    return Reading(datetime(2025, 3, 1, hour), context, sys_, dia, None, flagged)


BP = BloodPressureData(
    (
        ReadingGroup(
            date(2025, 3, 1),
            True,
            (
                reading(8, "before", 150, 95),  # earlier baseline, replaced by the 9:00 one
                reading(9, "before", 120, 80),
                reading(10, "after40", 150, 90),  # +30/+10
                reading(11, "discharge", 135, 85),
            ),
        ),
        ReadingGroup(
            date(2025, 3, 8),
            True,
            (reading(9, "before", 130, 85), reading(10, "after40", 155, 100, flagged=True)),
        ),  # +25/+15
        ReadingGroup(date(2025, 3, 9), False, (reading(7, "home", 190, 100, flagged=True),)),
    ),
    Thresholds(),
)


def test_largest_post_dose_rise_uses_the_latest_before_dose_baseline() -> None:
    rise = largest_rise(BP)
    assert (rise.day, rise.systolic, rise.diastolic) == (date(2025, 3, 1), 30, 10)
    assert blood_pressure_summary(BP, LABEL) == (
        "The largest rise after a dose was +30/+10 mmHg on 1 Mar (120/80 before, 150/90 after); "
        "2 of 7 readings were flagged."
    )


def test_blood_pressure_summary_without_a_before_after_pair_or_readings() -> None:
    home_only = BloodPressureData(BP.groups[2:], Thresholds())
    assert blood_pressure_summary(home_only, LABEL) == (
        "No session in the last 30 days has both a before-dose and an after-dose reading yet; "
        "1 of 1 reading was flagged."
    )
    falling = BloodPressureData(
        (
            ReadingGroup(
                date(2025, 3, 1),
                True,
                (reading(9, "before", 140, 90), reading(10, "after40", 130, 85)),
            ),
        ),
        Thresholds(),
    )
    assert blood_pressure_summary(falling, LABEL) == (
        "No after-dose reading was higher than its before-dose reading; "
        "none of the 2 readings was flagged."
    )
    assert blood_pressure_summary(BloodPressureData((), Thresholds()), LABEL) == (
        "No blood pressure readings in the last 30 days yet."
    )


def test_blood_pressure_table_lists_every_reading_newest_first() -> None:
    table = blood_pressure_table(BP, LABEL)
    assert len(table.rows) == 7
    assert table.rows[0] == ("1 Mar 2025 11:00", "1 Mar 2025", "At discharge", "135/85", "–", "No")
    home = next(r for r in table.rows if r[1] == "No session")
    assert home[2:] == ("At home", "190/100", "–", "Yes")


def test_durability_summary_compares_days_0_to_2_with_later_days() -> None:
    data = DurabilityData(
        (
            Interval(date(2025, 3, 1), ((0, 8.0), (1, 7.0), (4, 5.0))),
            Interval(date(2025, 3, 8), ((2, 6.0), (3, 4.0), (5, 3.0))),
        )
    )
    # Early: 8, 7, 6 → 7.0. Later: 5, 4, 3 → 4.0.
    assert durability_summary(data) == (
        "Across 2 sessions, your mood averaged 7.0 on days 0–2 after a session and 4.0 "
        "from day 3 on."
    )
    early_only = DurabilityData((Interval(date(2025, 3, 1), ((0, 6.5),)),))
    assert durability_summary(early_only) == (
        "Across 1 session, your mood averaged 6.5 on days 0–2 after a session "
        "(no entries from day 3 on yet)."
    )
    assert durability_summary(DurabilityData(())) == (
        "No mood entries after a session in this period yet."
    )
    table = durability_table(data)
    assert table.rows[0] == ("8 Mar 2025", "2", "6.0")
    assert len(table.rows) == 6


def scores(code: str, title: str, points) -> ScoreSeries:
    return ScoreSeries(code, title, 27, (ScoreBand(0, 4, "Minimal"),), tuple(points))


def test_questionnaire_summary_gives_latest_with_band_and_change() -> None:
    data = QuestionnaireData(
        None,
        date(2025, 3, 30),
        (
            scores(
                "phq9",
                "PHQ-9",
                [(date(2025, 2, 1), 16, "Moderately severe"), (date(2025, 3, 3), 12, "Moderate")],
            ),
            scores("gad7", "GAD-7", [(date(2025, 3, 3), 8, "Mild")]),
        ),
    )
    assert questionnaire_summary(data, LABEL) == (
        "Latest PHQ-9: 12 (Moderate) on 3 Mar, down 4 from 16 on 1 Feb; "
        "latest GAD-7: 8 (Mild) on 3 Mar."
    )
    table = questionnaire_table(data, LABEL)
    assert table.rows[0] == ("3 Mar 2025", "PHQ-9", "12", "Moderate")
    assert table.rows[-1] == ("1 Feb 2025", "PHQ-9", "16", "Moderately severe")
    flat = QuestionnaireData(
        None,
        date(2025, 3, 30),
        (scores("gad7", "GAD-7", [(date(2025, 3, 1), 8, "Mild"), (date(2025, 3, 9), 8, "Mild")]),),
    )
    assert questionnaire_summary(flat, LABEL) == (
        "Latest GAD-7: 8 (Mild) on 9 Mar, unchanged since 1 Mar."
    )
    assert questionnaire_summary(QuestionnaireData(None, date(2025, 3, 30), ()), LABEL) == (
        "No PHQ-9 or GAD-7 questionnaires in the last 30 days yet."
    )


def test_panel_knows_when_a_chart_has_data() -> None:
    assert panel("mood", mood_series(5), period_label=LABEL, period_days=30).has_data
    empty = MoodSeries(None, date(2025, 3, 30), (), ())
    assert not panel("mood", empty, period_label=LABEL, period_days=30).has_data
    assert panel("side-effects", MATRIX, period_label=LABEL).has_data
    assert not panel(
        "blood-pressure", BloodPressureData((), Thresholds()), period_label=LABEL
    ).has_data
