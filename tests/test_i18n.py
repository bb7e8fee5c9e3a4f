"""Issue 22's machinery: which language a page is in, where a person's language comes from,
that cached output never crosses languages, and the catalogue compiler."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from journal import chartdata, services
from journal.chartdata.periods import make_period
from journal.models import AuditEvent, Role, User
from journal.permissions import own_scope
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def test_the_log_in_page_follows_the_browser_until_someone_signs_in(client) -> None:
    spanish = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9,en;q=0.5")
    assert _lang(spanish) == "es"
    assert spanish["Content-Language"] == "es"
    assert "Accept-Language" in spanish["Vary"]
    english = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert _lang(english) == "en"
    # A language the app does not have falls back to English.
    assert _lang(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE")) == "en"


def test_a_signed_in_person_reads_their_own_language_whatever_the_browser(patient) -> None:
    patient.language = "es"
    patient.save(update_fields=["language"])
    client = client_for(patient)
    page = client.get(reverse("journal:account-settings"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert page.status_code == 200
    assert _lang(page) == "es"
    assert page["Content-Language"] == "es"
    patient.language = "en"
    patient.save(update_fields=["language"])
    page = client.get(reverse("journal:account-settings"), HTTP_ACCEPT_LANGUAGE="es")
    assert _lang(page) == "en"


def test_account_settings_change_the_language_and_say_so_in_the_audit(patient) -> None:
    client = client_for(patient)
    url = reverse("journal:account-settings")
    response = client.post(
        url,
        {
            "display_name": patient.display_name,
            "time_zone": patient.time_zone,
            "language": "es",
            "idle_timeout_minutes": "",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.language == "es"
    assert _lang(client.get(url)) == "es"
    event = AuditEvent.objects.filter(action="account.settings_change", subject=patient).latest(
        "id"
    )
    assert event.detail == {"fields": ["language"]}
    # An unknown language is refused with a message, and nothing changes.
    refused = client.post(
        url,
        {"display_name": "Other", "time_zone": patient.time_zone, "language": "xx"},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["language"]
    patient.refresh_from_db()
    assert (patient.language, patient.display_name) == ("es", "Pat Patient")


def test_a_form_without_the_language_field_keeps_the_language(patient) -> None:
    patient.language = "es"
    patient.save(update_fields=["language"])
    response = client_for(patient).post(
        reverse("journal:account-settings"),
        {"display_name": "Renamed", "time_zone": patient.time_zone},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.language, patient.display_name) == ("es", "Renamed")


def test_enrollment_keeps_the_language_the_enrollment_page_was_read_in(
    clinic_admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user, link = services.create_account(
            actor=clinic_admin,
            email="nueva@example.test",
            display_name="Persona Nueva",
            role=Role.PATIENT,
        )
    token = link.rstrip("/").rsplit("/", 1)[-1]
    browser = client_for(None)
    browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.8"
    form_url = browser.get(reverse("enroll", args=[token]))["Location"]
    page = browser.get(form_url)
    assert _lang(page) == "es"
    assert page.context["form"].initial["language"] == "es"
    response = browser.post(
        form_url,
        {"password1": PASSWORD, "password2": PASSWORD, "time_zone": "America/Chicago"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "es"
    # From now on the account's language wins, on any browser.
    assert _lang(client_for(user).get(reverse("journal:account-settings"))) == "es"


def test_existing_accounts_read_english(patient: User) -> None:
    assert User.objects.get(pk=patient.pk).language == "en"


def test_cache_keys_of_translated_output_name_the_language(patient) -> None:
    scope = own_scope(patient)
    today = timezone.localdate()
    period = make_period(today, today, patient.zone, key="30d")
    keys = {}
    for lang in ("en", "es"):
        with translation.override(lang):
            keys[lang] = (
                chartdata.version_key("p", scope, period, "v1"),
                chartdata.chart_cache_key(patient, "mood", period, [1, 2]),
            )
    assert keys["en"][0] != keys["es"][0]
    assert keys["en"][1] != keys["es"][1]


def _catalogue(tmp_path: Path, entries: list[polib.POEntry]) -> Path:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
    for entry in entries:
        po.append(entry)
    path = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    po.save(str(path))
    return path


def test_compile_translations_builds_what_gettext_reads(tmp_path, settings) -> None:
    path = _catalogue(
        tmp_path,
        [
            polib.POEntry(msgid="Mood", msgstr="Estado de ánimo"),
            polib.POEntry(msgid="Draft", msgstr="Borrador", flags=["fuzzy"]),
        ],
    )
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_translations", stdout=open("/dev/null", "w"))  # noqa: SIM115
    mo = polib.mofile(str(path.with_suffix(".mo")))
    compiled = {e.msgid: e.msgstr for e in mo}
    assert compiled["Mood"] == "Estado de ánimo"
    assert "Draft" not in compiled  # a fuzzy guess is never shown, as msgfmt does
    with pytest.raises(CommandError, match="1 fuzzy"):
        call_command("compile_translations", "--check", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_console_invites_in_the_language_the_admin_chose(
    clinic_admin, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:journal_user_add"),
            {
                "email": "ana@example.test",
                "display_name": "Ana Nueva",
                "role": "patient",
                "time_zone": "America/Chicago",
                "language": "es",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="ana@example.test")
    assert user.language == "es"
    (invitation,) = [m for m in mail.outbox if "/enroll/" in m.body]
    with translation.override("es"):
        spanish_subject = gettext("Your %(clinic)s Aftercare account")
    assert spanish_subject != "Your %(clinic)s Aftercare account"
    assert invitation.subject.startswith(spanish_subject.split("%(clinic)s")[0])
    assert "Hello" not in invitation.body and "Ana Nueva" in invitation.body


def test_a_password_reset_email_is_in_the_accounts_language_not_the_pages(patient) -> None:
    from django.core import mail

    patient.language = "es"
    patient.save(update_fields=["language"])
    client = client_for(None)
    response = client.post(
        reverse("password_reset"), {"email": patient.email}, HTTP_ACCEPT_LANGUAGE="en-US"
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    with translation.override("es"):
        from django.template.loader import render_to_string

        subject = render_to_string("registration/password_reset_subject.txt").strip()
    assert message.subject == subject
    assert "Reset your Aftercare password" not in message.subject


def test_a_stored_band_reads_in_the_readers_language_and_stays_english_in_the_row(
    patient,
) -> None:
    from journal.services.journal import submit_questionnaire

    response = submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[1, 1, 1, 1, 1, 0, 0, 0, 0],
        completed_at=timezone.now(),
    )
    assert response.band == "Mild"
    client = client_for(patient)
    url = reverse("journal:questionnaire-detail", args=[response.pk])
    assert "<strong>Mild</strong>" in client.get(url).content.decode()
    patient.language = "es"
    patient.save(update_fields=["language"])
    with translation.override("es"):
        spanish = response.band_label
    assert spanish != "Mild"
    assert f"<strong>{spanish}</strong>" in client.get(url).content.decode()
    listed = client.get(reverse("journal:questionnaire-list")).content.decode()
    assert f"<td>{spanish}</td>" in listed and "<td>Mild</td>" not in listed
    response.refresh_from_db()
    assert response.band == "Mild"
