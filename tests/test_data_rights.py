"""The patient's data rights: delete my account (with a grace period), and erasure."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from journal import services
from journal.models import (
    AccessEvent,
    AuditEvent,
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    EntryRevision,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    Share,
    ShareEvent,
    SymptomRating,
    TreatmentSession,
    User,
)
from journal.security.sessions import REAUTH_AT
from journal.services import data_rights
from tests.conftest import PASSWORD, client_for
from tests.factories import export_journal

JOURNAL_MODELS = (
    TreatmentSession,
    PostSessionReport,
    CheckIn,
    BloodPressureReading,
    QuestionnaireResponse,
    Flag,
    EntryRevision,
    Share,
    AccessEvent,
)
START = "2026-03-02 15:00:00+00:00"


def _recently_authenticated(user: User) -> Client:
    client = client_for(user)
    session = client.session
    session[REAUTH_AT] = time.time()
    session.save()
    return client


def _log_in(user: User) -> bool:
    """Log in through the real log-in page; True when it let the person in."""
    response = Client().post(reverse("login"), {"username": user.email, "password": PASSWORD})
    return response.status_code == 302


def _rows(patient: User) -> dict[str, int]:
    counts = {m.__name__: m.objects.filter(patient=patient).count() for m in JOURNAL_MODELS}
    counts["SymptomRating"] = (
        SymptomRating.objects.filter(report__patient=patient).count()
        + SymptomRating.objects.filter(checkin__patient=patient).count()
    )
    counts["ShareEvent"] = ShareEvent.objects.filter(share__patient=patient).count()
    return counts


def _full_journal(patient: User, provider: User) -> None:
    """Every kind of row erasure must remove: entries, a revision, a share, an access event."""
    entries = export_journal(patient)
    services.edit_checkin(
        patient=patient,
        checkin=entries["checkin"],
        expected_version=entries["checkin"].version,
        recorded_at=entries["checkin"].recorded_at,
        mood=6,
    )
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    services.record_access(actor=provider, patient=patient, share=share, what="summary")


def test_deleting_the_account_asks_for_recent_authentication_first(patient) -> None:
    client = client_for(patient)
    session = client.session
    session[REAUTH_AT] = time.time() - 3600  # logged in an hour ago
    session.save()
    response = client.get(reverse("journal:account-delete"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("journal:reauth"))


def test_the_delete_page_explains_the_grace_period(patient) -> None:
    response = _recently_authenticated(patient).get(reverse("journal:account-delete"))
    assert response.status_code == 200
    assert "After 30 days" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_wrong_password_changes_nothing(patient) -> None:
    client = _recently_authenticated(patient)
    response = client.post(
        reverse("journal:account-delete"), {"password": "not it", "understood": "on"}
    )
    assert response.status_code == 400
    assert "That password is not right" in response.content.decode()
    patient.refresh_from_db()
    assert patient.is_active and patient.erasure_due_at is None


def test_the_box_must_be_ticked(patient) -> None:
    client = _recently_authenticated(patient)
    response = client.post(reverse("journal:account-delete"), {"password": PASSWORD})
    assert response.status_code == 400
    patient.refresh_from_db()
    assert patient.is_active


@freeze_time(START)
def test_deleting_closes_the_account_at_once_and_schedules_erasure(patient) -> None:
    client = _recently_authenticated(patient)
    response = client.post(
        reverse("journal:account-delete"), {"password": PASSWORD, "understood": "on"}, follow=True
    )
    # Redirected (so a resubmission cannot ask twice) to log-in, which says what happens next.
    assert response.redirect_chain[0][0] == reverse("login")
    assert "Your account is closed" in response.content.decode()
    assert "erased on 1 April 2026 at 11:00 (America/New_York time)" in response.content.decode()
    patient.refresh_from_db()
    assert not patient.is_active
    assert patient.erasure_due_at == timezone.now() + timedelta(days=30)
    assert AuditEvent.objects.filter(action="account.erasure_requested", subject=patient).exists()
    # Logged out: the next page sends them to log in.
    next_page = client.get(reverse("journal:export"))
    assert next_page.status_code == 302 and next_page["Location"].startswith(reverse("login"))


def test_the_clinics_grace_period_is_used(patient) -> None:
    ClinicSettings.objects.filter(pk=ClinicSettings.load().pk).update(erasure_grace_days=7)
    with freeze_time(START):
        due = data_rights.request_erasure(user=patient, password=PASSWORD)
        assert due == timezone.now() + timedelta(days=7)


def test_only_patients_can_ask_for_erasure_here(provider) -> None:
    with pytest.raises(ValidationError):
        data_rights.request_erasure(user=provider, password=PASSWORD)


def test_erasure_waits_for_the_grace_period_then_removes_the_journal_and_nothing_else(
    patient, other_patient, provider
) -> None:
    with freeze_time(START):
        _full_journal(patient, provider)
        _full_journal(other_patient, provider)
        before = _rows(patient)
        others_before = _rows(other_patient)
        assert all(before.values()), before
        audit_before = AuditEvent.objects.count()
        data_rights.request_erasure(user=patient, password=PASSWORD)

    with freeze_time("2026-04-01 14:59:59+00:00"):  # one second before the 30 days are up
        assert data_rights.erase_due_accounts() == []
        assert _rows(patient) == before

    with freeze_time("2026-04-01 15:00:00+00:00"):
        assert data_rights.erase_due_accounts() == [patient.pk]

    assert not any(_rows(patient).values()), _rows(patient)
    assert _rows(other_patient) == others_before
    assert User.objects.filter(pk=other_patient.pk, is_active=True).exists()
    # The audit log keeps every earlier entry and says that the erasure happened.
    assert AuditEvent.objects.count() == audit_before + 2
    erased = AuditEvent.objects.get(action="account.erased")
    assert erased.subject_id == patient.pk
    assert "Pat" not in str(erased.detail)
    # The account is an anonymous shell that can never log in.
    patient.refresh_from_db()
    assert patient.email == f"erased-{patient.pk}@erased.invalid"
    assert "Pat" not in patient.display_name
    assert not patient.has_usable_password() and not patient.is_active


def test_erasing_twice_is_harmless(patient) -> None:
    with freeze_time(START):
        export_journal(patient)
        data_rights.request_erasure(user=patient, password=PASSWORD)
    with freeze_time("2026-05-01"):
        assert data_rights.erase_due_accounts() == [patient.pk]
        assert data_rights.erase_due_accounts() == []
    assert AuditEvent.objects.filter(action="account.erased").count() == 1


def test_logging_in_during_the_grace_period_cancels_the_erasure(patient) -> None:
    with freeze_time(START):
        export_journal(patient)
        data_rights.request_erasure(user=patient, password=PASSWORD)
    assert not _log_in(patient)

    with freeze_time("2026-03-20"):
        assert not data_rights.cancel_erasure_for_credentials(
            email=patient.email, password="wrong password"
        )
        assert data_rights.cancel_erasure_for_credentials(
            email=patient.email.upper(), password=PASSWORD
        )
        patient.refresh_from_db()
        assert patient.is_active and patient.erasure_due_at is None
        assert AuditEvent.objects.filter(action="account.erasure_cancelled").exists()
        assert _log_in(patient)

    with freeze_time("2026-06-01"):
        assert data_rights.erase_due_accounts() == []
    assert TreatmentSession.objects.filter(patient=patient).exists()


def test_after_the_grace_period_logging_in_cannot_undo_it(patient) -> None:
    with freeze_time(START):
        data_rights.request_erasure(user=patient, password=PASSWORD)
    with freeze_time("2026-04-02"):
        assert not data_rights.cancel_erasure_for_credentials(
            email=patient.email, password=PASSWORD
        )
    patient.refresh_from_db()
    assert not patient.is_active


def test_an_account_the_clinic_deactivated_is_not_reopened_by_the_login_hook(personas) -> None:
    assert not data_rights.cancel_erasure_for_credentials(
        email=personas.deactivated.email, password=PASSWORD
    )
    personas.deactivated.refresh_from_db()
    assert not personas.deactivated.is_active


def test_the_erase_due_command_reports_what_it_did(patient, capsys) -> None:
    ClinicSettings.objects.filter(pk=ClinicSettings.load().pk).update(erasure_grace_days=0)
    export_journal(patient)
    data_rights.request_erasure(user=patient, password=PASSWORD)
    call_command("erase_due", "--dry-run")
    assert "1 account(s) due" in capsys.readouterr().out
    assert TreatmentSession.objects.filter(patient=patient).exists()
    call_command("erase_due")
    assert "Erased 1 account(s)." in capsys.readouterr().out
    assert not TreatmentSession.objects.filter(patient=patient).exists()
