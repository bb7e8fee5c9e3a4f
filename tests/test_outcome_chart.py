"""The response curve (DESIGN.md §3b): valid SVG on both x axes, the 50 % and remission levels
at their scores, no 50 % line without a positive baseline, an empty picture without scores, and
a sentence and table that give the chart's figures (hand-computed: baseline 18, then 14, 9, 4)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import pytest

from journal.charts.outcomes import (
    REMISSION_LABEL,
    RESPONSE_LABEL,
    response_chart,
    response_curve_data,
)
from journal.outcome_summaries import response_summary, response_table
from journal.outcomes import Outcome, ScoreInput, outcome

SVG_NS = "{http://www.w3.org/2000/svg}"
T0 = dt.datetime(2026, 1, 10, 15, 0, tzinfo=dt.UTC)
# Eight weekly sessions from T0.
SESSIONS = [T0 + dt.timedelta(days=7 * i) for i in range(8)]


def s(id_: int, days: float, total: int) -> ScoreInput:
    return ScoreInput(id_, T0 + dt.timedelta(days=days), total)


# Baseline 18 two days before the first session; 14 after session 2, 9 after session 4 (the
# first response: exactly half), 4 after session 7 (remission). 23 is too early to be baseline.
COURSE = [s(1, -9, 23), s(2, -2, 18), s(3, 8, 14), s(4, 22, 9), s(5, 43, 4)]


def phq9(scores: list[ScoreInput] = COURSE, **kwargs) -> Outcome:
    return outcome("phq9", scores, SESSIONS, **kwargs)


def parse(svg: bytes) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well formed
    assert root.tag == f"{SVG_NS}svg"
    assert not re.search(rb"\bnan\b", svg.lower()), "NaN leaked into the SVG"
    return root


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG_NS}text")]


def ids(root: ET.Element) -> set[str]:
    return {g.get("id", "") for g in root.iter(f"{SVG_NS}g")}


def path_ys(root: ET.Element, gid: str) -> list[float]:
    [group] = [g for g in root.iter(f"{SVG_NS}g") if g.get("id") == gid]
    path = next(group.iter(f"{SVG_NS}path"))
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    return numbers[1::2]


def level(root: ET.Element, gid: str, max_total: int) -> float:
    """The score a horizontal line is drawn at, read off the plot area (0 at its bottom)."""
    box = path_ys(root, "plot-area")
    bottom, top = max(box), min(box)
    [y] = set(path_ys(root, gid))
    return round(max_total * (bottom - y) / (bottom - top), 6)


@pytest.fixture(autouse=True)
def _no_figures_leak():
    plt.close("all")
    yield
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("axis", "heading", "axis_label", "ticks"),
    [
        (
            "session",
            "PHQ-9 score by session",
            "Sessions so far (0 = before the first session)",
            [str(n) for n in range(8)],
        ),
        (
            "weeks",
            "PHQ-9 score by week since the first session",
            "Weeks since the first session (negative = before it)",
            [str(n) for n in range(7)],
        ),
    ],
)
def test_both_x_axes_give_valid_svg_with_their_own_ticks(axis, heading, axis_label, ticks) -> None:
    data = response_curve_data(phq9(), axis)
    svg = response_chart(data)
    words = texts(parse(svg))
    assert heading in words and axis_label in words
    # The x tick labels sit after the y tick labels 0, 5, 10, 15, 20, 27.
    y_ticks = ["0", "5", "10", "15", "20", "27"]
    start = next(i for i in range(len(words)) if words[i : i + 6] == y_ticks) + 6
    assert words[start : start + len(ticks)] == ticks
    assert response_chart(data) == svg  # equal data, equal bytes


def test_the_two_axes_place_the_same_scores_by_session_and_by_weeks() -> None:
    by_session = response_curve_data(phq9(), "session").points
    by_weeks = response_curve_data(phq9(), "weeks").points
    assert [p.session_number for p in by_session] == [0, 2, 4, 7]
    assert [round(p.weeks or 0, 2) for p in by_weeks] == [-0.29, 1.14, 3.14, 6.14]
    assert [p.total for p in by_session] == [p.total for p in by_weeks] == [18, 14, 9, 4]


@pytest.mark.parametrize(
    ("instrument", "scores", "half", "max_total"),
    [
        ("phq9", COURSE, 9, 27),
        ("gad7", [s(1, -1, 15), s(2, 10, 8)], 7.5, 21),
        ("gad7", [s(1, -1, 8), s(2, 10, 6)], 4, 21),  # the 50 % line below the remission line
    ],
)
def test_the_fifty_percent_and_remission_lines_are_drawn_at_their_scores(
    instrument, scores, half, max_total
) -> None:
    o = outcome(instrument, scores, SESSIONS)
    root = parse(response_chart(response_curve_data(o)))
    assert level(root, "response", max_total) == half
    assert level(root, "remission", max_total) == 5
    words = texts(root)
    assert RESPONSE_LABEL == "50 % of baseline (response)" and RESPONSE_LABEL in words
    assert REMISSION_LABEL == "Remission: below 5" and REMISSION_LABEL in words
    assert f"at {half:g}, half of {o.baseline.total if o.baseline else '?'}" in words
    assert "Total 0–" + str(max_total) + ", lower is better" in words


def test_the_baseline_is_marked_and_named_and_earlier_scores_are_left_out() -> None:
    words = texts(parse(response_chart(response_curve_data(phq9()))))
    assert "Baseline 18" in words and "Baseline" in words  # on the point and in the key
    assert {"14", "9", "4"} <= set(words)
    assert "23" not in words  # older than the week before the first session
    marked = phq9(marked_baseline_id=1)
    words = texts(parse(response_chart(response_curve_data(marked))))
    assert "Baseline 23" in words and "Baseline (chosen by a provider)" in words


def test_without_a_baseline_the_scores_are_drawn_without_the_fifty_percent_line() -> None:
    o = phq9([s(1, -20, 18), s(2, 8, 14), s(3, 22, 9)])
    assert o.baseline is None
    root = parse(response_chart(response_curve_data(o)))
    words = texts(root)
    assert "Total 0–27, lower is better · no baseline score, so no 50 % line" in words
    assert RESPONSE_LABEL not in words and "response" not in ids(root)
    assert REMISSION_LABEL in words and "remission" in ids(root)
    assert {"18", "14", "9"} <= set(words) and not any(w.startswith("Baseline") for w in words)


def test_a_baseline_of_zero_has_no_fifty_percent_line_and_says_why() -> None:
    root = parse(response_chart(response_curve_data(phq9([s(1, -1, 0), s(2, 8, 3)]))))
    words = texts(root)
    assert "Total 0–27, lower is better · the baseline is 0, so no 50 % line" in words
    assert RESPONSE_LABEL not in words and "response" not in ids(root)
    assert "Baseline 0" in words


@pytest.mark.parametrize(
    ("o", "message"),
    [
        (phq9([]), "No PHQ-9 questionnaires yet."),
        (outcome("gad7", [s(1, 0, 9)], []), "No treatment session yet to place the GAD-7 by."),
    ],
)
@pytest.mark.parametrize("axis", ["session", "weeks"])
def test_no_scores_or_no_sessions_give_the_empty_picture(o, message, axis) -> None:
    words = texts(parse(response_chart(response_curve_data(o, axis))))
    assert message in words and "Entries you log will appear here." in words
    assert RESPONSE_LABEL not in words and REMISSION_LABEL not in words


def test_gad7_is_drawn_on_its_own_range() -> None:
    o = outcome("gad7", [s(1, -1, 16), s(2, 10, 7)], SESSIONS)
    root = parse(response_chart(response_curve_data(o)))
    words = texts(root)
    assert "GAD-7 score by session" in words and "Total 0–21, lower is better" in words
    assert "21" in words and "27" not in words
    assert level(root, "remission", 21) == 5 and level(root, "response", 21) == 8


def test_summary_and_table_give_the_figures_the_chart_draws() -> None:
    o = phq9()
    table = response_table(o)
    assert table.columns == (
        "Date",
        "Session",
        "Weeks since the first session",
        "Score",
        "Change from baseline",
        "Status",
    )
    assert table.rows == (
        ("22 Feb 2026", "7", "6.1", "4", "−78 %", "In remission"),
        ("1 Feb 2026", "4", "3.1", "9", "−50 %", "Response"),
        ("18 Jan 2026", "2", "1.1", "14", "−22 %", "–"),
        ("8 Jan 2026", "0", "−0.3", "18", "–", "Baseline"),
    )
    assert table.caption == "PHQ-9 scores from the baseline (18) on, newest first"
    drawn = response_curve_data(o).points
    assert [row[3] for row in reversed(table.rows)] == [str(p.total) for p in drawn]
    assert response_summary(o, audience="provider") == (
        "PHQ-9 18 → 4 (−78 %), response at session 4; in remission."
    )
    assert response_summary(o) == (
        "Your PHQ-9 is 4, down from 18 before treatment: a 78 % drop. That is below 5, the "
        "range called remission."
    )


def test_the_table_names_the_score_a_response_was_lost_at() -> None:
    o = phq9([s(1, -2, 18), s(2, 8, 9), s(3, 15, 12), s(4, 22, 13), s(5, 29, 14)])
    assert [row[5] for row in response_table(o).rows] == [
        "–",
        "Response lost",
        "–",
        "Response",
        "Baseline",
    ]
    assert response_summary(o, audience="provider") == (
        "PHQ-9 18 → 14 (−22 %), response at session 2, lost at session 4; not in remission."
    )


def test_without_a_baseline_the_table_shows_no_change_or_status() -> None:
    o = phq9([s(1, -20, 18), s(2, 8, 4)])
    table = response_table(o)
    assert table.caption == "PHQ-9 scores, newest first; no baseline, so no change is shown"
    assert [row[4:] for row in table.rows] == [("–", "–"), ("–", "–")]
    assert "%" not in response_summary(o) and "%" not in response_summary(o, audience="provider")
