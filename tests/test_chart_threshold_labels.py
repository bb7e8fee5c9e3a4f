"""The blood-pressure chart draws each clinic flag level in the panel of the quantity it applies
to, names that quantity in its label, and nothing on it, in its summary or in its table reads
as advice about a dose."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest

from journal.charts import CHARTS, blood_pressure_chart
from journal.charts.types import BloodPressureData, Reading, ReadingGroup, Thresholds
from journal.summaries import panel
from journal.thresholds import DEFAULT_THRESHOLDS

SVG_NS = "{http://www.w3.org/2000/svg}"
DAY = date(2026, 3, 2)
# Wording that could read as a rule about dosing, or a level with no quantity attached.
ADVICE = re.compile(r"\b(limits?|should|skip|delay|hold|withhold|postpone|do not take)\b", re.I)
BARE_LEVEL = re.compile(r"^\d+ [a-z]")  # "120 severe", "140 pre-dose limit" (not "2 Mar")
# Every phrase with "dose" a reader may meet: when a reading was taken, nothing more.
DOSE_PHRASES = {
    "Before dose",
    "About 40 min after dose",
    "About 40 minutes after dose",
    "before-dose reference",
}


def data(thresholds: Thresholds = DEFAULT_THRESHOLDS) -> BloodPressureData:
    """Three sessions and a home reading; systolic readings around the diastolic 120 line."""
    groups = []
    for n in range(3):
        day = DAY + timedelta(days=7 * n)
        at = datetime(day.year, day.month, day.day, 9)
        groups.append(
            ReadingGroup(
                day,
                True,
                (
                    Reading(at, "before", 118 + n, 76, 70, False),
                    Reading(at + timedelta(minutes=40), "after40", 186, 124, 88, True),
                    Reading(at + timedelta(hours=2), "discharge", 126, 80, 72, False),
                ),
            )
        )
    home = DAY + timedelta(days=20)
    groups.append(
        ReadingGroup(home, False, (Reading(datetime(2026, 3, 22, 19), "home", 122, 78, 64, False),))
    )
    return BloodPressureData(tuple(groups), thresholds)


def svg(chart_data: BloodPressureData) -> ET.Element:
    return ET.fromstring(blood_pressure_chart(chart_data))  # noqa: S314 - our own output


def group(root: ET.Element, gid: str) -> ET.Element:
    [found] = [g for g in root.iter(f"{SVG_NS}g") if g.get("id") == gid]
    return found


def words(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG_NS}text")]


def threshold_ids(element: ET.Element) -> set[str]:
    return {
        g.get("id", "") for g in element.iter(f"{SVG_NS}g") if g.get("id", "").startswith("thr")
    }


CLINICS = {
    "defaults": DEFAULT_THRESHOLDS,
    "stricter clinic": Thresholds(
        severe_systolic=170, predose_systolic=135, severe_diastolic=110, predose_diastolic=85
    ),
}


@pytest.mark.parametrize("t", CLINICS.values(), ids=CLINICS.keys())
def test_each_flag_level_is_drawn_in_the_panel_of_its_quantity(t: Thresholds) -> None:
    root = svg(data(t))
    systolic, diastolic = group(root, "panel-systolic"), group(root, "panel-diastolic")
    assert threshold_ids(systolic) == {
        f"threshold-systolic-{t.severe_systolic}",
        f"threshold-systolic-{t.predose_systolic}",
    }
    assert threshold_ids(diastolic) == {
        f"threshold-diastolic-{t.severe_diastolic}",
        f"threshold-diastolic-{t.predose_diastolic}",
    }
    assert "Systolic (mmHg)" in words(systolic) and "Diastolic (mmHg)" in words(diastolic)


@pytest.mark.parametrize("t", CLINICS.values(), ids=CLINICS.keys())
def test_each_flag_level_is_labelled_with_its_quantity_in_its_own_panel(t: Thresholds) -> None:
    root = svg(data(t))
    systolic = words(group(root, "panel-systolic"))
    diastolic = words(group(root, "panel-diastolic"))
    assert {f"Systolic {t.severe_systolic}", f"Systolic {t.predose_systolic}"} <= set(systolic)
    assert {f"Diastolic {t.severe_diastolic}", f"Diastolic {t.predose_diastolic}"} <= set(diastolic)
    assert not [w for w in systolic if w.startswith("Diastolic")]
    assert not [w for w in diastolic if w.startswith("Systolic")]
    assert systolic.count("before-dose reference") == diastolic.count("before-dose reference") == 1
    assert systolic.count("very high") == diastolic.count("very high") == 1


def test_no_chart_text_is_a_bare_level_a_limit_or_dosing_advice() -> None:
    every = words(svg(data()))
    assert not [w for w in every if BARE_LEVEL.match(w)]
    assert not [w for w in every if ADVICE.search(w) or "severe" in w.lower()]
    assert {w for w in every if "dose" in w.lower()} <= DOSE_PHRASES


@pytest.mark.parametrize("audience", ["patient", "provider"])
def test_the_summary_table_and_description_give_no_dosing_advice(audience) -> None:
    shown = panel("blood-pressure", data(), period_label="the last 30 days", audience=audience)
    sentences = [
        shown.summary,
        shown.table.caption,
        *shown.table.columns,
        *(cell for row in shown.table.rows for cell in row),
        CHARTS["blood-pressure"].alt,
    ]
    assert not [s for s in sentences if ADVICE.search(s)]
    assert "before" in shown.summary and "after" in shown.summary  # a rise, described as such
