"""'Who viewed my data' speaks plainly: codes become words and one visit is one line."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.access_wording import describe_access
from journal.chartdata import LOADERS
from journal.models import AccessEvent, ShareCategory
from journal.reads.sharing import group_access_events
from tests.conftest import client_for
from tests.factories import journal_in_every_category

ALL = ShareCategory.values


def event(actor_id: int | None, minutes: float, what: str, share_id: int | None = 1):
    base = timezone.now().replace(microsecond=0)
    return AccessEvent(
        actor_id=actor_id,
        patient_id=99,
        share_id=share_id,
        what=what,
        at=base + timedelta(minutes=minutes),
    )


def newest_first(events: list[AccessEvent]) -> list[AccessEvent]:
    return sorted(events, key=lambda e: e.at, reverse=True)


def test_known_codes_are_described_in_plain_words_and_unknown_ones_are_kept() -> None:
    assert describe_access("chart:blood-pressure") == "Blood pressure chart"
    assert describe_access("patient list (flag counts)") == (
        "Your name and flag counts in their patient list"
    )
    assert describe_access("summary (last 90 days)") == "Your summary (last 90 days)"
    assert describe_access("printable summary (everything shared)") == (
        "Your printable summary (everything shared)"
    )
    assert describe_access("export summary (start to today)") == (
        "PDF summary download (from the start to today)"
    )
    assert describe_access("export csv (2024-01-01 to 2024-02-01)") == (
        "Spreadsheet (CSV) download (2024-01-01 to 2024-02-01)"
    )
    assert describe_access("chart:sparkline") == "chart:sparkline"
    assert describe_access("something new (x)") == "something new (x)"


def test_a_summary_and_its_chart_images_within_minutes_are_one_line() -> None:
    events = newest_first(
        [
            event(7, 0, "summary (last 90 days)"),
            event(7, 0.01, "chart:mood"),
            event(7, 0.02, "chart:blood-pressure"),
            event(7, 0.03, "chart:mood"),
            event(7, 2, "export summary (start to today)"),
        ]
    )
    visits = group_access_events(events)
    assert len(visits) == 1
    assert visits[0].description == (
        "Your summary (last 90 days): mood chart, blood pressure chart; "
        "PDF summary download (from the start to today)"
    )
    assert visits[0].at == events[-1].at  # the visit starts with its oldest event
    assert len(visits[0].events) == 5  # nothing is dropped, only displayed together


def test_visits_split_by_person_share_and_time_and_never_lose_an_event() -> None:
    events = newest_first(
        [
            event(7, 0, "summary (last 30 days)"),
            event(7, 0.01, "chart:mood"),
            event(8, 0.02, "summary (last 30 days)"),  # another provider in between
            event(7, 0.03, "chart:symptoms"),
            event(7, 30, "summary (last 30 days)"),  # half an hour later: a new visit
            event(7, 30.5, "summary (last 30 days)", share_id=2),  # under another share
            event(None, 31, "chart:mood"),  # deleted accounts are never merged
            event(None, 31.1, "chart:mood"),
        ]
    )
    visits = group_access_events(events)
    assert [v.description for v in reversed(visits)] == [
        "Your summary (last 30 days): mood chart",
        "Your summary (last 30 days)",
        "Between-session symptoms chart",
        "Your summary (last 30 days)",
        "Your summary (last 30 days)",
        "Mood chart",
        "Mood chart",
    ]
    assert sum(len(v.events) for v in visits) == len(events)


def test_a_reload_of_the_same_page_is_listed_once_and_a_lone_chart_stands_alone() -> None:
    events = newest_first(
        [
            event(7, 0, "chart:side-effects"),
            event(7, 0.5, "summary (last 90 days)"),
            event(7, 0.6, "summary (last 90 days)"),
            event(7, 0.7, "patient list (flag counts)"),
        ]
    )
    (visit,) = group_access_events(events)
    assert visit.description == (
        "Side effects chart; your summary (last 90 days); "
        "your name and flag counts in their patient list"
    )


def test_the_patient_sees_one_plain_line_for_a_provider_visit_and_the_log_keeps_every_event(
    personas,
) -> None:
    patient, provider = personas.patient, personas.provider
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)
    doc = client_for(provider)
    doc.get(reverse("journal:provider-home"))
    doc.get(reverse("journal:provider-patient", args=[patient.pk]))
    for name in ("mood", "blood-pressure"):
        url = reverse("journal:provider-chart", args=[patient.pk, name])
        assert doc.get(url).status_code == 200
    assert doc.get(reverse("journal:provider-export-pdf", args=[patient.pk])).status_code == 200
    assert AccessEvent.objects.filter(patient=patient).count() == 5

    log = client_for(patient).get(reverse("journal:access-log")).content.decode()
    assert log.count("<td>Dr Provider</td>") == 1
    assert (
        "Your name and flag counts in their patient list; your summary (last 90 days): "
        "mood chart, blood pressure chart; PDF summary download ("
    ) in log
    assert "chart:" not in log and "(flag counts)" not in log


def test_every_code_the_provider_pages_write_has_plain_wording(personas) -> None:
    patient, provider = personas.patient, personas.provider
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    journal_in_every_category(patient)
    doc = client_for(provider)
    urls = [
        reverse("journal:provider-home"),
        reverse("journal:provider-patient", args=[patient.pk]) + "?period=30",
        reverse("journal:provider-patient-print", args=[patient.pk]),
        reverse("journal:provider-export-pdf", args=[patient.pk]),
        reverse("journal:provider-export-csv", args=[patient.pk]),
        reverse("journal:provider-export-fhir", args=[patient.pk]),
    ]
    # Every chart the app can draw, so a new chart without wording fails here.
    urls += [reverse("journal:provider-chart", args=[patient.pk, name]) for name in LOADERS]
    for url in urls:
        assert doc.get(url).status_code == 200, url
    codes = set(AccessEvent.objects.values_list("what", flat=True))
    assert len(codes) == len(urls)
    unworded = sorted(c for c in codes if describe_access(c) == c)
    assert unworded == []
