"""Export pages and downloads, for the patient and for a provider within a share."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from journal import services
from journal.models import AccessEvent
from tests.conftest import client_for
from tests.factories import EXPORT_NOTE, FORMULA_NOTE, export_journal


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.content))


def _assert_download(response, content_type: str, kind: str, ext: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="aftercare-{kind}-')
    assert disposition.endswith(f'.{ext}"')
    assert "no-store" in response["Cache-Control"]


def test_the_export_page_offers_every_format_and_the_data_rights(patient) -> None:
    response = client_for(patient).get(reverse("journal:export"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("export-pdf", "export-csv", "export-fhir", "export-all", "account-delete"):
        assert reverse(f"journal:{name}") in html
    assert 'for="id_start"' in html and "style=" not in html and "<script>" not in html


def test_the_patient_downloads_a_pdf_summary(patient) -> None:
    export_journal(patient)
    response = client_for(patient).get(reverse("journal:export-pdf"))
    _assert_download(response, "application/pdf", "summary", "pdf")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert patient.display_name in text and "185/95" in text


def test_the_patient_downloads_csv_files_with_private_notes(patient) -> None:
    export_journal(patient)
    response = client_for(patient).get(reverse("journal:export-csv"))
    _assert_download(response, "application/zip", "csv", "zip")
    with _zip(response) as archive:
        assert "readings.csv" in archive.namelist()
        checkins = archive.read("checkins.csv").decode("utf-8")
    assert "'" + FORMULA_NOTE.replace('"', '""') in checkins


def test_the_patient_downloads_a_valid_fhir_bundle(patient) -> None:
    export_journal(patient)
    response = client_for(patient).get(reverse("journal:export-fhir"))
    _assert_download(response, "application/fhir+json", "fhir", "json")
    Bundle.model_validate_json(response.content)


def test_a_period_limits_the_export(patient) -> None:
    export_journal(patient, days_ago=40)
    export_journal(patient, days_ago=3)
    today = timezone.now().astimezone(patient.zone).date()
    start = today - timedelta(days=10)
    response = client_for(patient).get(
        reverse("journal:export-csv"), {"start": start.isoformat(), "end": today.isoformat()}
    )
    with _zip(response) as archive:
        sessions = archive.read("sessions.csv").decode("utf-8").strip().splitlines()
    assert len(sessions) == 2  # header and the recent session only


def test_impossible_dates_get_a_clear_message_and_no_download(patient) -> None:
    response = client_for(patient).get(
        reverse("journal:export-pdf"), {"start": "2025-05-10", "end": "2025-05-01"}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "The last day must be on or after the first day." in response.content.decode()
    response = client_for(patient).get(reverse("journal:export-csv"), {"start": "not a date"})
    assert response.status_code == 400


def test_download_everything_holds_pdf_csv_and_fhir(patient) -> None:
    export_journal(patient, days_ago=400)
    response = client_for(patient).get(reverse("journal:export-all"))
    _assert_download(response, "application/zip", "everything", "zip")
    with _zip(response) as archive:
        names = archive.namelist()
        pdf = next(n for n in names if n.endswith(".pdf"))
        fhir = next(n for n in names if n.endswith(".json"))
        assert {"csv/sessions.csv", "csv/readings.csv", "README.txt"} <= set(names)
        assert PdfReader(io.BytesIO(archive.read(pdf))).pages
        Bundle.model_validate_json(archive.read(fhir))
        # All time: a session from more than a year ago is included.
        assert len(archive.read("csv/sessions.csv").decode().strip().splitlines()) == 2


def test_the_patients_own_exports_are_not_access_events(patient) -> None:
    client = client_for(patient)
    for name in ("export-pdf", "export-csv", "export-fhir"):
        client.get(reverse(f"journal:{name}"))
    assert not AccessEvent.objects.exists()
    # Except "download everything", listed so a download from a stolen session shows.
    client.get(reverse("journal:export-all"))
    assert list(AccessEvent.objects.values_list("actor", "what")) == [
        (patient.pk, "export everything")
    ]


def _share(patient, provider, categories):
    return services.grant_share(patient=patient, provider=provider, categories=categories)


def test_a_providers_csv_holds_only_the_shared_categories(patient, provider) -> None:
    export_journal(patient)
    _share(patient, provider, ["blood_pressure"])
    url = reverse("journal:provider-export-csv", args=[patient.pk])
    response = client_for(provider).get(url)
    _assert_download(response, "application/zip", "csv", "zip")
    with _zip(response) as archive:
        names = set(archive.namelist())
        content = b"".join(archive.read(n) for n in names).decode("utf-8")
    assert names == {"sessions.csv", "readings.csv", "flags.csv", "README.txt"}
    assert "floaty" not in content and "HYPERLINK" not in content
    assert "Clinic note" not in content


def test_a_providers_fhir_and_pdf_hold_only_the_shared_categories(patient, provider) -> None:
    export_journal(patient)
    _share(patient, provider, ["mood", "notes"])
    client = client_for(provider)
    fhir = client.get(reverse("journal:provider-export-fhir", args=[patient.pk]))
    _assert_download(fhir, "application/fhir+json", "fhir", "json")
    bundle = json.loads(fhir.content)
    Bundle.model_validate(bundle)
    raw = json.dumps(bundle, ensure_ascii=False)
    assert "85354-9" not in raw and "side-effect" not in raw
    notes = [n["text"] for e in bundle["entry"] for n in e["resource"].get("note", [])]
    assert notes == [EXPORT_NOTE] and "HYPERLINK" not in raw
    pdf = client.get(reverse("journal:provider-export-pdf", args=[patient.pk]))
    _assert_download(pdf, "application/pdf", "summary", "pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Mood and questionnaires" in text
    assert "Side effects by session" not in text and "Blood pressure" not in text
    assert "Mood over time" in text  # the dashboard's own chart, embedded as vector text


def test_a_blood_pressure_only_pdf_has_no_mood_chart(patient, provider) -> None:
    export_journal(patient)
    _share(patient, provider, ["blood_pressure"])
    pdf = client_for(provider).get(reverse("journal:provider-export-pdf", args=[patient.pk]))
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "185/95" in text
    assert "Mood over time" not in text and "Mood (0 worst" not in text


def test_every_provider_export_writes_an_access_event(patient, provider) -> None:
    export_journal(patient)
    share = _share(patient, provider, ["mood", "side_effects", "blood_pressure"])
    client = client_for(provider)
    for kind in ("pdf", "csv", "fhir"):
        assert (
            client.get(reverse(f"journal:provider-export-{kind}", args=[patient.pk])).status_code
            == 200
        )
    events = list(AccessEvent.objects.filter(patient=patient, actor=provider).order_by("pk"))
    assert len(events) == 3
    assert all(e.share_id == share.pk and e.what.startswith("export") for e in events)


def test_a_provider_without_a_share_or_after_revocation_gets_404(patient, provider) -> None:
    export_journal(patient)
    url = reverse("journal:provider-export-csv", args=[patient.pk])
    assert client_for(provider).get(url).status_code == 404
    share = _share(patient, provider, ["blood_pressure"])
    assert client_for(provider).get(url).status_code == 200
    services.revoke_share(patient=patient, share=share)
    assert client_for(provider).get(url).status_code == 404
    assert AccessEvent.objects.filter(actor=provider).count() == 1


def test_a_provider_export_with_bad_dates_returns_to_the_summary(patient, provider) -> None:
    _share(patient, provider, ["mood"])
    url = reverse("journal:provider-export-pdf", args=[patient.pk])
    response = client_for(provider).get(url, {"start": "2025-02-30"})
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:provider-patient", args=[patient.pk])
    assert not AccessEvent.objects.filter(actor=provider, what__startswith="export").exists()


def test_a_provider_export_starts_where_the_share_starts(patient, provider) -> None:
    export_journal(patient, days_ago=3)
    today = timezone.now().astimezone(patient.zone).date()
    services.grant_share(
        patient=patient, provider=provider, categories=["blood_pressure"], starts_on=today
    )
    response = client_for(provider).get(reverse("journal:provider-export-csv", args=[patient.pk]))
    with _zip(response) as archive:
        readings = archive.read("readings.csv").decode("utf-8").strip().splitlines()
    assert readings == [readings[0]]  # the header only: the readings predate the share


def _pdf_text(response) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_the_providers_pdf_covers_the_period_chosen_on_the_summary_page(patient, provider) -> None:
    export_journal(patient, days_ago=60)  # the 185/95 reading, 60 days old
    _share(patient, provider, ["blood_pressure"])
    client = client_for(provider)
    summary = client.get(reverse("journal:provider-patient", args=[patient.pk]), {"period": "30"})
    pdf_url = reverse("journal:provider-export-pdf", args=[patient.pk])
    assert f'href="{pdf_url}?period=30"' in summary.content.decode()
    assert "185/95" not in _pdf_text(client.get(pdf_url, {"period": "30"}))
    assert "185/95" in _pdf_text(client.get(pdf_url, {"period": "90"}))
    assert "185/95" in _pdf_text(client.get(pdf_url))  # no period: the last 90 days


def test_an_unknown_period_returns_to_the_summary_with_a_message(patient, provider) -> None:
    _share(patient, provider, ["mood"])
    url = reverse("journal:provider-export-pdf", args=[patient.pk])
    response = client_for(provider).get(url, {"period": "7"})
    assert response.status_code == 302


def test_a_repeat_pdf_shows_what_changed_since_and_its_own_creation_time(patient, provider) -> None:
    """The PDF's data is cached under the patient's data version: a new reading, a provider's
    acknowledgement and a narrower share all show in the next download, which carries the
    time it was made, not the first download's."""
    from freezegun import freeze_time

    from journal.models import Flag

    export_journal(patient)
    share = _share(patient, provider, ["mood", "blood_pressure"])
    client = client_for(provider)
    url = reverse("journal:provider-export-pdf", args=[patient.pk])

    def text() -> str:
        pdf = client.get(url)
        assert pdf.status_code == 200
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)

    first = text()
    assert "203/131" not in first
    with freeze_time(timezone.now() + timedelta(minutes=7)):
        services.add_reading(
            patient=patient,
            measured_at=timezone.now() - timedelta(minutes=5),
            systolic=203,
            diastolic=131,
            context="home",
        )
        second = text()
    assert "203/131" in second
    stamp = (timezone.now() + timedelta(minutes=7)).astimezone(patient.zone).strftime("%H:%M")
    assert stamp in second and stamp not in first
    assert "No open flags in this period." not in second
    for flag in Flag.objects.filter(patient=patient, acknowledged_at__isnull=True):
        services.acknowledge_flag(provider=provider, flag=flag, disposition="reviewed", note="")
    assert "No open flags in this period." in text()
    services.revoke_share(patient=patient, share=share)
    _share(patient, provider, ["mood"])
    narrowed = text()
    assert "203/131" not in narrowed and "Blood pressure" not in narrowed


def test_a_repeat_pdf_reuses_its_layout_until_the_data_changes(patient, monkeypatch) -> None:
    from journal.exports import pdf

    export_journal(patient)
    measures = []
    measure = pdf._measure
    monkeypatch.setattr(pdf, "_measure", lambda bands: measures.append(1) or measure(bands))
    client = client_for(patient)
    url = reverse("journal:export-pdf")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert len(measures) == 1
    services.add_reading(
        patient=patient,
        measured_at=timezone.now() - timedelta(minutes=5),
        systolic=128,
        diastolic=84,
        context="home",
    )
    assert client.get(url).status_code == 200
    assert len(measures) == 2
    # Another period is another layout.
    assert client.get(url, {"period": "30"}).status_code == 200
    assert len(measures) == 3
