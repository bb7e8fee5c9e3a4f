"""Chart functions: valid SVG for empty, one-point and many-point data, no leaked figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, datetime, timedelta

import matplotlib.pyplot as plt
import pytest

from journal.catalogue import GAD7, PHQ9
from journal.charts import (
    CHARTS,
    blood_pressure_chart,
    durability_chart,
    mood_chart,
    questionnaire_chart,
    side_effect_chart,
    symptom_chart,
)
from journal.charts._base import day_ticks
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

SVG_NS = "{http://www.w3.org/2000/svg}"
END = date(2025, 12, 31)
START = END - timedelta(days=364)
YEAR = [START + timedelta(days=i) for i in range(365)]


def mood(days: list[date], sessions: tuple[date, ...] = ()) -> MoodSeries:
    return MoodSeries(
        first_day=days[0] if days else START,
        last_day=END,
        days=tuple(
            MoodDay(d, (i * 7) % 11, 1 + i % 3, 5.0, (i * 3) % 11 if i % 4 else None, 2.0)
            for i, d in enumerate(days)
        ),
        sessions=sessions,
    )


def matrix(columns: int) -> SeverityMatrix:
    rows = (("dissociation", "Dissociation"), ("nausea", "Nausea"), ("taste", "Taste change"))
    return SeverityMatrix(
        columns=tuple(SessionColumn(YEAR[7 * c], "IV infusion") for c in range(columns)),
        rows=rows,
        values=tuple(
            tuple(None if (r == 2 and c % 2) else (r + c) % 5 for c in range(columns))
            for r in range(len(rows))
        ),
    )


def symptoms(days: list[date]) -> SymptomData:
    return SymptomData(
        START,
        END,
        tuple(
            SymptomSeries(code, code.title(), tuple((d, (i + k) % 5) for i, d in enumerate(days)))
            for k, code in enumerate(("urinary", "memory", "cravings", "sleep"))
        ),
    )


def readings(groups: int, flag_every: int = 3) -> BloodPressureData:
    out = []
    for g in range(groups):
        day = YEAR[7 * g]
        at = datetime(day.year, day.month, day.day, 9)
        out.append(
            ReadingGroup(
                day,
                True,
                (
                    Reading(at, "before", 125, 80, 70, False),
                    Reading(
                        at + timedelta(minutes=50),
                        "after40",
                        150 + g,
                        92,
                        None,
                        g % flag_every == 0,
                    ),
                    Reading(at + timedelta(hours=2), "discharge", 132, 84, 68, False),
                ),
            )
        )
    return BloodPressureData(tuple(out), Thresholds())


def durability(intervals: int, length: int = 7) -> DurabilityData:
    return DurabilityData(
        tuple(
            Interval(YEAR[7 * i], tuple((k, float((i + k) % 11)) for k in range(length)))
            for i in range(intervals)
        )
    )


def scores(points: int) -> QuestionnaireData:
    def series(q) -> ScoreSeries:
        return ScoreSeries(
            q.code,
            q.title,
            q.max_total,
            tuple(ScoreBand(b.low, b.high, b.label) for b in q.bands),
            tuple((YEAR[14 * i], (5 * i) % q.max_total, "x") for i in range(points)),
        )

    return QuestionnaireData(START, END, (series(PHQ9), series(GAD7)))


# name -> (renderer, empty data, one point, many points)
CASES: dict[str, tuple[Callable[[object], bytes], object, object, object]] = {
    "mood": (mood_chart, mood([]), mood([END], (END,)), mood(YEAR, tuple(YEAR[1::7]))),
    "side-effects": (side_effect_chart, matrix(0), matrix(1), matrix(30)),
    "symptoms": (symptom_chart, symptoms([]), symptoms([END]), symptoms(YEAR)),
    "blood-pressure": (
        blood_pressure_chart,
        BloodPressureData((), Thresholds()),
        BloodPressureData(
            (
                ReadingGroup(
                    END, False, (Reading(datetime(2025, 12, 31, 8), "home", 121, 79, None, False),)
                ),
            ),
            Thresholds(),
        ),
        readings(25),
    ),
    "durability": (durability_chart, DurabilityData(()), durability(1, 1), durability(52)),
    "questionnaires": (
        questionnaire_chart,
        QuestionnaireData(START, END, ()),
        scores(1),
        scores(26),
    ),
}


def parse(svg: bytes) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well formed
    assert root.tag == f"{SVG_NS}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG_NS}text")]


@pytest.fixture(autouse=True)
def _no_figures_leak():
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def test_every_registered_chart_has_cases() -> None:
    assert set(CASES) == set(CHARTS)
    for name, (render, *_) in CASES.items():
        assert CHARTS[name].render is render


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("size", ["empty", "one", "many"])
def test_chart_returns_valid_svg_without_nan(name: str, size: str) -> None:
    render, empty, one, many = CASES[name]
    svg = render({"empty": empty, "one": one, "many": many}[size])
    root = parse(svg)
    assert not re.search(rb"\bnan\b", svg.lower()), "NaN leaked into the SVG"
    words = " ".join(texts(root))
    if size == "empty":
        assert "Nothing to show yet" in words or "yet." in words
        assert "Entries you log will appear here." in words
    else:
        assert "Nothing to show yet" not in words
        assert "Entries you log will appear here." not in words


@pytest.mark.parametrize("name", sorted(CASES))
def test_equal_data_gives_identical_bytes(name: str) -> None:
    render, _, _, many = CASES[name]
    assert render(many) == render(many)


def test_text_stays_text_and_no_timestamp_is_embedded() -> None:
    svg = mood_chart(CASES["mood"][3])
    assert b"<text" in svg and b"Mood over time" in svg
    assert b"<dc:date>" not in svg


def test_a_year_of_mood_is_drawn_with_a_few_artists_not_one_per_point() -> None:
    root = parse(mood_chart(CASES["mood"][3]))
    paths = list(root.iter(f"{SVG_NS}path"))
    uses = list(root.iter(f"{SVG_NS}use"))
    # 365 days + 52 sessions + anxiety and pain: one path per series; markers only in the key.
    assert len(paths) < 40
    assert len(uses) <= 3


def test_one_mood_day_is_still_marked() -> None:
    root = parse(mood_chart(CASES["mood"][2]))
    assert list(root.iter(f"{SVG_NS}use")), "a single day needs a visible marker"


def test_mood_chart_names_only_the_optional_lines_it_draws() -> None:
    without = MoodSeries(START, END, (MoodDay(END, 5, 1, 5.0),), ())
    words = " ".join(texts(parse(mood_chart(without))))
    assert "Anxiety" not in words and "Pain" not in words and "Session" not in words
    assert {"Anxiety", "Pain", "Session", "7-day average"} <= set(
        texts(parse(mood_chart(CASES["mood"][3])))
    )


def test_heat_map_writes_every_severity_in_its_cell() -> None:
    data = matrix(4)
    root = parse(side_effect_chart(data))
    group = next(g for g in root.iter(f"{SVG_NS}g") if g.get("id") == "severity-cells")
    cells = [t.text for t in group.iter(f"{SVG_NS}text")]
    expected = ["–" if v is None else str(v) for row in data.values for v in row]
    assert cells == expected
    assert "0 None · 1 Mild · 2 Moderate · 3 Severe · 4 Very severe · – not rated" in texts(root)


def test_heat_map_shows_the_latest_sessions_and_says_so() -> None:
    data = matrix(30)
    root = parse(side_effect_chart(data))
    group = next(g for g in root.iter(f"{SVG_NS}g") if g.get("id") == "severity-cells")
    assert len(list(group.iter(f"{SVG_NS}text"))) == 12 * len(data.rows)
    assert any("latest 12 of 30 sessions" in t for t in texts(root))


def test_blood_pressure_marks_flagged_readings_and_clinic_thresholds() -> None:
    data = readings(3, flag_every=2)  # groups 0 and 2 flagged
    words = texts(parse(blood_pressure_chart(data)))
    assert words.count("!") == 2 * 2  # each flagged reading, in the systolic and diastolic panel
    assert "Flagged (!)" in words
    assert {"Before dose", "About 40 min after dose", "At discharge"} <= set(words)
    assert {"Systolic 180", "Diastolic 120", "Systolic 140", "Diastolic 90"} <= set(words)
    custom = BloodPressureData(data.groups, Thresholds(severe_systolic=170, predose_systolic=135))
    words = texts(parse(blood_pressure_chart(custom)))
    assert "Systolic 170" in words and "Systolic 135" in words
    unflagged = readings(2, flag_every=99)
    unflagged = BloodPressureData(
        tuple(
            ReadingGroup(
                g.day,
                g.is_session,
                tuple(
                    Reading(r.at, r.context, r.systolic, r.diastolic, r.pulse, False)
                    for r in g.readings
                ),
            )
            for g in unflagged.groups
        ),
        Thresholds(),
    )
    words = texts(parse(blood_pressure_chart(unflagged)))
    assert "!" not in words and "Flagged (!)" not in words


def test_questionnaire_chart_labels_every_band() -> None:
    words = texts(parse(questionnaire_chart(scores(3))))
    assert {
        "Minimal 0–4",
        "Mild 5–9",
        "Moderate 10–14",
        "Moderately severe 15–19",
        "Severe 20–27",
        "Severe 15–21",
    } <= set(words)
    assert {"PHQ-9", "GAD-7"} <= set(words)


def test_durability_labels_the_latest_interval_and_the_average() -> None:
    words = texts(parse(durability_chart(durability(3))))
    assert f"Latest: session on {YEAR[14].day} {YEAR[14]:%b}" in words
    assert "Average of all sessions" in words
    assert "Average of all sessions" not in texts(parse(durability_chart(durability(1))))


def test_day_ticks_use_months_for_long_spans_and_days_for_short_ones() -> None:
    positions, labels = day_ticks(date(2025, 3, 1), date(2025, 3, 30))
    assert labels[0] == "1 Mar" and len(labels) <= 6
    assert positions[0] == date(2025, 3, 1).toordinal()
    positions, labels = day_ticks(date(2025, 1, 15), date(2025, 12, 31))
    assert labels[0] == "Feb" and all(len(label) == 3 for label in labels)
    _, labels = day_ticks(date(2024, 11, 15), date(2025, 3, 1))
    assert labels[0] == "Dec 2024" and "Jan 2025" in labels
    positions, labels = day_ticks(END, END)
    assert positions == [END.toordinal()] and labels == ["31 Dec"]
