"""Property-based: arbitrary input to every journal form view never causes a server error and
never leaves a partial write (row counts unchanged unless the view redirected on success)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.models import (
    BloodPressureReading,
    CheckIn,
    EntryRevision,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    SymptomRating,
    TreatmentSession,
)
from tests.conftest import client_for
from tests.factories import journal_world

pytestmark = pytest.mark.django_db

MODELS = [
    TreatmentSession,
    PostSessionReport,
    CheckIn,
    SymptomRating,
    BloodPressureReading,
    QuestionnaireResponse,
    Flag,
    EntryRevision,
]

# Values that sit on or near the edges the forms must handle, plus anything at all.
EDGES = [
    "", " ", "0", "1", "2", "3", "4", "5", "10", "11", "-1", "39", "40", "300", "301", "120",
    "80", "20", "200", "250", "251", "1.5", "1e3", "NaN", "abc", "\x00", "٣", "２",
    "2026-03-08", "2026-11-01", "02:30", "01:30", "9999-12-31", "0001-01-01", "23:59",
    "before", "after40", "discharge", "home", "iv", "intranasal", "im", "oral", "other", "on",
    "x" * 5001, "<script>alert(1)</script>", "' OR 1=1 --",
]  # fmt: skip
VALUES = st.one_of(st.sampled_from(EDGES), st.text(max_size=40), st.integers().map(str))


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def _fields(*names: str) -> st.SearchStrategy[dict[str, str]]:
    known = {name: VALUES for name in names}
    return st.fixed_dictionaries({}, optional=known).flatmap(
        lambda d: st.dictionaries(st.text(max_size=12), VALUES, max_size=3).map(
            lambda extra: {**extra, **d}
        )
    )


def _when(prefix: str) -> tuple[str, str]:
    return f"{prefix}_0", f"{prefix}_1"


SESSION_FIELDS = (*_when("started_at"), "route", "dose_mg", "note", "version")
CHECKIN_FIELDS = (
    *_when("recorded_at"), "mood", "anxiety", "pain", "note", "note_shareable", "version",
    "sym_urinary", "sym_memory", "sym_cravings", "sym_sleep",
)  # fmt: skip
READING_FIELDS = (
    *_when("measured_at"), "context", "systolic", "diastolic", "pulse", "session", "version",
)  # fmt: skip
REPORT_FIELDS = (
    *_when("reported_at"), "mood", "overall_bother", "note", "note_shareable", "version",
    "sym_nausea", "sym_dissociation", "sym_taste", "readings-TOTAL_FORMS",
    "readings-INITIAL_FORMS", "readings-MAX_NUM_FORMS", "readings-0-systolic",
    "readings-0-diastolic", "readings-0-pulse", "readings-0-context", "readings-0-measured_at_0",
    "readings-0-measured_at_1", "readings-1-systolic", "readings-1-diastolic",
)  # fmt: skip
QUESTIONNAIRE_FIELDS = (*[f"item_{i}" for i in range(9)], "difficulty", "version")

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(client, url: str, data: dict[str, str]) -> None:
    before = _counts()
    response = client.post(url, data)
    assert response.status_code in {200, 302, 400, 409}, (response.status_code, data)
    if response.status_code != 302:
        assert _counts() == before, data


@pytest.fixture
def world(personas) -> dict[str, object]:
    return journal_world(personas)


@PROPERTY_SETTINGS
@given(data=_fields(*SESSION_FIELDS))
def test_session_forms_survive_any_input(patient, world, data) -> None:
    client = client_for(patient)
    _check(client, reverse("journal:session-create"), data)
    _check(client, reverse("journal:session-edit", args=[world["journal_session"].pk]), data)


@PROPERTY_SETTINGS
@given(data=_fields(*CHECKIN_FIELDS))
def test_checkin_forms_survive_any_input(patient, world, data) -> None:
    client = client_for(patient)
    _check(client, reverse("journal:checkin-create"), data)
    _check(client, reverse("journal:checkin-edit", args=[world["journal_checkin"].pk]), data)


@PROPERTY_SETTINGS
@given(data=_fields(*READING_FIELDS))
def test_reading_forms_survive_any_input(patient, world, data) -> None:
    client = client_for(patient)
    _check(client, reverse("journal:reading-create"), data)
    _check(client, reverse("journal:reading-edit", args=[world["journal_reading"].pk]), data)


@PROPERTY_SETTINGS
@given(data=_fields(*REPORT_FIELDS))
def test_report_forms_survive_any_input(patient, world, data) -> None:
    client = client_for(patient)
    session = world["journal_session_unreported"]
    _check(client, reverse("journal:report-create", args=[session.pk]), data)
    _check(client, reverse("journal:report-edit", args=[world["journal_report"].pk]), data)


@PROPERTY_SETTINGS
@given(data=_fields(*QUESTIONNAIRE_FIELDS), instrument=st.sampled_from(["phq9", "gad7"]))
def test_questionnaire_forms_survive_any_input(patient, world, data, instrument) -> None:
    client = client_for(patient)
    _check(client, reverse("journal:questionnaire-create", args=[instrument]), data)
    response = world["journal_questionnaire"]
    _check(client, reverse("journal:questionnaire-edit", args=[response.pk]), data)


@PROPERTY_SETTINGS
@given(data=_fields(*SESSION_FIELDS, *CHECKIN_FIELDS))
def test_another_patient_posting_anything_changes_nothing(other_patient, world, data) -> None:
    client = client_for(other_patient)
    for kind, key in (("session", "journal_session"), ("checkin", "journal_checkin")):
        for action in ("edit", "delete"):
            before = _counts()
            url = reverse(f"journal:{kind}-{action}", args=[world[key].pk])
            assert client.post(url, data).status_code == 404
            assert _counts() == before


@settings(max_examples=25, deadline=None)
@given(
    systolic=st.integers(40, 300),
    diastolic=st.integers(20, 200),
    pulse=st.one_of(st.none(), st.integers(20, 250)),
)
def test_every_plausible_reading_is_stored_exactly_or_refused_for_diastolic(
    systolic, diastolic, pulse
) -> None:
    from django.utils import timezone

    from journal.forms import ReadingForm

    now = timezone.localtime()
    form = ReadingForm(
        {
            "measured_at_0": f"{now:%Y-%m-%d}",
            "measured_at_1": f"{now:%H:%M}",
            "context": "home",
            "systolic": str(systolic),
            "diastolic": str(diastolic),
            "pulse": "" if pulse is None else str(pulse),
        }
    )
    assert form.is_valid() is (diastolic < systolic)
    if form.is_valid():
        assert (form.cleaned_data["systolic"], form.cleaned_data["diastolic"]) == (
            systolic,
            diastolic,
        )
