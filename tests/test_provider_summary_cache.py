"""The provider summary's facts, entries tables and outcomes are cached under the patient's
data version (`reads.provider._sections`): every change a provider must see shows on the next
view, and nothing cached for one share or period is shown for another."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import CheckIn, Flag, ShareCategory
from tests.conftest import client_for
from tests.factories import journal_in_every_category

ALL = ShareCategory.values


def _summary(provider, patient, period: str = "30") -> str:
    url = reverse("journal:provider-patient", args=[patient.pk]) + f"?period={period}"
    response = client_for(provider).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _checkin(patient, *, hours_ago: float, note: str, rating: int = 2) -> CheckIn:
    return services.log_checkin(
        patient=patient,
        recorded_at=timezone.now() - timedelta(hours=hours_ago),
        mood=6,
        ratings={"urinary": rating},
        note=note,
        note_shareable=True,
    )


def test_a_new_edited_or_deleted_entry_shows_on_the_next_view(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)
    first = _summary(provider, patient)
    assert "Checked the garden twice" not in first
    checkin = _checkin(patient, hours_ago=3, note="Checked the garden twice")
    assert "Checked the garden twice" in _summary(provider, patient)
    services.edit_checkin(
        patient=patient,
        checkin=checkin,
        expected_version=checkin.version,
        recorded_at=checkin.recorded_at,
        mood=6,
        ratings={"urinary": 3},
        note="Watered the garden instead",
        note_shareable=True,
    )
    edited = _summary(provider, patient)
    assert "Watered the garden instead" in edited and "Checked the garden twice" not in edited
    checkin.refresh_from_db()
    services.delete_checkin(patient=patient, checkin=checkin, expected_version=checkin.version)
    assert "Watered the garden instead" not in _summary(provider, patient)


def test_another_share_or_period_never_reads_the_cached_sections(patient, provider) -> None:
    share = services.grant_share(
        patient=patient,
        provider=provider,
        categories=ALL,
        starts_on=(timezone.now() - timedelta(days=120)).date(),
    )
    journal_in_every_category(patient)
    _checkin(patient, hours_ago=3, note="Slept in the afternoon")
    _checkin(patient, hours_ago=24 * 60, note="Walked to the lake", rating=3)
    # Each period lists its own days: the 60-day-old note only in the 90-day view.
    thirty = _summary(provider, patient, "30")
    assert "Slept in the afternoon" in thirty and "Walked to the lake" not in thirty
    assert "Walked to the lake" in _summary(provider, patient, "90")
    assert "Walked to the lake" not in _summary(provider, patient, "30")
    # The same patient then shares only mood with the same provider: no notes, no side effects.
    services.revoke_share(patient=patient, share=share)
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    narrowed = _summary(provider, patient, "30")
    assert "Slept in the afternoon" not in narrowed
    assert 'id="entries-symptoms"' not in narrowed and 'id="entries-notes"' not in narrowed


def test_an_acknowledgement_shows_at_once_though_no_entry_changed(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)
    before = _summary(provider, patient)
    flag = Flag.objects.filter(patient=patient).order_by("pk").first()
    assert flag is not None and f'id="select-flag-{flag.pk}"' in before
    services.acknowledge_flag(provider=provider, flag=flag, disposition="reviewed", note="")
    after = _summary(provider, patient)
    assert f'id="select-flag-{flag.pk}"' not in after
    assert "Acknowledged by Dr Provider" in after


def test_the_charts_section_follows_a_new_reading_and_the_print_page_keeps_its_tables(
    patient, provider
) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)
    assert "203/131" not in _summary(provider, patient)
    services.add_reading(
        patient=patient,
        measured_at=timezone.now() - timedelta(hours=2),
        systolic=203,
        diastolic=131,
        context="home",
    )
    html = _summary(provider, patient)
    charts = html[html.index('id="charts-heading"') : html.index('id="entries-heading"')]
    assert "203" in charts and "131" in charts
    printed = client_for(provider).get(reverse("journal:provider-patient-print", args=[patient.pk]))
    assert printed.status_code == 200 and "203" in printed.content.decode()


def test_who_acknowledged_and_who_marked_a_baseline_carry_todays_names(patient, provider) -> None:
    """Names are not part of the data version: the cached summary still shows a renamed
    provider's new name next to what they did."""
    from journal.models import QuestionnaireResponse

    services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)
    flag = Flag.objects.filter(patient=patient).order_by("pk").first()
    assert flag is not None
    services.acknowledge_flag(provider=provider, flag=flag, disposition="reviewed", note="")
    phq9 = QuestionnaireResponse.objects.filter(patient=patient, instrument="phq9").first()
    assert phq9 is not None
    marked = client_for(provider).post(
        reverse("journal:provider-baseline", args=[patient.pk]), {"questionnaire": phq9.pk}
    )
    assert marked.status_code == 302
    before = _summary(provider, patient)
    assert "Acknowledged by Dr Provider" in before and "marked by Dr Provider" in before
    provider.display_name = "Dr Renamed"
    provider.save(update_fields=["display_name"])
    after = _summary(provider, patient)
    assert "Acknowledged by Dr Renamed" in after and "marked by Dr Renamed" in after
    assert "Dr Provider" not in after.replace("Dr Renamed", "")


def test_the_response_tables_are_cached_with_the_summary_and_follow_a_new_score_and_language(
    patient, provider, monkeypatch
) -> None:
    """The PHQ-9 response table is built from the cached outcomes, so it is cached under the
    same key: a repeat view reads it back, a new questionnaire or another language builds it
    anew."""
    from django.utils import translation

    from journal.outcome_summaries import response_table
    from journal.reads import outcomes as outcome_reads

    built: list[str] = []

    def counted(o):
        built.append(o.instrument)
        return response_table(o)

    monkeypatch.setattr(outcome_reads, "response_table", counted)
    from journal.permissions import share_scope

    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal = journal_in_every_category(patient)

    def phq9_caption() -> str:
        return response_table(outcome_reads.for_scope(share_scope(share))["phq9"]).caption

    first = _summary(provider, patient)
    caption = phq9_caption()
    assert built == ["phq9"] and caption in first
    assert caption in _summary(provider, patient)
    assert built == ["phq9"]  # read back, not built again
    services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[2, 2, 2, 2, 2, 2, 2, 2, 0],
        completed_at=journal["phq9"].completed_at + timedelta(hours=1),
    )
    after = _summary(provider, patient)
    assert built == ["phq9", "phq9"]
    table = after[after.index(caption.split(",")[0]) :]
    assert ">16<" in table[: table.index("</table>")]
    provider.language = "es"
    provider.save(update_fields=["language"])
    spanish = _summary(provider, patient)
    with translation.override("es"):
        caption_es = phq9_caption()
    assert built == ["phq9", "phq9", "phq9"]
    assert caption_es != caption and caption_es in spanish and caption not in spanish


def test_open_flags_are_counted_by_severity_most_severe_first(patient, provider) -> None:
    from django.utils import translation

    from journal.models import FlagSeverity
    from journal.reads.provider import patient_summary

    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)

    summary = patient_summary(share, "30")
    expected: dict[int, int] = {}
    for item in summary.open_flags:
        expected[item.flag.severity] = expected.get(item.flag.severity, 0) + 1
    assert len(expected) >= 2  # the fixture raises flags of more than one severity
    for language in ("en", "es"):
        with translation.override(language):
            assert summary.open_by_severity == [
                (str(FlagSeverity(severity).label), n)
                for severity, n in sorted(expected.items(), reverse=True)
            ]
