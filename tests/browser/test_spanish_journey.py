"""A Spanish-speaking patient, on a phone whose browser asks for Spanish (es-US): enrolls
through the clinic's invitation link, logs a session and its report on one screen, takes the
PHQ-9 (shown in English, with a Spanish note saying why) and reads their trends. Every page is
`<html lang="es">`, free of the patient pages' own English words (outside `lang="en"`), and
axe-clean.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from journal import services
from journal.models import QuestionnaireResponse, Role, TreatmentSession, User
from tests.browser.conftest import VIEWPORTS, Web
from tests.browser.journeys import choose, go_via_nav
from tests.browser.test_charts_phone_and_dark import load_chart_images
from tests.browser.test_every_page import pages_of, scan_all
from tests.test_i18n_patient_pages import _Visible, english_words
from tests.test_url_matrix import MATRIX, _url

pytestmark = pytest.mark.browser

NEW_PASSWORD = "cuatro palabras sin relación alguna"
PHQ9_ANSWERS = ["Several days", "Not at all"] * 4 + ["Not at all"]  # total 4, item 9 none


def spanish_page(web: Web, page: Page) -> None:
    """The page is Spanish, shows none of the pages' own English words, and is axe-clean."""
    assert page.evaluate("() => document.documentElement.lang") == "es"
    parser = _Visible()
    parser.feed(page.content())
    text = " ".join(" ".join(parser.parts).split())
    assert english_words(text) == [], page.url
    web.assert_accessible(page)


def go_via_spanish_nav(page: Page, link: str, *, menu: str | None = None) -> None:
    """`go_via_nav` with the navigation's Spanish names."""
    go_via_nav(page, link, menu=menu, nav_name="Principal", menu_button="Menú")


def test_a_spanish_speaking_patient_enrolls_logs_a_session_takes_the_phq9_and_reads_trends(
    web: Web, clinic_admin: User
) -> None:
    web.viewport = "phone"
    services.create_account(
        actor=clinic_admin,
        email="lucia@clinic.test",
        display_name="Lucía Paciente",
        role=Role.PATIENT,
        time_zone="America/Chicago",
    )
    [email] = [m for m in mail.outbox if m.to == ["lucia@clinic.test"]]
    link = re.search(r"https?://\S+/enroll/[^/\s]+/", email.body)
    assert link, email.body

    # A browser set to Spanish (United States): its locale sets navigator.language and the
    # Accept-Language header it sends.
    new_context = web._new_context
    web._new_context = lambda **options: new_context(**{**options, "locale": "es-US"})
    context = web.context(None, viewport="phone")
    page = context.new_page()
    assert page.viewport_size == VIEWPORTS["phone"]

    # Enrollment: the page follows the browser's language.
    web.goto(page, link.group(0))
    expect(
        page.get_by_role("heading", name="Le damos la bienvenida, Lucía Paciente")
    ).to_be_visible()
    spanish_page(web, page)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Guardar la contraseña y continuar").click()

    # Home, in Spanish, with the welcome message.
    expect(page.get_by_role("heading", name="Hola, Lucía Paciente")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Le damos la bienvenida")).to_be_visible()
    web.shot(page, "spanish-1-home")
    spanish_page(web, page)
    lucia = User.objects.get(email="lucia@clinic.test")
    assert lucia.language == "es"

    # The session and its report on one screen.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Acabo de tener una sesión").first.click()
    expect(page.get_by_role("heading", name="Su sesión y cómo le fue")).to_be_visible()
    spanish_page(web, page)
    page.locator("#id_mood_group").get_by_text("6", exact=True).click()
    page.locator("#id_any_side_effects_group label").first.click()  # none
    web.shot(page, "spanish-2-session-report-form")
    page.get_by_role("button", name="Guardar la sesión y el informe").click()
    expect(
        page.get_by_role("status").filter(has_text="Sesión e informe guardados. Gracias.")
    ).to_be_visible()
    spanish_page(web, page)
    session = TreatmentSession.objects.get(patient=lucia)
    assert session.report.mood == 6

    # The PHQ-9: items and answers in English (lang="en"), everything around in Spanish.
    go_via_spanish_nav(page, "Cuestionario PHQ-9", menu="Anotar")
    expect(page.get_by_role("note")).to_contain_text("se muestra en inglés")
    assert page.locator("[lang=en]").filter(has_text="Little interest or pleasure").count() >= 1
    for number, answer in enumerate(PHQ9_ANSWERS, start=1):
        choose(page, re.compile(rf"^{number}\. "), answer)
    web.shot(page, "spanish-3-phq9-form")
    spanish_page(web, page)
    page.get_by_role("button", name="Ver mi puntuación").click()
    expect(page.get_by_role("heading", name="Su resultado del PHQ-9")).to_be_visible()
    expect(page.get_by_text("de 27")).to_be_visible()
    web.shot(page, "spanish-4-phq9-result")
    spanish_page(web, page)
    phq9 = QuestionnaireResponse.objects.get(patient=lucia)
    assert phq9.total == 4

    # Trends: the charts load and the page reads in Spanish.
    go_via_spanish_nav(page, "Tendencias")
    expect(page.get_by_role("heading", name="Tendencias", exact=True)).to_be_visible()
    charts = page.get_by_role("main").get_by_role("img")
    assert charts.count() >= 1
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()  # the charts load lazily
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
        )
    assert load_chart_images(page)
    web.shot(page, "spanish-5-trends")
    assert web.horizontal_overflow(page) == 0, "Trends scrolls sideways on a phone"
    spanish_page(web, page)


def test_every_patient_page_is_accessible_in_spanish_on_a_phone(
    web: Web, personas: Any, world: dict[str, object]
) -> None:
    patient = personas.patient
    patient.language = "es"
    patient.save(update_fields=["language"])
    web.viewport = "phone"
    urls = {name.replace(":", "-"): _url(name, MATRIX[name], world) for name in pages_of("patient")}
    assert len(urls) > 20
    scan_all(web, patient, urls, "patient-es")
    page = web.open(patient, "journal:patient-home")
    assert page.evaluate("() => document.documentElement.lang") == "es"
