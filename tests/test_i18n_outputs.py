"""Issue 22: what the app writes outside its pages speaks the reader's language.

Charts (titles, axis names, legends, month names) are drawn in the active language and cached
per language; the PDF summary is in the language of whoever downloads it; CSV and FHIR keep
English columns, codes and labels for every reader; reminder emails and push payloads are in
the recipient's `User.language`, and still carry no journal content.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

import http_ece
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time
from pypdf import PdfReader

from journal import chartdata, services
from journal.chartdata import parse_period
from journal.charts import CHARTS, ChartSpec, mood_chart, side_effect_chart
from journal.charts.types import MoodDay, MoodSeries, SessionColumn, SeverityMatrix
from journal.exports import csv_export, fhir
from journal.exports.data import read_export_data
from journal.models import Channel, Notification, NotificationPreference
from journal.notifications import jobs, planning
from journal.permissions import own_scope
from tests import test_notification_push as push_tests
from tests.conftest import client_for
from tests.factories import export_journal
from tests.test_notification_email import NOW, fill_journal
from tests.test_notification_push import due_push, subscribe

# The push tests' fixtures: a VAPID key, a local push service and a browser's keys.
vapid = push_tests.vapid
service = push_tests.service
browser_keys = push_tests.browser_keys

# --- Charts -------------------------------------------------------------------------------

JANUARY = [date(2026, 1, 5) + timedelta(days=i) for i in range(20)]


def _mood() -> MoodSeries:
    return MoodSeries(
        first_day=JANUARY[0],
        last_day=JANUARY[-1],
        days=tuple(MoodDay(d, (i * 3) % 11, 1, 5.0, 4.0, 2.0) for i, d in enumerate(JANUARY)),
        sessions=(JANUARY[2],),
    )


def _in(language: str, draw) -> str:
    with translation.override(language):
        return draw().decode()


def test_a_chart_is_drawn_in_the_active_language() -> None:
    english = _in("en", lambda: mood_chart(_mood()))
    spanish = _in("es", lambda: mood_chart(_mood()))
    for words in ("Mood over time", "7-day average", "Daily mood", "Anxiety", "Session", "Jan"):
        assert words in english, words
    for words in (
        "Estado de ánimo a lo largo del tiempo",
        "Promedio de 7 días",
        "Estado de ánimo diario",
        "Ansiedad",
        "Sesión",
        "5 Ene",  # the day axis's month names are Spanish too
    ):
        assert words in spanish, words
    for words in ("Mood over time", "7-day average", "Daily mood", "Jan"):
        assert words not in spanish, words


def test_the_heat_maps_months_and_key_are_in_the_active_language() -> None:
    matrix = SeverityMatrix(
        columns=(SessionColumn(date(2026, 1, 6), "IV"), SessionColumn(date(2026, 4, 6), "IV")),
        rows=(("nausea", "Nausea"),),
        values=((2, 3),),
    )
    english = _in("en", lambda: side_effect_chart(matrix))
    spanish = _in("es", lambda: side_effect_chart(matrix))
    assert "Jan" in english and "Apr" in english and "0 None · 1 Mild" in english
    assert "Ene" in spanish and "Abr" in spanish and "0 Ninguno · 1 Leve" in spanish
    assert "Efectos secundarios después de cada sesión" in spanish


def test_the_chart_list_reads_its_titles_and_alt_text_in_the_active_language() -> None:
    with translation.override("es"):
        assert CHARTS["blood-pressure"].title == "Presión arterial"
        assert CHARTS["mood"].alt.startswith("Gráfico de líneas")
    with translation.override("en"):
        assert CHARTS["blood-pressure"].title == "Blood pressure"


def test_the_same_chart_is_cached_once_per_language(patient, monkeypatch) -> None:
    services.log_checkin(patient=patient, recorded_at=datetime.now(UTC), mood=6)
    scope, period = own_scope(patient), parse_period("30", patient.zone)
    with translation.override("en"):
        english = chartdata.chart_svg(scope, "mood", period)
    with translation.override("es"):
        spanish = chartdata.chart_svg(scope, "mood", period)
    assert english != spanish
    assert b"Mood over time" in english and "Estado de ánimo".encode() in spanish
    # Both stay cached: drawing again would fail, and each language gets its own picture.
    spec = CHARTS["mood"]

    def no_render(data, **variant) -> bytes:
        raise AssertionError("drawn again instead of read from the cache")

    monkeypatch.setitem(
        CHARTS, "mood", ChartSpec(spec.name, spec.title_text, spec.category, no_render, spec.alt)
    )
    data = chartdata.chart_data(scope, "mood", period)
    for language, svg in (("en", english), ("es", spanish)):
        with translation.override(language):
            assert chartdata.chart_svg(scope, "mood", period) == svg
            # The content key (the second level) holds it too.
            key = chartdata.chart_cache_key(patient, "mood", period, data)
            assert key.split(":")[2] == language
            from django.core.cache import cache

            assert cache.get(key) == svg


def test_period_names_follow_the_active_language() -> None:
    with translation.override("es"):
        period = parse_period("90", UTC, today=date(2026, 3, 1))  # type: ignore[arg-type]
        assert period.label == "los últimos 90 días"
        assert chartdata.PERIODS["all"].button == "Todo"
    with translation.override("en"):
        assert period.label == "the last 90 days"
        assert chartdata.PERIODS["all"].button == "All"


# --- PDF, CSV and FHIR --------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_is_in_the_language_of_whoever_downloads_it(patient, provider) -> None:
    export_journal(patient)
    patient.language = "es"
    patient.save(update_fields=["language"])
    services.grant_share(
        patient=patient, provider=provider, categories=["mood", "side_effects", "blood_pressure"]
    )
    own = client_for(patient).get(reverse("journal:export-pdf"))
    assert own.status_code == 200
    spanish = _pdf_text(own.content)
    for words in (
        f"Resumen de Aftercare: {patient.display_name}",
        "Efectos secundarios por sesión",
        "Presión arterial",
        "Estado de ánimo y cuestionarios",
        "Avisos abiertos",
        "Temas principales para hablar",
        "no se supervisa en tiempo real",
        "Estado de ánimo a lo largo del tiempo",  # the chart, drawn in Spanish
    ):
        assert words in spanish, words
    for words in ("Aftercare summary", "Side effects by session", "Top things to discuss"):
        assert words not in spanish, words

    assert provider.language == "en"
    theirs = client_for(provider).get(reverse("journal:provider-export-pdf", args=[patient.pk]))
    assert theirs.status_code == 200
    english = _pdf_text(theirs.content)
    for words in (
        f"Aftercare summary: {patient.display_name}",
        "Side effects by session",
        "Top things to discuss",
        "Mood over time",
    ):
        assert words in english, words
    for words in ("Resumen de Aftercare", "Efectos secundarios", "Estado de ánimo"):
        assert words not in english, words


def _csv_files(response) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def _without_bundle_id(bundle: dict) -> dict:
    return {k: v for k, v in bundle.items() if k not in ("id", "timestamp")}


def test_csv_and_fhir_keep_english_columns_and_codes_for_a_spanish_patient(patient) -> None:
    export_journal(patient)
    client = client_for(patient)
    english_csv = _csv_files(client.get(reverse("journal:export-csv")))
    english_fhir = json.loads(client.get(reverse("journal:export-fhir")).content)
    patient.language = "es"
    patient.save(update_fields=["language"])
    spanish_csv = _csv_files(client.get(reverse("journal:export-csv")))
    spanish_fhir = json.loads(client.get(reverse("journal:export-fhir")).content)
    assert spanish_csv == english_csv
    assert spanish_csv["symptom_ratings.csv"][0] == [
        "id",
        "report_id",
        "checkin_id",
        "code",
        "label",
        "severity",
    ]
    assert spanish_csv["readings.csv"][0][4] == "context"
    assert _without_bundle_id(spanish_fhir) == _without_bundle_id(english_fhir)
    raw = json.dumps(spanish_fhir, ensure_ascii=False)
    assert '"display": "Before dose"' in raw and '"text": "Blood pressure"' in raw
    assert "Blood pressure panel with all children optional" in raw


def test_csv_and_fhir_read_translated_labels_in_english(patient, monkeypatch) -> None:
    """A label from the catalogue (here one the Spanish catalogue translates) is written in
    English in a CSV or FHIR file even while Spanish is active."""
    export_journal(patient)
    data = read_export_data(own_scope(patient))
    label = translation.gettext
    monkeypatch.setattr(csv_export, "symptom_label", lambda code: label("Blood pressure"))
    monkeypatch.setattr(fhir, "symptom_label", lambda code: label("Blood pressure"))
    with translation.override("es"):
        assert translation.gettext("Blood pressure") == "Presión arterial"  # the probe works
        files = csv_export.csv_files(data)
        bundle = fhir.fhir_json(data).decode()
    ratings = files["symptom_ratings.csv"].decode()
    assert "Blood pressure" in ratings and "Presión" not in ratings
    assert "Blood pressure" in bundle and "Presión" not in bundle


# --- Emails and push ----------------------------------------------------------------------


@pytest.fixture
def frozen():
    with freeze_time(NOW) as frozen_time:
        yield frozen_time


def test_a_reminder_email_is_in_the_recipients_language_without_phi(
    frozen, personas, other_patient
) -> None:
    spanish_patient, english_patient = personas.patient, other_patient
    spanish_patient.language = "es"
    spanish_patient.save(update_fields=["language"])
    phi = fill_journal(spanish_patient) + fill_journal(english_patient)
    for person in (spanish_patient, english_patient):
        NotificationPreference.objects.update_or_create(
            user=person, defaults={"checkin_channel": Channel.EMAIL}
        )
    with translation.override("en"):  # whatever the worker's own language
        planning.plan_reminders(NOW)
        jobs.dispatch(NOW + timedelta(hours=9))  # 19:00 in New York: the check-in reminder
    by_person = {
        person: [m for m in mail.outbox if person.email in m.to and "Aftercare" in m.subject]
        for person in (spanish_patient, english_patient)
    }
    spanish = [m for m in by_person[spanish_patient] if "registro diario" in m.subject]
    english = [m for m in by_person[english_patient] if "check-in" in m.subject]
    assert [m.subject for m in spanish] == ["Aftercare: es hora del registro diario de esta noche"]
    assert [m.subject for m in english] == ["Aftercare: time for this evening's check-in"]
    assert "no se supervisa en tiempo real" in spanish[0].body
    assert "Dejar de recibir estos correos" in spanish[0].body
    assert "not monitored in real time" in english[0].body
    for message in by_person[spanish_patient]:
        assert "evening" not in message.subject and "Stop these emails" not in message.body
    for message in spanish + english:
        visible = "\n".join(
            line for line in f"{message.subject}\n{message.body}".splitlines() if "http" not in line
        )
        for value in phi:
            assert value not in visible, value


def test_an_on_call_alert_is_in_the_clinics_language(settings, patient) -> None:
    from journal.notifications import channels

    settings.LANGUAGE_CODE = "es"
    row = Notification(address="oncall@clinic.example", kind="flag_alert", link="/provider/")
    message = channels.build_email([row])
    assert message.subject == "Aftercare: un aviso espera revisión"
    settings.LANGUAGE_CODE = "en"
    assert channels.build_email([row]).subject == "Aftercare: a flag awaits review"


def _decrypted(push_service, keys) -> list[dict]:
    private, _, auth = keys
    return [
        json.loads(
            http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
        )
        for _, _, body in push_service.received
    ]


def test_a_push_is_in_the_recipients_language_without_phi(
    vapid, service, browser_keys, personas
) -> None:
    spanish_patient, english_patient = personas.patient, personas.other_patient
    spanish_patient.language = "es"
    spanish_patient.save(update_fields=["language"])
    with freeze_time(NOW):
        phi = fill_journal(spanish_patient)
    subscribe(spanish_patient, service, browser_keys, path="/push/es")
    subscribe(english_patient, service, browser_keys, path="/push/en")
    due_push(spanish_patient)
    due_push(english_patient)
    with translation.override("en"):
        assert jobs.dispatch() == 2
    payloads = {
        path: payload
        for (path, _, _), payload in zip(
            service.received, _decrypted(service, browser_keys), strict=True
        )
    }
    assert payloads["/push/es"]["title"] == "Aftercare: es hora del registro diario de esta noche"
    assert payloads["/push/es"]["body"].startswith("Un registro diario breve")
    assert payloads["/push/en"]["title"] == "Aftercare: time for this evening's check-in"
    spanish = json.dumps(payloads["/push/es"], ensure_ascii=False)
    for value in phi:
        assert value not in spanish, value
