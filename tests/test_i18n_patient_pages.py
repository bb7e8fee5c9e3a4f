"""The patient's pages in Spanish: every page a patient opens, rendered for a patient whose
language is Spanish, is marked `<html lang="es">`, reads in Spanish, and shows none of the app's
own English UI words outside the instrument blocks (`lang="en"`), scripts and styles. Also:
choosing the language in account settings changes the next page, the log-in page follows the
browser's Accept-Language, and the PHQ-9/GAD-7 stay in English with a note saying why.

The word list is the English these pages used to show, including what other modules put on
them (form labels and choices, the catalogue, flag texts, chart titles and summaries).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import User
from journal.security.sessions import REAUTH_AT
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parent.parent

# English words and phrases of the patient pages' own UI (templates and views).
OWN_WORDS = (
    "Home",
    "Log something",
    "Trends",
    "Sharing",
    "Flags",
    "Log out",
    "Account",
    "Notifications",
    "Export",
    "Who viewed my data",
    "Settings",
    "Save",
    "Cancel",
    "Delete",
    "Edit",
    "Next step",
    "Newer",
    "Older",
    "Back",
    "Share",
    "Report",
    "Session",
    "Sessions",
    "Check-in",
    "Check-ins",
    "Questionnaires",
    "Blood pressure",
    "Reading",
    "Readings",
    "Pulse",
    "Context",
    "When",
    "Note",
    "Private",
    "Shareable",
    "History",
    "Edit history",
    "Skip to main content",
    "not monitored in real time",
    "For urgent concerns",
    "your clinic",
    "crisis line",
    "emergency services",
    "Everything you recorded",
    "I just had a session",
    "Your last 30 days",
    "out of 10",
    "Not recorded",
    "Not rated",
    "Written",
    "Write the report",
    "Add a reading",
    "See the entry",
    "Show the numbers",
    "Open the chart",
    "Download",
    "Two-step verification",
    "Password",
    "Devices",
    "Reminders",
    "Mark all as read",
    "Nothing",
    "Page",
    "Your",
    "the",
    "and",
    "with",
    "you",
)

CHECKED = OWN_WORDS


class _Visible(HTMLParser):
    """The text a person reads or hears, outside `lang="en"` subtrees, scripts and styles."""

    SKIP = {"script", "style", "template"}
    VOID = {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr",
    }  # fmt: skip
    SPOKEN = ("aria-label", "title", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: is it skipped?
        self.html_lang = ""

    def _skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang") or ""
        skip = tag in self.SKIP or (tag != "html" and values.get("lang") == "en")
        if not self._skipping() and not skip:
            self.parts.extend(values[name] or "" for name in self.SPOKEN if values.get(name))
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def read(response) -> _Visible:
    parser = _Visible()
    parser.feed(response.content.decode())
    return parser


def text_of(response) -> str:
    return " ".join(" ".join(read(response).parts).split())


def english_words(text: str, words=CHECKED) -> list[str]:
    """The words of `words` found in `text` (whole words, case-sensitive)."""
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def ago(**kwargs) -> dt.datetime:
    return timezone.now().replace(microsecond=0) - dt.timedelta(**kwargs)


@pytest.fixture
def world(patient: User, provider: User) -> dict:
    """A Spanish-speaking patient with one of every entry and a share."""
    patient.language = "es"
    patient.save(update_fields=["language"])
    session = services.log_session(patient=patient, started_at=ago(days=2), route="iv")
    report = services.submit_report(
        patient=patient, session=session, reported_at=ago(days=2, hours=-2), mood=6,
        ratings={"nausea": 2},
        readings=[services.ReadingInput(ago(days=2), 128, 82, "before", pulse=70)],
    )  # fmt: skip
    checkin = services.log_checkin(
        patient=patient, recorded_at=ago(days=1), mood=5, anxiety=4, pain=2, note="Dormí mal"
    )
    reading = services.add_reading(
        patient=patient, measured_at=ago(hours=3), systolic=131, diastolic=84, context="home"
    )
    questionnaire = services.submit_questionnaire(
        patient=patient, instrument="phq9", answers=[1] * 9, completed_at=ago(hours=2)
    )
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    return {
        "session": session,
        "report": report,
        "checkin": checkin,
        "reading": reading,
        "questionnaire": questionnaire,
        "share": share,
    }


# (URL name, args from `world`, a Spanish phrase the page must show)
PAGES = [
    ("journal:patient-home", (), "Próximo paso"),
    ("journal:log-something", (), "¿Qué le gustaría anotar?"),
    ("journal:entry-list", (), "Todo lo que ha anotado"),
    ("journal:session-create", (), "Anotar una sesión de tratamiento"),
    ("journal:session-report-create", (), "Su sesión y cómo le fue"),
    ("journal:session-list", (), "Sesiones de tratamiento"),
    ("journal:session-detail", ("session",), "Informe después de la sesión"),
    ("journal:session-edit", ("session",), "Editar la sesión"),
    ("journal:session-delete", ("session",), "¿Eliminar esta sesión?"),
    ("journal:report-detail", ("report",), "Efectos secundarios en su peor momento"),
    ("journal:report-edit", ("report",), "Editar su informe"),
    ("journal:checkin-create", (), "¿Cómo se siente hoy?"),
    ("journal:checkin-list", (), "Registros diarios"),
    ("journal:checkin-detail", ("checkin",), "Síntomas entre sesiones"),
    ("journal:reading-create", (), "Añadir una medición de presión arterial"),
    ("journal:reading-list", (), "Sus mediciones de presión arterial"),
    ("journal:reading-detail", ("reading",), "Sistólica (la alta)"),
    ("journal:questionnaire-list", (), "Cuestionarios"),
    ("journal:questionnaire-detail", ("questionnaire",), "Su resultado del PHQ-9"),
    ("journal:flag-list", (), "Avisos"),
    ("journal:dashboard", (), "Tendencias"),
    ("journal:share-list", (), "Lo que comparte ahora"),
    ("journal:share-create", (), "Compartir con un profesional"),
    ("journal:share-edit", ("share",), "Cambiar lo que ve"),
    ("journal:share-revoke", ("share",), "¿Dejar de compartir con"),
    ("journal:export", (), "Exportar su diario"),
    ("journal:account-delete", (), "Eliminar su cuenta"),
    ("journal:access-log", (), "Quién vio mis datos"),
    ("journal:account-settings", (), "Ajustes de la cuenta"),
    ("journal:account-devices", (), "Dispositivos"),
    ("journal:notification-settings", (), "Recordatorios y alertas"),
    ("journal:notification-list", (), "Notificaciones"),
]


def _url(name: str, args: tuple[str, ...], world: dict) -> str:
    return reverse(name, args=[world[a].pk for a in args])


@pytest.mark.parametrize(("name", "args", "spanish"), PAGES, ids=[p[0] for p in PAGES])
def test_each_patient_page_reads_in_spanish(world, patient, name, args, spanish) -> None:
    client = client_for(patient)
    if name == "journal:account-delete":
        # Deleting the account asks for a recent password check first.
        session = client.session
        session[REAUTH_AT] = time.time()
        session.save()
    response = client.get(_url(name, args, world))
    assert response.status_code == 200, name
    page = read(response)
    assert page.html_lang == "es"
    visible = " ".join(" ".join(page.parts).split())
    assert spanish in visible
    assert "Salir" in visible and "Anotar" in visible  # the menus
    assert english_words(visible) == [], name


@pytest.mark.parametrize(("name", "args", "spanish"), PAGES[:6], ids=[p[0] for p in PAGES[:6]])
def test_the_same_pages_stay_english_for_an_english_reader(
    world, patient, name, args, spanish
) -> None:
    patient.language = "en"
    patient.save(update_fields=["language"])
    response = client_for(patient).get(_url(name, args, world))
    page = read(response)
    assert page.html_lang == "en"
    visible = " ".join(" ".join(page.parts).split())
    assert spanish not in visible
    assert "Log out" in visible and "Skip to main content" in visible


def test_the_word_guard_finds_english_left_in_a_page() -> None:
    # The guard itself: a page with an English menu word outside lang="en" is caught, the same
    # word inside an instrument block or a script is not.
    html = (
        '<html lang="es"><body><nav><a>Inicio</a> <a>Log out</a></nav>'
        '<div lang="en"><p>Save the answers</p></div><script>var s = "Cancel";</script>'
        '<button aria-label="Who viewed my data">x</button></body></html>'
    )
    response = type("R", (), {"content": html.encode()})()
    found = english_words(text_of(response), OWN_WORDS)
    assert found == ["Log out", "Who viewed my data"]


def test_questionnaires_stay_in_english_with_a_spanish_note_saying_why(world, patient) -> None:
    client = client_for(patient)
    for url in (
        reverse("journal:questionnaire-create", args=["phq9"]),
        _url("journal:questionnaire-detail", ("questionnaire",), world),
    ):
        response = client.get(url)
        html = response.content.decode()
        visible = text_of(response)
        assert "se muestra en inglés" in visible and "traducción oficial" in visible
        # The items are there, in English, inside lang="en" (so not in the Spanish text).
        assert "Little interest or pleasure in doing things" in html
        assert "Little interest or pleasure in doing things" not in visible
    form = client.get(reverse("journal:questionnaire-create", args=["phq9"]))
    assert "Ver mi puntuación" in text_of(form)


def test_no_note_about_english_questionnaires_for_an_english_reader(patient) -> None:
    response = client_for(patient).get(reverse("journal:questionnaire-create", args=["phq9"]))
    assert "shown in English because" not in response.content.decode()
    assert "instrument-language" not in response.content.decode()


def test_choosing_spanish_in_account_settings_changes_the_next_page(patient) -> None:
    client = client_for(patient)
    assert read(client.get(reverse("journal:patient-home"))).html_lang == "en"
    response = client.post(
        reverse("journal:account-settings"),
        {
            "display_name": patient.display_name,
            "time_zone": patient.time_zone,
            "language": "es",
            "idle_timeout_minutes": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert read(response).html_lang == "es"
    assert "Sus ajustes están guardados." in text_of(response)
    patient.refresh_from_db()
    assert patient.language == "es"
    home = client.get(reverse("journal:patient-home"))
    assert read(home).html_lang == "es" and "Próximo paso" in text_of(home)
    # And back: the browser's language does not override the account's choice.
    client.post(
        reverse("journal:account-settings"),
        {"display_name": patient.display_name, "time_zone": patient.time_zone, "language": "en"},
    )
    home = client.get(reverse("journal:patient-home"), HTTP_ACCEPT_LANGUAGE="es")
    assert read(home).html_lang == "en" and "Next step" in text_of(home)


def test_the_log_in_page_follows_the_browsers_language(db) -> None:
    client = client_for(None)
    spanish = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9")
    assert read(spanish).html_lang == "es"
    visible = text_of(spanish)
    assert "Entrar en Aftercare" in visible and "¿Olvidó su contraseña?" in visible
    assert english_words(visible) == []
    english = client_for(None).get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert read(english).html_lang == "en" and "Log in to Aftercare" in text_of(english)


def test_a_failed_log_in_is_explained_in_spanish(db) -> None:
    response = client_for(None).post(
        reverse("login"),
        {"username": "nobody@clinic.test", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "Correo electrónico o contraseña incorrectos" in text_of(response)


def test_saved_messages_and_numbers_read_in_spanish(world, patient) -> None:
    client = client_for(patient)
    response = client.post(reverse("journal:share-revoke", args=[world["share"].pk]), follow=True)
    assert "ya no puede ver su diario" in text_of(response)
    session = world["session"]
    session.dose_mg = "0.5"
    session.save(update_fields=["dose_mg"])
    detail = client.get(_url("journal:session-detail", ("session",), world))
    assert "0,50 mg" in text_of(detail)  # a number a person reads is written the Spanish way


def test_the_push_buttons_messages_come_translated_from_the_page(patient, settings) -> None:
    from journal.notifications import push

    settings.VAPID_PRIVATE_KEY = push.new_private_key()
    settings.VAPID_SUBJECT = "mailto:clinic@example.test"
    patient.language = "es"
    patient.save(update_fields=["language"])
    html = client_for(patient).get(reverse("journal:notification-settings")).content.decode()
    assert 'data-said-on="Las notificaciones push están activadas en este dispositivo."' in html
    assert 'data-said-failed="No se pudieron cambiar las notificaciones push' in html
    script = (ROOT / "journal" / "static" / "journal" / "push.js").read_text()
    assert "button.dataset.saidOn" in script and "Push notifications are" not in script


def test_the_installed_apps_description_follows_the_language(db) -> None:
    spanish = client_for(None).get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="es")
    manifest = json.loads(spanish.content)
    assert manifest["lang"] == "es" and manifest["description"].startswith("Diario de efectos")
    english = json.loads(client_for(None).get("/manifest.webmanifest").content)
    assert english["lang"] == "en" and english["description"].startswith("Side-effect")
