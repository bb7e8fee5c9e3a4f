"""Deactivating a provider pauses every share with them; reactivation does not resume them.
Each patient is told (sharing page, share history, an email without health information) and
only the patient resumes a share, once the provider's account is open again."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from journal import services
from journal.models import AccessEvent, ShareCategory, ShareEvent
from journal.services.notices import SHARING_UPDATE_SUBJECT
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def share(patient, provider):
    return services.grant_share(patient=patient, provider=provider, categories=ShareCategory.values)


def _deactivate(clinic_admin, provider, capture):
    with capture(execute=True):
        services.deactivate_account(actor=clinic_admin, user=provider)


def test_deactivation_pauses_the_share_and_tells_the_patient_without_phi(
    share, patient, provider, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    _deactivate(clinic_admin, provider, django_capture_on_commit_callbacks)
    share.refresh_from_db()
    assert share.paused_at is not None and share.revoked_at is None
    assert ShareEvent.objects.filter(share=share, action="paused").exists()
    notices = [m for m in mail.outbox if m.subject == SHARING_UPDATE_SUBJECT]
    assert [m.to for m in notices] == [[patient.email]]
    assert provider.display_name not in notices[0].body
    page = client_for(patient).get(reverse("journal:share-list")).content.decode()
    assert "Paused" in page and "closed this provider" in page
    assert "Resume sharing" not in page  # not while the account is closed


def test_reactivation_keeps_the_share_paused_until_the_patient_resumes(
    share, patient, provider, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    _deactivate(clinic_admin, provider, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reactivate_account(actor=clinic_admin, user=provider)
    assert [m.to for m in mail.outbox if m.subject == SHARING_UPDATE_SUBJECT] == [[patient.email]]
    provider.refresh_from_db()
    doctor = client_for(provider)
    patient_page = reverse("journal:provider-patient", args=[patient.pk])
    assert doctor.get(patient_page).status_code == 404
    assert not AccessEvent.objects.filter(actor=provider, patient=patient).exists()

    client = client_for(patient)
    assert "Resume sharing" in client.get(reverse("journal:share-list")).content.decode()
    response = client.post(reverse("journal:share-resume", args=[share.pk]))
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.paused_at is None
    assert ShareEvent.objects.filter(share=share, action="resumed").exists()
    assert doctor.get(patient_page).status_code == 200


def test_a_share_cannot_resume_while_the_provider_is_deactivated(
    share, patient, provider, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    _deactivate(clinic_admin, provider, django_capture_on_commit_callbacks)
    response = client_for(patient).post(
        reverse("journal:share-resume", args=[share.pk]), follow=True
    )
    assert "still closed" in response.content.decode()
    share.refresh_from_db()
    assert share.paused_at is not None


def test_another_patient_cannot_resume_it(
    share, other_patient, provider, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    _deactivate(clinic_admin, provider, django_capture_on_commit_callbacks)
    services.reactivate_account(actor=clinic_admin, user=provider)
    response = client_for(other_patient).post(reverse("journal:share-resume", args=[share.pk]))
    assert response.status_code == 404
    share.refresh_from_db()
    assert share.paused_at is not None
