"""Wide tables scroll by keyboard: each `.table-responsive` wrapper is a named, focusable region."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from journal import services
from journal.models import Role
from tests.conftest import client_for
from tests.factories import world_objects

REQUIRED = {"tabindex": "0", "role": "region"}


class WrapperFinder(HTMLParser):
    """Collects the attributes of every element whose classes include `table-responsive`."""

    def __init__(self) -> None:
        super().__init__()
        self.wrappers: list[dict[str, str | None]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if "table-responsive" in (attributes.get("class") or "").split():
            self.wrappers.append(attributes)


def wrapper_problems(html: str) -> tuple[int, list[str]]:
    """How many wrappers the page has, and what each one that is not a named region lacks."""
    finder = WrapperFinder()
    finder.feed(html)
    problems = []
    for attrs in finder.wrappers:
        for name, value in REQUIRED.items():
            if attrs.get(name) != value:
                problems.append(f"{attrs.get('class')}: {name}={attrs.get(name)!r}")
        label = (attrs.get("aria-label") or "").strip()
        labelledby = attrs.get("aria-labelledby")
        if not label and labelledby not in finder.ids:
            problems.append(f"{attrs.get('class')}: no aria-label or aria-labelledby target")
    return len(finder.wrappers), problems


def test_the_checker_notices_a_wrapper_without_the_attributes() -> None:
    bad = '<div class="table-responsive mt-2"><table></table></div>'
    unnamed = '<div class="table-responsive" tabindex="0" role="region"><table></table></div>'
    good = '<div class="table-responsive" tabindex="0" role="region" aria-label="x"><table>'
    assert wrapper_problems(bad)[1] and wrapper_problems(unnamed)[1]
    assert wrapper_problems(good) == (1, [])


def test_every_page_with_tables_makes_each_wrapper_a_named_keyboard_region(personas) -> None:
    world = world_objects(personas)
    patient, provider, admin = personas.patient, personas.provider, personas.clinic_admin
    services.create_account(
        actor=admin, email="new@clinic.test", display_name="New Person", role=Role.PATIENT
    )
    doc = client_for(provider)
    pages = [
        (doc, reverse("journal:provider-home")),
        (doc, reverse("journal:provider-patient", args=[patient.pk]) + "?period=all"),
        (doc, reverse("journal:provider-patient-print", args=[patient.pk])),
        (client_for(admin), reverse("journal:admin-home")),
    ]
    own = client_for(patient)
    pages += [
        (own, reverse("journal:checkin-detail", args=[world["journal_checkin"].pk])),
        (own, reverse("journal:questionnaire-list")),
        (own, reverse("journal:questionnaire-detail", args=[world["journal_questionnaire"].pk])),
        (own, reverse("journal:report-detail", args=[world["journal_report"].pk])),
        (own, reverse("journal:reading-list")),
        (own, reverse("journal:session-detail", args=[world["journal_session"].pk])),
        (own, reverse("journal:share-list")),
        (own, reverse("journal:access-log")),  # after the provider's reads above
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        count, problems = wrapper_problems(response.content.decode())
        assert count >= 1, f"{url} rendered no table to check"
        assert problems == [], url


def test_no_template_has_a_table_wrapper_that_is_not_a_named_region() -> None:
    # Catches tables the pages above do not reach (rare branches, new templates).
    templates = Path(settings.BASE_DIR, "journal", "templates").rglob("*.html")
    found = 0
    for path in templates:
        count, problems = wrapper_problems(path.read_text())
        found += count
        assert problems == [], path
    assert found >= 15
