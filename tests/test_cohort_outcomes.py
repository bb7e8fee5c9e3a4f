"""Clinic outcomes for providers: the Kaplan–Meier estimator and medians on hand-computed
cases, the cohort's counts on a hand-built clinic, its scope (mood share, active, inside the
window, marked baselines), small-cell suppression, a fixed query count, roles, the chart."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journal import cohort as ch
from journal import services
from journal.access_wording import CLINIC_OUTCOMES, describe_access
from journal.charts.cohort import EMPTY_MESSAGE, cohort_chart
from journal.models import (
    AccessEvent,
    AuditEvent,
    MarkedBaseline,
    Role,
    Share,
    ShareCategory,
    User,
)
from journal.outcomes import ScoreInput
from journal.reads.cohort import clinic_outcomes
from tests.conftest import client_for, enroll

WEEK = dt.timedelta(weeks=1)
MOOD = [ShareCategory.MOOD]

# --- Kaplan–Meier and medians, by hand ---------------------------------------------------


def test_kaplan_meier_on_a_hand_computed_case() -> None:
    # 6 patients: responses at 1, 3, 3, 5; censored at 2 and 4.
    steps = ch.kaplan_meier([(1, True), (2, False), (3, True), (3, True), (4, False), (5, True)])
    assert [(s.time, s.at_risk, s.events, s.censored) for s in steps] == [
        (1, 6, 1, 0),
        (2, 5, 0, 1),
        (3, 4, 2, 0),
        (4, 2, 0, 1),
        (5, 1, 1, 0),
    ]
    # S(1) = 5/6; S(3) = 5/6 × 2/4 = 5/12; S(5) = 5/12 × 0 = 0.
    assert [s.survival for s in steps] == pytest.approx([5 / 6, 5 / 6, 5 / 12, 5 / 12, 0])
    assert steps[2].responded == pytest.approx(7 / 12)
    assert ch.km_median(steps) == 3


def test_at_a_tie_events_come_before_censorings() -> None:
    steps = ch.kaplan_meier([(2, True), (2, False), (4, True)])
    # All three at risk at 2: S = 2/3; only one left at 4.
    assert [(s.at_risk, s.survival) for s in steps] == [(3, pytest.approx(2 / 3)), (1, 0)]
    assert ch.km_median(steps) == 4


def test_without_censoring_the_estimate_is_the_plain_share_and_the_median_is_reached_at_half():
    steps = ch.kaplan_meier([(1, True), (2, True), (3, True), (4, True)])
    assert [s.survival for s in steps] == pytest.approx([0.75, 0.5, 0.25, 0])
    assert ch.km_median(steps) == 2


def test_the_median_is_not_reached_when_fewer_than_half_respond() -> None:
    steps = ch.kaplan_meier([(1, True), (2, False), (3, False)])
    assert steps[-1].survival == pytest.approx(2 / 3)
    assert ch.km_median(steps) is None
    assert ch.kaplan_meier([]) == ()


def test_median_of_values() -> None:
    assert ch.median([]) is None
    assert ch.median([5, 2]) == 3.5
    assert ch.median([3, 2, 5]) == 3


# --- The cohort's figures, pure ---------------------------------------------------------

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
FIRST = NOW - 10 * WEEK
SESSIONS = tuple(FIRST + k * WEEK for k in range(10))


def course(*points: tuple[float, int], sessions=SESSIONS, marked: int | None = None) -> ch.Course:
    """Scores at (weeks since FIRST, total); ids count from 1."""
    scores = tuple(
        ScoreInput(i + 1, FIRST + dt.timedelta(weeks=w), total)
        for i, (w, total) in enumerate(points)
    )
    return ch.Course(scores, tuple(sessions), marked)


BEFORE = -2 / 7  # two days before the first session
# The hand-built cohort (see the counts in the tests below).
COHORT = {
    "A": course((BEFORE, 20), (2.5, 8), (8, 4)),  # response at session 3 (week 3), remission
    "B": course((BEFORE, 16), (1.5, 8), (4, 12), (5, 14)),  # response at session 2, then lost
    "C": course((BEFORE, 18), (3.5, 15), (6, 14)),  # no response; censored at week 6
    "D": course((BEFORE, 12), (4.5, 3)),  # response and remission at session 5 (week 5)
    "E": course((BEFORE, 10), (5.5, 9)),  # no response; censored at week 6
    "F": course((BEFORE, 20)),  # baseline only: censored at week 0
    # No automatic baseline; a provider marked the week-1 score: response at session 5, week 4.
    "M": course((1, 20), (4, 6), marked=1),
}
LEFT_OUT = {
    "G": course((3, 12)),  # no baseline
    "H": course((8 + BEFORE, 14), sessions=(FIRST + 8 * WEEK,)),  # first session 2 weeks ago
    "N": course((BEFORE, 14), sessions=()),  # no session yet: no baseline
}


def test_counts_and_figures_of_a_hand_built_cohort() -> None:
    figures = ch.cohort_figures("phq9", [*COHORT.values(), *LEFT_OUT.values()], NOW)
    assert (figures.sharing, figures.n, figures.no_baseline, figures.too_early) == (10, 7, 2, 1)
    shown = figures.shown
    assert shown is not None
    # Responders A, B, D, M; in remission now A, D; lost B.
    assert (shown.responded, shown.remission_now, shown.ever_remitted, shown.lost_response) == (
        4,
        2,
        2,
        1,
    )
    assert (shown.responded_percent, shown.remission_now_percent) == (57, 29)
    # Sessions to first response: 3, 2, 5, 5.
    assert shown.sessions_to_response == 4
    # Events at weeks 2 (B), 3 (A), 4 (M), 5 (D); censored at 0 (F) and 6 (C, E).
    assert [(s.time, s.at_risk, s.events, s.censored) for s in shown.curve] == [
        (0, 7, 0, 1),
        (2, 6, 1, 0),
        (3, 5, 1, 0),
        (4, 4, 1, 0),
        (5, 3, 1, 0),
        (6, 2, 0, 2),
    ]
    assert [s.survival for s in shown.curve] == pytest.approx(
        [1, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 2 / 6]
    )
    assert shown.median_weeks == 4
    table = ch.curve_table(figures)
    assert table.rows[3] == ("4", "4", "1", "0", "50 %")
    assert "half had responded by 4 weeks" in ch.curve_summary(figures)


def test_an_unmarked_or_foreign_marked_baseline_gives_no_baseline() -> None:
    unmarked = course((1, 20), (4, 6))
    foreign = course((1, 20), (4, 6), marked=99)  # not among the scores the reader may see
    figures = ch.cohort_figures("phq9", [unmarked, foreign], NOW, min_cell=1)
    assert (figures.n, figures.no_baseline) == (0, 2)


@pytest.mark.parametrize(("size", "suppressed"), [(4, True), (5, False)])
def test_fewer_than_five_patients_show_no_figures(size: int, suppressed: bool) -> None:
    members = list(COHORT.values())[:size]
    figures = ch.cohort_figures("phq9", members, NOW)
    assert figures.n == size
    assert figures.suppressed is suppressed
    assert (figures.shown is None) is suppressed
    assert (ch.curve_table(figures).rows == ()) is suppressed


def test_the_chart_is_valid_svg_with_its_title_or_the_empty_picture() -> None:
    full = ch.cohort_figures("phq9", list(COHORT.values()), NOW)
    svg = cohort_chart(full).decode()
    ElementTree.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well formed
    assert "PHQ-9: time to first response" in svg and "Weeks since first treatment" in svg
    small = ch.cohort_figures("phq9", list(COHORT.values())[:4], NOW)
    empty = cohort_chart(small).decode()
    ElementTree.fromstring(empty)  # noqa: S314 - our own output, parsed to prove it is well formed
    assert EMPTY_MESSAGE in empty and "Weeks since" not in empty


# --- Through the database ---------------------------------------------------------------


def answers(instrument: str, total: int) -> list[int]:
    """Item answers summing to `total` (PHQ-9 item 9, self-harm, always 0)."""
    count = 9 if instrument == "phq9" else 7
    out = []
    for _ in range(count - 1 if instrument == "phq9" else count):
        out.append(min(3, total))
        total -= out[-1]
    assert total == 0
    return out + ([0] if instrument == "phq9" else [])


def build_patient(
    name: str,
    provider: User,
    first: dt.datetime,
    points: list[tuple[float, int]],
    *,
    categories=MOOD,
    starts_on: dt.date | None = None,
    sessions: int = 10,
) -> tuple[User, list]:
    """A patient with weekly sessions from `first`, PHQ-9s at (weeks, total), and a share."""
    patient = enroll(f"{name.lower()}@clinic.test", Role.PATIENT, f"{name} Q. Sharer")
    now = timezone.now()
    for k in range(sessions):
        if first + k * WEEK < now:
            services.log_session(patient=patient, started_at=first + k * WEEK, route="iv")
    responses = [
        services.submit_questionnaire(
            patient=patient,
            instrument="phq9",
            answers=answers("phq9", total),
            completed_at=first + dt.timedelta(weeks=w),
        )
        for w, total in points
    ]
    services.grant_share(
        patient=patient, provider=provider, categories=categories, starts_on=starts_on
    )
    return patient, responses


@pytest.fixture
def first() -> dt.datetime:
    return timezone.now().replace(microsecond=0) - 10 * WEEK


@pytest.fixture
def clinic(personas, first) -> dict[str, User]:
    """The hand-built cohort of the pure tests, with the provider of the personas, and the
    patients who must not count."""
    provider = personas.provider
    people: dict[str, User] = {}
    for name, points in {
        "Alma": [(BEFORE, 20), (2.5, 8), (8, 4)],
        "Bert": [(BEFORE, 16), (1.5, 8), (4, 12), (5, 14)],
        "Cleo": [(BEFORE, 18), (3.5, 15), (6, 14)],
        "Dora": [(BEFORE, 12), (4.5, 3)],
        "Emil": [(BEFORE, 10), (5.5, 9)],
        "Finn": [(BEFORE, 20)],
    }.items():
        people[name], _ = build_patient(name, provider, first, points)
    # A provider marked Mona's week-1 score as her baseline.
    people["Mona"], mona = build_patient("Mona", provider, first, [(1, 20), (4, 6)])
    MarkedBaseline.objects.create(
        patient=people["Mona"], instrument="phq9", questionnaire=mona[0], marked_by=provider
    )
    # Left out: no baseline; first session 2 weeks ago.
    people["Gus"], _ = build_patient("Gus", provider, first, [(3, 12)])
    people["Hal"], _ = build_patient("Hal", provider, first + 8 * WEEK, [(BEFORE, 14), (1, 5)])
    # Lou's marked baseline (three weeks before her first session, so not an automatic one)
    # lies before her share's start: not visible, so she has no baseline.
    start = (first + 3 * WEEK).astimezone(dt.UTC).date() + dt.timedelta(days=1)
    people["Lou"], lou = build_patient(
        "Lou", provider, first, [(-3, 20), (5, 6), (6, 5)], starts_on=start
    )
    MarkedBaseline.objects.create(
        patient=people["Lou"], instrument="phq9", questionnaire=lou[0], marked_by=provider
    )
    # Not counted at all: no mood category; a revoked share; an expired share.
    perfect = [(BEFORE, 20), (2, 2), (3, 2)]
    people["Sid"], _ = build_patient("Sid", provider, first, perfect, categories=["side_effects"])
    people["Rae"], _ = build_patient("Rae", provider, first, perfect)
    services.revoke_share(patient=people["Rae"], share=Share.objects.get(patient=people["Rae"]))
    people["Eve"], _ = build_patient("Eve", personas.provider_without_share, first, perfect)
    past = timezone.now() - 6 * WEEK
    services.grant_share(
        patient=people["Eve"],
        provider=provider,
        categories=MOOD,
        expires_on=(past + WEEK).date(),
        now=past,
    )
    return people


def test_the_loaded_cohort_matches_the_hand_built_one(personas, clinic) -> None:
    report = clinic_outcomes(personas.provider)
    phq9 = report.section("phq9")
    # Mood sharers: Alma..Finn, Mona, Gus, Hal, Lou (not Sid, Rae or Eve).
    assert report.sharing == phq9.sharing == 10
    assert (phq9.n, phq9.no_baseline, phq9.too_early) == (7, 2, 1)
    assert phq9.shown is not None
    assert (phq9.shown.responded, phq9.shown.remission_now, phq9.shown.lost_response) == (4, 2, 1)
    assert phq9.shown.sessions_to_response == 4 and phq9.shown.median_weeks == 4
    gad7 = report.section("gad7")
    assert (gad7.n, gad7.no_baseline, gad7.suppressed) == (0, 10, True)
    assert {patient for _, patient in report.share_ids} == {
        clinic[name].pk
        for name in ("Alma", "Bert", "Cleo", "Dora", "Emil", "Finn", "Mona", "Gus", "Hal", "Lou")
    }


def test_a_marked_baseline_counts_only_inside_the_share(personas, clinic) -> None:
    # Without Mona's mark she has no baseline; Lou's mark lies before her share's start.
    MarkedBaseline.objects.filter(patient=clinic["Mona"]).delete()
    phq9 = clinic_outcomes(personas.provider).section("phq9")
    assert (phq9.n, phq9.no_baseline) == (6, 3)
    # Lou's share made to cover her marked baseline: she joins the cohort.
    share = Share.objects.get(patient=clinic["Lou"])
    share.starts_on = None
    share.save()
    phq9 = clinic_outcomes(personas.provider).section("phq9")
    assert (phq9.n, phq9.no_baseline) == (7, 2)


def test_another_provider_sees_only_their_own_sharing_patients(personas, clinic) -> None:
    report = clinic_outcomes(personas.provider_without_share)
    assert report.sharing == 1  # Eve's share with them
    assert report.section("phq9").n == 1 and report.section("phq9").suppressed


def build_simple_cohort(provider: User, first: dt.datetime, size: int, offset: int = 0) -> None:
    for i in range(size):
        build_patient(f"P{offset + i}", provider, first, [(BEFORE, 20), (2, 8 + i % 3)], sessions=3)


def test_the_query_count_does_not_grow_with_the_cohort(personas, first) -> None:
    provider = personas.provider
    build_simple_cohort(provider, first, 6)
    with CaptureQueriesContext(connection) as six:
        small = clinic_outcomes(provider)
    build_simple_cohort(provider, first, 6, offset=6)
    with CaptureQueriesContext(connection) as twelve:
        large = clinic_outcomes(provider)
    assert (small.section("phq9").n, large.section("phq9").n) == (6, 12)
    assert len(six) == len(twelve) == 3  # zones, mood shares, their courses (one UNION)
    client = client_for(provider)
    url = reverse("journal:provider-outcomes")
    client.get(url)  # warm the session and the middleware's caches
    with CaptureQueriesContext(connection) as page_twelve:
        assert client.get(url).status_code == 200
    build_simple_cohort(provider, first, 6, offset=12)
    with CaptureQueriesContext(connection) as page_eighteen:
        assert client.get(url).status_code == 200
    assert len(page_twelve) == len(page_eighteen)


# --- The page and the chart view ---------------------------------------------------------


def test_the_page_shows_figures_with_their_n_and_no_patient(personas, clinic) -> None:
    response = client_for(personas.provider).get(reverse("journal:provider-outcomes"))
    assert response.status_code == 200
    assert response.templates[0].name == "journal/provider_outcomes.html"
    html = response.content.decode()
    assert "57 % (4 of 7)" in html  # ever responded
    assert "29 % (2 of 7)" in html  # in remission now, ever in remission
    assert "2 without a baseline they share, 1 whose first session was under 4 weeks ago" in html
    assert "4 (among 4 responders)" in html
    assert "Osmind" in html  # the definitions' source
    assert reverse("journal:provider-outcomes-chart", args=["phq9"]) in html
    # GAD-7: nobody has one, so the cohort is suppressed.
    assert "Fewer than 5 patients meet the criteria; figures are not shown" in html
    for person in clinic.values():
        assert person.display_name not in html
        assert person.email not in html
    # The provider navigation links the page and marks it current.
    assert 'href="/provider/outcomes/" aria-current="page"' in html


def test_reading_the_page_is_in_each_sharing_patients_access_log(personas, clinic) -> None:
    client_for(personas.provider).get(reverse("journal:provider-outcomes"))
    events = AccessEvent.objects.filter(actor=personas.provider, what=CLINIC_OUTCOMES)
    assert events.count() == 10
    assert not events.filter(patient__in=[clinic["Sid"], clinic["Rae"], clinic["Eve"]]).exists()
    assert "clinic outcome figures" in describe_access(CLINIC_OUTCOMES)


def test_small_cohorts_show_only_the_count(personas, first) -> None:
    build_simple_cohort(personas.provider, first, 4)
    html = client_for(personas.provider).get(reverse("journal:provider-outcomes")).content.decode()
    assert "Patients in the cohort: 4." in html
    assert "Ever responded" not in html and "Median" not in html
    assert "Show the curve" not in html
    svg = client_for(personas.provider).get(
        reverse("journal:provider-outcomes-chart", args=["phq9"])
    )
    assert EMPTY_MESSAGE in svg.content.decode()


def test_the_chart_view_serves_svg_with_the_chart_headers(personas, clinic) -> None:
    response = client_for(personas.provider).get(
        reverse("journal:provider-outcomes-chart", args=["phq9"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    assert "default-src 'none'" in response["Content-Security-Policy"]
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output
    assert root.tag.endswith("svg")
    assert b"PHQ-9: time to first response" in response.content
    missing = client_for(personas.provider).get(
        reverse("journal:provider-outcomes-chart", args=["bdi"])
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("name", ["journal:provider-outcomes", "journal:provider-outcomes-chart"])
def test_patients_and_clinic_admins_cannot_read_clinic_outcomes(personas, clinic, name) -> None:
    url = reverse(name, args=["phq9"] if name.endswith("chart") else [])
    for user in (personas.patient, clinic["Alma"], personas.clinic_admin):
        response = client_for(user).get(url)
        assert response.status_code == 403, user
        assert b"time to first response" not in response.content
    assert not AccessEvent.objects.filter(what__startswith="clinic outcomes").exists()
    assert not AuditEvent.objects.filter(action__startswith="outcomes").exists()


def test_a_patient_whose_treatment_began_before_the_share_is_left_out(personas, first) -> None:
    """Sessions before the share's start are not read: when treatment began is unknown, so
    the patient counts with those without a baseline, even with a marked one."""
    provider = personas.provider
    build_simple_cohort(provider, first, 5)
    assert clinic_outcomes(provider).section("phq9").n == 5
    late = enroll("late.share@clinic.test", Role.PATIENT, "Late Share")
    for week in range(6):
        services.log_session(
            patient=late, started_at=first + dt.timedelta(weeks=week), route="intranasal"
        )
    start = (first + dt.timedelta(weeks=3)).astimezone(late.zone).date()
    services.grant_share(patient=late, provider=provider, categories=["mood"], starts_on=start)
    figures = clinic_outcomes(provider).section("phq9")
    assert (figures.sharing, figures.n, figures.no_baseline) == (6, 5, 1)
