"""Outcomes in the provider summary and the provider-marked baseline (issue 17, DESIGN.md §3b):
only with a share that includes mood & questionnaires, audited, visible to the patient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import AuditEvent, MarkedBaseline, Role
from journal.permissions import own_scope
from journal.reads import outcomes as outcome_reads
from tests.conftest import client_for, enroll


def phq9(patient, total: int, at):
    """A PHQ-9 with `total` spread over items 1–8 (item 9 stays 0)."""
    answers = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
    assert sum(answers) == total
    return services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=answers, difficulty=1, completed_at=at
    )


@pytest.fixture
def course(patient):
    """Baseline 18 two days before the first of six weekly sessions; 14, 9 then 12 after."""
    now = timezone.now()
    first = now - timedelta(weeks=6)
    scores = {"pre": phq9(patient, 18, first - timedelta(days=2))}
    for week in range(6):
        services.log_session(
            patient=patient, started_at=first + timedelta(weeks=week), route="intranasal"
        )
    scores["early"] = phq9(patient, 20, first - timedelta(days=20))  # outside the 7-day window
    scores["w2"] = phq9(patient, 14, first + timedelta(weeks=1, days=1))
    scores["w4"] = phq9(patient, 9, first + timedelta(weeks=3, days=1))
    scores["w6"] = phq9(patient, 12, first + timedelta(weeks=5, days=1))
    return scores


def summary(provider, patient) -> str:
    response = client_for(provider).get(reverse("journal:provider-patient", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def mark(provider, patient, questionnaire_id):
    return client_for(provider).post(
        reverse("journal:provider-baseline", args=[patient.pk]),
        {"questionnaire": str(questionnaire_id)},
    )


def test_the_summary_opens_with_the_outcome_line(patient, provider, course) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    html = summary(provider, patient)
    # 18 → 12 is −33 %; the response (18 → 9) came at session 4 and was not lost (one miss).
    assert "PHQ-9 18 → 12 (−33 %), response at session 4; not in remission." in html
    assert "automatic: the latest in the 7 days up to the first session" in html
    assert html.index('id="outcome"') < html.index('id="flags"')


def test_without_mood_and_questionnaires_there_is_no_outcome(patient, provider, course) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["blood_pressure"])
    html = summary(provider, patient)
    assert 'id="outcome"' not in html and "PHQ-9 18" not in html
    response = mark(provider, patient, course["early"].pk)
    assert response.status_code == 404
    assert not MarkedBaseline.objects.exists()


def test_a_provider_marks_another_baseline_audited_and_seen_by_the_patient(
    patient, provider, course
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    response = mark(provider, patient, course["early"].pk)
    assert response.status_code == 302 and response["Location"].endswith("#outcome")
    saved = MarkedBaseline.objects.get()
    assert (saved.patient, saved.questionnaire_id, saved.marked_by) == (
        patient,
        course["early"].pk,
        provider,
    )
    event = AuditEvent.objects.get(action="outcome.baseline_marked")
    assert event.actor == provider and event.subject == patient
    assert event.detail == {"instrument": "phq9", "questionnaire_id": course["early"].pk}
    # 20 → 12 is −40 %; 20 → 9 was the response.
    html = summary(provider, patient)
    assert "PHQ-9 20 → 12 (−40 %) (baseline marked by a provider), response at session 4" in html
    assert f"marked by {provider.display_name}" in html
    # The patient's trends page says who chose it.
    page = client_for(patient).get(reverse("journal:dashboard")).content.decode()
    assert f"chosen by {provider.display_name}" in page
    # Back to the automatic one.
    client_for(provider).post(
        reverse("journal:provider-baseline", args=[patient.pk]), {"clear": "phq9"}
    )
    assert not MarkedBaseline.objects.exists()
    assert AuditEvent.objects.filter(action="outcome.baseline_cleared").count() == 1
    assert "PHQ-9 18 → 12" in summary(provider, patient)


def test_a_stranger_gets_404_and_nothing_is_marked(patient, provider, course) -> None:
    stranger = enroll("stranger.md@clinic.test", Role.PROVIDER, "Dr Stranger")
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    assert mark(stranger, patient, course["early"].pk).status_code == 404
    assert not MarkedBaseline.objects.exists()
    assert not AuditEvent.objects.filter(action="outcome.baseline_marked").exists()


def test_only_a_questionnaire_the_share_shows_can_be_marked(
    patient, other_patient, provider, course
) -> None:
    # The share starts after the pre-treatment questionnaires: they are not the provider's.
    start = (course["w2"].completed_at - timedelta(days=1)).astimezone(patient.zone).date()
    services.grant_share(patient=patient, provider=provider, categories=["mood"], starts_on=start)
    theirs = phq9(other_patient, 10, timezone.now() - timedelta(days=1))
    for forbidden in (course["early"].pk, course["pre"].pk, theirs.pk, 999999):
        response = mark(provider, patient, forbidden)
        assert response.status_code == 302
    assert not MarkedBaseline.objects.exists()
    # Without the pre-treatment questionnaire in view there is no baseline: no percentage.
    html = summary(provider, patient)
    assert "PHQ-9: latest 12; no baseline (treatment began before the shared period" in html
    assert "%)" not in html.split('id="flags"')[0]
    triage = client_for(provider).get(reverse("journal:provider-home")).content.decode()
    assert "12 <span" in triage and "(no baseline)" in triage
    # A shared one can be marked, and then counts.
    assert mark(provider, patient, course["w2"].pk).status_code == 302
    assert "PHQ-9 14 → 12 (−14 %) (baseline marked by a provider)" in summary(provider, patient)
    # Session numbers count from the shared period (five of the six sessions are in it).
    phq9(patient, 6, timezone.now() - timedelta(hours=2))
    assert "response at session 5 of the shared period" in summary(provider, patient)


def test_deleting_the_marked_questionnaire_falls_back_to_the_automatic_baseline(
    patient, provider, course
) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    from journal.services import outcomes as outcome_services

    outcome_services.mark_baseline(
        provider=provider, share=share, questionnaire_id=course["early"].pk
    )
    services.delete_questionnaire(patient=patient, response=course["early"])
    assert not MarkedBaseline.objects.exists()
    found = outcome_reads.for_scope(own_scope(patient))["phq9"]
    assert found.baseline is not None and found.baseline.total == 18


# --- The patient's words ----------------------------------------------------------------------


def test_home_and_trends_say_where_the_phq9_stands(patient, course) -> None:
    client = client_for(patient)
    sentence = "Your PHQ-9 is 12, down from 18 before treatment: a 33 % drop."
    assert sentence in client.get(reverse("journal:patient-home")).content.decode()
    trends = client.get(reverse("journal:dashboard")).content.decode()
    assert sentence in trends and "the last one in the week before your first session" in trends


def test_home_follows_a_marked_baseline_at_once(patient, provider, course) -> None:
    """Home's sentence is cached under the data version; marking or clearing a baseline is
    part of that version, so the next view never shows the old comparison."""
    client = client_for(patient)
    home = reverse("journal:patient-home")
    assert "down from 18 before treatment" in client.get(home).content.decode()
    assert "down from 18 before treatment" in client.get(home).content.decode()  # cached
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    mark(provider, patient, course["early"].pk)
    page = client.get(home).content.decode()
    assert "down from 20" in page and "down from 18" not in page
    client_for(provider).post(
        reverse("journal:provider-baseline", args=[patient.pk]), {"clear": "phq9"}
    )
    assert "down from 18 before treatment" in client.get(home).content.decode()


def test_no_percentage_and_a_prompt_before_the_first_session(patient) -> None:
    client = client_for(patient)
    trends = client.get(reverse("journal:dashboard")).content.decode()
    assert "You have not filled in a PHQ-9 yet." in trends
    assert "Fill in the PHQ-9 before your first session" in trends
    home = client.get(reverse("journal:patient-home")).content.decode()
    assert "before treatment" not in home
    # Once one is filled in within the week, the prompt stops.
    phq9(patient, 15, timezone.now() - timedelta(days=1))
    trends = client.get(reverse("journal:dashboard")).content.decode()
    assert "Fill in the PHQ-9 before your first session" not in trends
    assert "Your latest PHQ-9 is 15" in trends and "%" not in trends.split("since-heading")[1][:600]


def test_a_recent_first_session_without_baseline_asks_for_one(patient) -> None:
    services.log_session(patient=patient, started_at=timezone.now() - timedelta(days=3), route="iv")
    trends = client_for(patient).get(reverse("journal:dashboard")).content.decode()
    assert "There is no PHQ-9 from the week before your first session." in trends
    # Weeks later, nothing can be asked for any more.
    other = enroll("later@clinic.test", Role.PATIENT, "Lee Later")
    services.log_session(patient=other, started_at=timezone.now() - timedelta(days=40), route="iv")
    trends = client_for(other).get(reverse("journal:dashboard")).content.decode()
    assert "There is no PHQ-9 from the week before" not in trends


def test_triage_shows_phq9_against_baseline_in_words(patient, provider, course) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    bp_only = enroll("bp.only@clinic.test", Role.PATIENT, "Bea Pressure")
    services.grant_share(patient=bp_only, provider=provider, categories=["blood_pressure"])
    phq9(bp_only, 22, timezone.now() - timedelta(days=2))
    html = client_for(provider).get(reverse("journal:provider-home")).content.decode()
    assert "PHQ-9 (baseline → latest)" in html
    row = html.split(patient.display_name)[1].split("</tr>")[0]
    # 12 is above half of 18, but one score above the 50 % level is not a loss of response.
    assert "18 → 12 (−33 %)" in row and ">Response<" in row
    bea = html.split("Bea Pressure")[1].split("</tr>")[0]
    assert "Not shared" in bea and "22" not in bea


# --- The response curve on the pages ----------------------------------------------------------


def _svg(response) -> str:
    from xml.etree import ElementTree

    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    ElementTree.fromstring(response.content)  # noqa: S314 - our own output, proved well formed
    return response.content.decode()


def test_the_patient_sees_their_response_curve_with_its_table(patient, course) -> None:
    client = client_for(patient)
    trends = client.get(reverse("journal:dashboard")).content.decode()
    src = reverse("journal:outcome-chart", args=["phq9", "session"])
    assert f'src="{src}"' in trends and "Show the PHQ-9 scores as a table" in trends
    assert "PHQ-9 scores from the baseline (18) on, newest first" in trends
    assert "−33 %" in trends  # the table's change column for the latest score
    for axis in ("session", "weeks"):
        svg = _svg(client.get(reverse("journal:outcome-chart", args=["phq9", axis])))
        assert "50 % of baseline (response)" in svg
    assert client.get("/trends/outcomes/phq9/sideways.svg").status_code == 404
    assert client.get("/trends/outcomes/madrs/session.svg").status_code == 404


def test_the_provider_curve_is_audited_and_needs_mood_and_questionnaires(
    patient, provider, course
) -> None:
    from journal.models import AccessEvent

    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    url = reverse("journal:provider-outcome-chart", args=[patient.pk, "phq9", "session"])
    assert "Remission: below 5" in _svg(client_for(provider).get(url))
    assert AccessEvent.objects.filter(actor=provider, what="chart:outcome-phq9").count() == 1
    other = enroll("dr.bp@clinic.test", Role.PROVIDER, "Dr Pressure")
    services.grant_share(patient=patient, provider=other, categories=["blood_pressure"])
    url = reverse("journal:provider-outcome-chart", args=[patient.pk, "phq9", "session"])
    assert client_for(other).get(url).status_code == 404
    assert not AccessEvent.objects.filter(actor=other, what="chart:outcome-phq9").exists()


def test_the_curve_is_drawn_once_and_redrawn_when_a_score_changes(patient, course, monkeypatch):
    from journal.reads import outcomes as outcome_reads

    drawn = []
    real = outcome_reads.response_chart
    monkeypatch.setattr(
        outcome_reads,
        "response_chart",
        lambda data, **variant: drawn.append(data) or real(data, **variant),
    )
    client = client_for(patient)
    url = reverse("journal:outcome-chart", args=["phq9", "session"])
    first = client.get(url).content
    assert client.get(url).content == first and len(drawn) == 1
    phq9(patient, 3, timezone.now() - timedelta(hours=1))
    assert client.get(url).content != first and len(drawn) == 2
    # Each drawing (size, theme) is cached on its own, and redrawn on its own.
    phone = client.get(url + "?size=phone&theme=dark").content
    assert client.get(url + "?size=phone&theme=dark").content == phone and len(drawn) == 3


def test_the_baseline_choices_name_each_questionnaires_day_score_and_session(
    patient, provider, course
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    html = summary(provider, patient)

    def option(score, when: str, selected: bool = False) -> str:
        day = score.completed_at.astimezone(patient.zone).strftime("%Y-%m-%d")
        chosen = " selected" if selected else ""
        return f'<option value="{score.pk}"{chosen}>{day} — {score.total}{when}</option>'

    assert option(course["pre"], " (before the first session)", selected=True) in html
    assert option(course["early"], " (before the first session)") in html
    assert option(course["w2"], " (after session 2)") in html
    assert option(course["w6"], " (after session 6)") in html
    # Marking another one moves the choice.
    assert mark(provider, patient, course["w2"].pk).status_code == 302
    moved = summary(provider, patient)
    assert option(course["w2"], " (after session 2)", selected=True) in moved
    assert option(course["pre"], " (before the first session)") in moved
