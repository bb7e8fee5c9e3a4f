"""The provider workspace and the clinic console in the reader's own language: a provider reads a
Spanish-speaking patient's data in the provider's language (the patient's own words stay as
written), and the cached parts of the summary never serve one language's words to another."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from journal import services
from journal.models import Role, ShareCategory, User
from tests.conftest import client_for, enroll
from tests.factories import PRIVATE_NOTE, SHAREABLE_NOTE, journal_in_every_category
from tests.test_provider import severe_reading

ALL = ShareCategory.values

# Words of the provider pages and the console that a Spanish page must not show outside
# `lang="en"` blocks: headings, labels, buttons, sentences of these templates and of the rows
# rendered in Python. (Words that other parts of the page share, such as the charts' "Show the
# numbers as a table", are listed by those parts' own tests.)
ENGLISH_UI = (
    "At a glance",
    "Open flags",
    "most urgent",
    "Flags (open flags",
    "more open flag",
    "Tick the",
    "Acknowledge",
    "What did you do",
    "Choose…",
    "Note for the care team",
    "Newest first",
    "Mood scores",
    "every entry",
    "Side effects by session",
    "Route and dose",
    "rated above None",
    "Notes the patient chose",
    "No shared notes",
    "Charts",
    "calendar days",
    "Outcome",
    "Change the",
    "to use as baseline",
    "Mark as baseline",
    "automatic baseline",
    "audit log",
    "Shared with you",
    "Times are in",
    "Printable summary",
    "Downloads",
    "All patients",
    "Period",
    " ago",
    "Last check-in",
    "Side-effect burden",
    "Edit history",
    "Withdrawn",
    "Acknowledged by",
    "Patients who share",
    "provider code",
    "Name contains",
    "Sort by",
    "No entry for",
    "Top open flag",
    "Last entry",
    "Last session",
    "Shares",
    "Not shared",
    "sessions reported",
    "No sessions yet",
    "None open",
    "Open flags by severity",
    "Patient list",
    "Most urgent first",
    "highest open flag",
    "times are the patient",
    "Back to the full summary",
    "Print",
    "printed",
    "latest 8 rows",
    "After-session report",
    "Check-in",
    "Not acknowledged",
    "the server answered",
)
ENGLISH_CONSOLE = (
    "active patients",
    "active providers",
    "deactivated accounts",
    "Enroll a patient",
    "All accounts",
    "Clinic settings and thresholds",
    "Audit log",
    "Enrollment links",
    "Recent account",
    "Aftercare clinic admin",
    "Accounts, settings and audit",
    "Flag thresholds",
    "Reminders and alerts",
    "Clinic open days",
    "Reactivate",
    "Deactivate",
    "Unlock log-in",
    "Log out everywhere",
)


class _Visible(HTMLParser):
    """The text a person reads or hears on a page: text outside scripts and styles, and the
    attributes read aloud or shown (aria-label, title, alt, placeholder, data-label,
    data-failed); everything inside an element marked `lang="en"` is left out."""

    ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "data-label", "data-failed"}
    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip: list[str] = []  # open elements whose content is left out

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.skip:
            if tag not in self.VOID:
                self.skip.append(tag)
            return
        if tag in {"script", "style"} or (tag != "html" and values.get("lang") == "en"):
            if tag not in self.VOID:
                self.skip.append(tag)
            if tag != "script":
                return
        self.parts.extend(v for k, v in attrs if k in self.ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if self.skip and tag not in self.VOID:
            self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str, *, leave_out: tuple[str, ...] = ()) -> str:
    parser = _Visible()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    for words in leave_out:
        text = text.replace(" ".join(words.split()), " ")
    return text


def english_left(text: str, words: tuple[str, ...]) -> list[str]:
    """The English UI words still in `text` (as words: "Show" is not found in "Showing")."""
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


@pytest.fixture
def spanish_patient(personas) -> User:
    """A patient who reads Spanish, with a record and a flag in every category, a second
    flag (so the bulk form shows), and sharing everything with the provider."""
    patient = enroll("lucia@clinic.test", Role.PATIENT, "Lucía Gómez", actor=personas.clinic_admin)
    patient.language = "es"
    patient.save(update_fields=["language"])
    journal_in_every_category(patient)
    severe_reading(patient, hours_ago=30)
    services.grant_share(patient=patient, provider=personas.provider, categories=ALL)
    return patient


def _speaking(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def _summary(user: User, patient: User) -> str:
    response = client_for(user).get(reverse("journal:provider-patient", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _free_text(patient: User) -> tuple[str, ...]:
    return (patient.display_name, SHAREABLE_NOTE, PRIVATE_NOTE)


def _get(user: User, url: str) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_an_english_provider_reads_a_spanish_patient_in_english(spanish_patient, provider):
    summary = _summary(provider, spanish_patient)
    triage = _get(provider, reverse("journal:provider-home"))
    for html in (summary, triage):
        assert '<html lang="en">' in html
        assert "hace " not in html and "Marcar como revisado" not in html
    assert "At a glance: " in summary and "Last check-in" in summary
    assert 'id="charts-heading">Charts</h2>' in summary
    assert "Mood scores, every entry (2)" in summary
    assert ">Acknowledge<" in summary and " ago</span>" in summary
    assert 'data-label="Top open flag"' in triage and " day ago" in triage
    # The patient's own words are shown as written.
    assert SHAREABLE_NOTE in summary


def test_a_spanish_provider_reads_the_summary_and_triage_in_spanish(spanish_patient, provider):
    _speaking(provider, "es")
    pages = {
        "summary": _summary(provider, spanish_patient),
        "print": _get(
            provider, reverse("journal:provider-patient-print", args=[spanish_patient.pk])
        ),
        "triage": _get(provider, reverse("journal:provider-home")),
        "outcomes": _get(provider, reverse("journal:provider-outcomes")),
    }
    for name, html in pages.items():
        assert '<html lang="es">' in html, name
        text = visible_text(html, leave_out=_free_text(spanish_patient))
        assert english_left(text, ENGLISH_UI) == [], name
    summary, triage = pages["summary"], pages["triage"]
    for words in (
        "Resumen: ",
        "Avisos abiertos",
        "4 abiertos",
        "el más urgente: ",
        "Último registro diario",
        "Puntuaciones de estado de ánimo, todos los registros (2)",
        "Marcar como revisado",
        "¿Qué hizo?",
        "Seleccione los avisos de arriba; 4 abiertos.",
        'id="charts-heading">Gráficos</h2>',
        "Registro diario",
        "hace 1\xa0día",  # Django's timesince, translated, keeps its no-break space
        "(después de la sesión 1)",
    ):
        assert words in summary, words
    # A figure in a sentence has the Spanish decimal comma; the patient's words stay as written.
    assert "3,5 de 10 de media" in summary
    assert SHAREABLE_NOTE in summary
    for words in ("Aviso abierto principal", 'data-label="Último registro"', "hace 1 día"):
        assert words in triage, words
    # The script's one message comes translated from the page.
    assert 'data-failed="No se marcó como revisado (el servidor respondió {status}).' in triage
    assert "Resultados de la clínica" in pages["outcomes"]


def test_the_cached_summary_is_never_served_in_another_language(spanish_patient, provider):
    """The summary's sections and its charts section are cached per share and data version: the
    same share read in English, then in Spanish (the provider changed their language), then
    by a Spanish-speaking colleague and again in both, each from a warm cache."""
    other = enroll("dra.es@clinic.test", Role.PROVIDER, "Dra Ruiz")
    _speaking(other, "es")
    services.grant_share(patient=spanish_patient, provider=other, categories=ALL)
    english_words = ("Last check-in", 'id="charts-heading">Charts</h2>', ">Check-in<")
    spanish_words = ("Último registro diario", 'id="charts-heading">Gráficos</h2>')
    for reader, language in (
        (provider, "en"),
        (provider, "es"),
        (other, "es"),
        (provider, "en"),
        (provider, "es"),
    ):
        _speaking(reader, language)
        html = _summary(reader, spanish_patient)
        expected, absent = (
            (english_words, spanish_words) if language == "en" else (spanish_words, english_words)
        )
        for words in expected:
            assert words in html, (reader, language, words)
        for words in absent:
            assert words not in html, (reader, language, words)


def test_the_clinic_console_speaks_its_admins_language(personas):
    admin = _speaking(personas.clinic_admin, "es")
    pages = {
        "home": _get(admin, reverse("journal:admin-home")),
        "index": _get(admin, reverse("admin:index")),
        "accounts": _get(admin, reverse("admin:journal_user_changelist")),
        "settings": _get(admin, reverse("admin:journal_clinicsettings_change", args=[1])),
    }
    for name, html in pages.items():
        assert 'lang="es"' in html, name
        text = visible_text(html, leave_out=(admin.display_name,))
        assert english_left(text, ENGLISH_CONSOLE) == [], name
    assert "pacientes activos" in pages["home"] and "Registro de auditoría" in pages["home"]
    assert "Administración de la clínica de Aftercare" in pages["index"]
    assert "Cuentas, ajustes y auditoría" in pages["index"]
    assert "Reactivar" in pages["accounts"] and "Salir en todas partes" in pages["accounts"]
    assert "Umbrales de avisos" in pages["settings"]
    assert "Días en que abre la clínica" in pages["settings"]


def test_the_clinic_console_stays_english_for_an_english_admin(personas):
    html = _get(personas.clinic_admin, reverse("admin:index"))
    assert "Aftercare clinic admin" in html and "Administración" not in html
