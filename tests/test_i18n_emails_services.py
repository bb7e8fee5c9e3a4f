"""Python-side Spanish: emails a service sends are written in the recipient's language (not
the language of whoever caused them), form errors, flag wording and summary sentences follow
the active language, and English output stays as it was. No email carries health data."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from journal import flags, services
from journal.charts.types import BloodPressureData, MoodDay, MoodSeries
from journal.forms import ReadingForm
from journal.models import Flag, Role, User
from journal.services import notices, recovery
from journal.services import security as security_services
from journal.summaries import blood_pressure_summary, mood_summary
from journal.thresholds import Thresholds
from tests.conftest import PASSWORD

NEW_PASSWORD = "copper kettle walks slowly"
# Words that would mean health data leaked into a mail, in both languages.
HEALTH_WORDS = (
    "mood",
    "ánimo",
    "phq",
    "gad",
    "side effect",
    "efecto",
    "dose",
    "dosis",
    "blood pressure",
    "presión",
    "ketamine",
    "ketamina",
    "flag",
    "aviso",
)


def speaks(user: User, language: str) -> User:
    """Set the language the person reads the app (and their mail) in, as account settings do."""
    return security_services.update_account_settings(
        user=user, display_name=user.display_name, time_zone=user.time_zone, language=language
    )


def no_health_data(message: mail.EmailMessage) -> None:
    text = f"{message.subject}\n{message.body}".lower()
    assert not [word for word in HEALTH_WORDS if word in text], text


@pytest.fixture
def spanish_patient(patient: User) -> User:
    return speaks(patient, "es")


@pytest.fixture
def english_patient(other_patient: User) -> User:
    return speaks(other_patient, "en")


def test_the_password_notice_is_in_the_recipients_language_whatever_the_request_speaks(
    spanish_patient: User, english_patient: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        security_services.change_password(user=spanish_patient, new_password=NEW_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True), translation.override("es"):
        security_services.change_password(user=english_patient, new_password=NEW_PASSWORD)
    spanish = next(m for m in mail.outbox if m.to == [spanish_patient.email])
    english = next(m for m in mail.outbox if m.to == [english_patient.email])

    assert spanish.subject == "Se cambió su contraseña de Aftercare"
    assert spanish.body.startswith("Hola:\n\nLa contraseña de su cuenta de Aftercare se cambió el ")
    # The day is written the Spanish way, month name from Django's Spanish catalogue.
    assert re.search(r"se cambió el \d{1,2} de [a-z]+ de \d{4} a las \d\d:\d\d", spanish.body)
    assert "Your Aftercare password" not in spanish.body

    assert english.subject == "Your Aftercare password was changed"
    local = timezone.now().astimezone(english_patient.zone)
    assert f"was changed on {local:%-d %B %Y} at " in english.body
    for message in (spanish, english):
        no_health_data(message)


def test_the_sharing_update_is_in_each_patients_language(
    spanish_patient: User, english_patient: User
) -> None:
    with translation.override("en"):
        notices.send_sharing_update([spanish_patient, english_patient])
    by_address = {m.to[0]: m for m in mail.outbox}
    spanish, english = by_address[spanish_patient.email], by_address[english_patient.email]
    assert spanish.subject == "Novedades sobre lo que comparte en Aftercare"
    assert "Entre y abra Compartir" in spanish.body
    assert (
        english.subject
        == notices.SHARING_UPDATE_SUBJECT
        == ("An update about your sharing in Aftercare")
    )
    assert "Log in and open Sharing" in english.body
    for message in (spanish, english):
        no_health_data(message)


def test_the_enrollment_mail_is_in_the_invited_persons_language(
    clinic_admin: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.create_account(
            actor=clinic_admin,
            email="nueva@clinic.test",
            display_name="Nueva Paciente",
            role=Role.PATIENT,
            language="es",
        )
        services.create_account(
            actor=clinic_admin,
            email="new@clinic.test",
            display_name="New Patient",
            role=Role.PATIENT,
        )
    spanish = next(m for m in mail.outbox if m.to == ["nueva@clinic.test"])
    english = next(m for m in mail.outbox if m.to == ["new@clinic.test"])
    assert spanish.subject.startswith("Su cuenta de Aftercare de ")
    assert "Abra este enlace en un plazo de" in spanish.body
    assert "horas para elegir su contraseña" in spanish.body
    assert english.subject.startswith("Your ") and "Follow this link within" in english.body
    for message in (spanish, english):
        no_health_data(message)


def test_the_email_change_mails_follow_the_account_holders_language(
    spanish_patient: User, django_capture_on_commit_callbacks
) -> None:
    with translation.override("en"):
        token = security_services.request_email_change(
            user=spanish_patient, new_email="pat.nuevo@clinic.test", confirm_url=lambda t: t
        )
        confirmation = mail.outbox[-1]
        with django_capture_on_commit_callbacks(execute=True):
            security_services.confirm_email_change(user=spanish_patient, token=token)
    notice = mail.outbox[-1]
    assert confirmation.subject == "Confirme su nuevo correo electrónico de Aftercare"
    assert notice.to == ["pat@clinic.test"]
    assert notice.subject == "Se cambió su correo electrónico de Aftercare"
    for message in (confirmation, notice):
        no_health_data(message)


def test_a_password_reset_mail_is_rendered_in_the_recipients_language(
    spanish_patient: User, clinic_admin: User, monkeypatch
) -> None:
    seen: list[str | None] = []
    from django.contrib.auth.forms import PasswordResetForm

    def record(self, *args, **kwargs) -> None:
        seen.append(translation.get_language())

    monkeypatch.setattr(PasswordResetForm, "send_mail", record)
    with translation.override("en"):
        recovery.send_password_reset(actor=clinic_admin, user=spanish_patient)
    assert seen == ["es"]


def reading_form(**values: object) -> ReadingForm:
    data = {
        "measured_at_0": "2025-03-01",
        "measured_at_1": "09:00",
        "context": "home",
        "systolic": "120",
        "diastolic": "80",
    }
    data.update({k: str(v) for k, v in values.items()})
    return ReadingForm(data=data)


@pytest.mark.django_db
def test_form_errors_are_in_the_active_language() -> None:
    with translation.override("es"):
        form = reading_form(systolic=400)
        assert not form.is_valid()
        assert form.errors["systolic"] == [
            "El número de arriba (sistólica) debe estar entre 40 y 300."
        ]
        form = reading_form(systolic=100, diastolic=110)
        assert not form.is_valid()
        assert form.errors["diastolic"] == [
            "El número de abajo (diastólica) debe ser menor que el de arriba (sistólica)."
        ]
    with translation.override("en"):
        form = reading_form(systolic=400)
        assert not form.is_valid()
        assert form.errors["systolic"] == [
            "The upper number (systolic) must be between 40 and 300."
        ]


T = Thresholds(clinic_name="Clínica Sol", clinic_phone="555-0100", after_hours_phone="555-0199")
SEVERE = {"systolic": 190, "diastolic": 100, "context": "home"}


def test_flag_title_and_guidance_are_spanish_with_the_same_numbers() -> None:
    with translation.override("es"):
        title, guidance = flags.describe(flags.SEVERE_BP, SEVERE, T)
    assert title == "Presión arterial muy alta (190/100)"
    assert guidance.startswith(
        "Una medición de 190/100 en casa está en el rango que necesita atención pronto."
    )
    assert "llame al 911 ahora" in guidance
    assert "llame a Clínica Sol al 555-0100 (fuera del horario: 555-0199) ahora" in guidance
    assert "180/120" in guidance


def test_flag_wording_in_english_is_unchanged() -> None:
    with translation.override("en"):
        title, guidance = flags.describe(flags.SEVERE_BP, SEVERE, T)
    assert title == "Very high blood pressure (190/100)"
    assert guidance == (
        "A reading of 190/100 at home is in the range that needs prompt attention. If you have "
        "chest pain, shortness of breath, back pain, numbness or weakness, a change in vision, "
        "or difficulty speaking, call 911 now; do not wait to see if it comes down. Otherwise "
        "sit quietly for five minutes and measure again. If it is still at or above 180/120, "
        "call Clínica Sol on 555-0100 (after hours: 555-0199) now."
    )


def test_the_provider_line_of_a_flag_follows_the_providers_language() -> None:
    detail = {"symptoms": [{"code": "nausea", "severity": 3, "label": "Severe"}]}
    with translation.override("es"):
        assert flags.clinical_title(flags.SEVERE_SIDE_EFFECT, detail) == ("Náuseas: Intenso")
    with translation.override("en"):
        assert flags.clinical_title(flags.SEVERE_SIDE_EFFECT, detail) == "Nausea rated Severe"


def test_a_flag_raised_while_the_patient_reads_spanish_is_stored_in_english(
    spanish_patient: User,
) -> None:
    with translation.override("es"):
        services.add_reading(
            patient=spanish_patient,
            measured_at=timezone.now() - timedelta(minutes=5),
            systolic=190,
            diastolic=100,
            context="home",
        )
    flag = Flag.objects.get(patient=spanish_patient, kind=flags.SEVERE_BP)
    assert flag.detail["title"] == "Very high blood pressure (190/100)"


def mood_series(*moods: float) -> MoodSeries:
    days = tuple(MoodDay(date(2025, 3, 1 + i), m, 1, m) for i, m in enumerate(moods))
    return MoodSeries(date(2025, 3, 1), date(2025, 3, 30), days, ())


def test_summary_sentences_are_spanish_under_spanish_and_unchanged_in_english() -> None:
    series = mood_series(4, 6.5, 8)
    with translation.override("es"):
        assert mood_summary(series, 5.04, "los últimos 30 días", 30) == (
            "En los últimos 30 días, su estado de ánimo medio diario fue de 6,2 de 10 "
            "(3 días con registros), 1,2 más que 5,0 en los 30 días anteriores."
        )
        assert mood_summary(series, 5.04, "los últimos 30 días", 30, audience="provider") == (
            "En los últimos 30 días, el estado de ánimo medio diario del paciente fue de 6,2 de "
            "10 (3 días con registros), 1,2 más que 5,0 en los 30 días anteriores."
        )
        assert blood_pressure_summary(BloodPressureData((), T), "los últimos 30 días") == (
            "Todavía no hay mediciones de presión arterial en los últimos 30 días."
        )
    with translation.override("en"):
        assert mood_summary(series, 5.04, "the last 30 days", 30) == (
            "Over the last 30 days your average daily mood was 6.2 out of 10 (3 days with "
            "entries), up 1.2 from 5.0 in the 30 days before."
        )


def test_a_spanish_patients_account_still_logs_in_with_the_same_password(
    spanish_patient: User,
) -> None:
    # Language is a display preference only: it changes nothing about the account.
    spanish_patient.refresh_from_db()
    assert spanish_patient.language == "es"
    assert spanish_patient.check_password(PASSWORD)


def test_a_pick_one_fields_refusal_names_its_options_in_the_readers_language() -> None:
    """The message is made once, when the form is built, and read in the language of the page
    that shows it."""
    from journal.catalogue import ANSWER_OPTIONS, YES_NO
    from journal.forms.fields import answer_field

    field = answer_field("Noticed?", ANSWER_OPTIONS[YES_NO])
    message = field.error_messages["invalid_choice"]
    with translation.override("en"):
        assert str(message) == "Choose No or Yes."
    with translation.override("es"):
        assert str(message) == "Elija No o Sí."
