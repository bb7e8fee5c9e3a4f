"""Chart sentences speak to the patient on their own pages and about the patient in the
provider workspace: the same figures, and no "you" or "your" for the provider."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.charts.types import (
    BloodPressureData,
    DurabilityData,
    Interval,
    MoodSeries,
    QuestionnaireData,
    SeverityMatrix,
    SymptomData,
    SymptomSeries,
    Thresholds,
)
from journal.models import ShareCategory
from journal.permissions import share_scope
from journal.provider_charts import provider_panels, provider_period
from journal.summaries import panel
from tests.conftest import client_for
from tests.factories import journal_in_every_category
from tests.test_charts_summaries import BP, LABEL, MATRIX, mood_series, scores

YOU = re.compile(r"\byou(r|rs|rself)?\b", re.IGNORECASE)
FIGURE = re.compile(r"\d+(?:\.\d+)?")
END = date(2025, 3, 30)


def sleep(*ratings: int) -> SymptomData:
    points = tuple((date(2025, 3, 1 + i), r) for i, r in enumerate(ratings))
    return SymptomData(None, END, (SymptomSeries("sleep", "Sleep problems", points),))


# Chart name, data and panel() keywords for every branch of every summary sentence.
CASES: dict[str, tuple[str, object, dict[str, object]]] = {
    "mood up": ("mood", mood_series(4, 6.5, 8), {"period_days": 30, "previous_mood": 5.04}),
    "mood down": ("mood", mood_series(3, 4), {"period_days": 30, "previous_mood": 6.0}),
    "mood same": ("mood", mood_series(5), {"period_days": 30, "previous_mood": 5.02}),
    "mood, nothing before": ("mood", mood_series(5), {"period_days": 30}),
    "mood, all time": ("mood", mood_series(2, 3), {}),
    "mood, empty": ("mood", MoodSeries(None, END, (), ()), {"period_days": 30}),
    "durability": (
        "durability",
        DurabilityData(
            (
                Interval(date(2025, 3, 1), ((0, 8.0), (1, 7.0), (4, 5.0))),
                Interval(date(2025, 3, 8), ((2, 6.0), (3, 4.0), (5, 3.0))),
            )
        ),
        {},
    ),
    "durability, early only": (
        "durability",
        DurabilityData((Interval(date(2025, 3, 1), ((0, 6.5),)),)),
        {},
    ),
    "durability, later only": (
        "durability",
        DurabilityData((Interval(date(2025, 3, 1), ((4, 5.5),)),)),
        {},
    ),
    "durability, empty": ("durability", DurabilityData(()), {}),
    "side effects": ("side-effects", MATRIX, {}),
    "side effects, none": (
        "side-effects",
        SeverityMatrix(MATRIX.columns[:2], MATRIX.rows[:1], ((0, 0),)),
        {},
    ),
    "side effects, empty": ("side-effects", SeverityMatrix((), (), ()), {}),
    "symptoms": ("symptoms", sleep(1, 2, 0), {}),
    "symptoms, all none": ("symptoms", sleep(0, 0), {}),
    "symptoms, empty": ("symptoms", SymptomData(None, END, ()), {}),
    "questionnaires": (
        "questionnaires",
        QuestionnaireData(
            None,
            END,
            (
                scores(
                    "phq9",
                    "PHQ-9",
                    [
                        (date(2025, 2, 1), 16, "Moderately severe"),
                        (date(2025, 3, 3), 12, "Moderate"),
                    ],
                ),
            ),
        ),
        {},
    ),
    "questionnaires, empty": ("questionnaires", QuestionnaireData(None, END, ()), {}),
    "blood pressure": ("blood-pressure", BP, {}),
    "blood pressure, empty": ("blood-pressure", BloodPressureData((), Thresholds()), {}),
}


@pytest.mark.parametrize("case", CASES)
def test_the_provider_sentence_has_the_patients_figures_and_no_you(case: str) -> None:
    name, data, keywords = CASES[case]
    patient = panel(name, data, period_label=LABEL, **keywords)
    provider = panel(name, data, period_label=LABEL, audience="provider", **keywords)
    assert not YOU.search(provider.summary), provider.summary
    assert FIGURE.findall(provider.summary) == FIGURE.findall(patient.summary)
    assert (provider.table, provider.has_data) == (patient.table, patient.has_data)


def test_the_cases_reach_every_sentence_that_addresses_the_patient() -> None:
    addressed = {
        case
        for case, (name, data, keywords) in CASES.items()
        if YOU.search(panel(name, data, period_label=LABEL, **keywords).summary)
    }
    assert addressed == {
        "mood up",
        "mood down",
        "mood same",
        "mood, nothing before",
        "mood, all time",
        "durability",
        "durability, early only",
        "durability, later only",
        "side effects, none",
        "symptoms, all none",
    }


def provider_text(case: str) -> str:
    name, data, keywords = CASES[case]
    return panel(name, data, period_label=LABEL, audience="provider", **keywords).summary


def test_the_provider_wording_reads_as_a_sentence_about_the_patient() -> None:
    assert provider_text("mood up") == (
        "Over the last 30 days the patient's average daily mood was 6.2 out of 10 "
        "(3 days with entries), up 1.2 from 5.0 in the 30 days before."
    )
    assert provider_text("mood, all time") == (
        "Across all the patient's entries their average daily mood was 2.5 out of 10 "
        "(2 days with entries)."
    )
    assert provider_text("durability") == (
        "Across 2 sessions, the patient's mood averaged 7.0 on days 0–2 after a session and "
        "4.0 from day 3 on."
    )
    assert provider_text("side effects, none") == (
        "The patient reported no side effects after the 2 sessions with a report in "
        "the last 30 days."
    )
    assert provider_text("symptoms, all none") == (
        "The patient rated every between-session symptom as None in the last 30 days."
    )


# --- Pages --------------------------------------------------------------------------------


@pytest.fixture
def journal(patient) -> dict[str, object]:
    return journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))


def provider_page(provider, patient, period: str, name: str = "journal:provider-patient") -> str:
    response = client_for(provider).get(reverse(name, args=[patient.pk]) + f"?period={period}")
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_provider_summary_speaks_about_the_patient(patient, provider, journal) -> None:
    share = services.grant_share(
        patient=patient, provider=provider, categories=ShareCategory.values
    )
    body = provider_page(provider, patient, "30")
    assert "Over the last 30 days the patient's average daily mood was" in body
    assert "Across 1 session, the patient's mood averaged" in body
    assert "your average" not in body and "your mood" not in body
    assert "worded as the patient reads it" not in body
    scope = share_scope(share)
    for item in provider_panels(scope, provider_period(scope, "30")):
        assert not YOU.search(item.panel.summary), item.panel.summary
        assert item.panel.summary in body


def test_the_printable_summary_speaks_about_the_patient(patient, provider, journal) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
    body = provider_page(provider, patient, "30", "journal:provider-patient-print")
    assert "the patient's average daily mood was" in body
    assert "your average" not in body


def test_the_whole_journal_is_not_your_whole_journal_to_a_provider(
    patient, provider, journal
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)
    body = provider_page(provider, patient, "all")
    assert "Across all the patient's entries their average daily mood was" in body
    assert "Daily mood, the whole shared journal, newest first" in body
    assert "your whole journal" not in body and "all your entries" not in body


def test_the_patients_own_trends_page_still_speaks_to_them(patient, journal) -> None:
    response = client_for(patient).get(reverse("journal:dashboard") + "?period=30")
    body = unescape(response.content.decode())
    assert "Over the last 30 days your average daily mood was" in body
    assert "Across 1 session, your mood averaged" in body
    assert "the patient's" not in body
