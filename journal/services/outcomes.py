"""Outcome writes: a sharing provider marks which questionnaire is a patient's baseline."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal import permissions
from journal.http import current_client_ip
from journal.models import MarkedBaseline, Share, ShareCategory, User
from journal.services.audit import record_audit


def _check(provider: User, share: Share) -> None:
    if not (provider.is_provider and provider.is_active and share.provider_id == provider.pk):
        raise PermissionDenied("Only the provider of this share marks a baseline.")
    if not permissions.share_scope(share).allows(ShareCategory.MOOD):
        raise PermissionDenied("The share does not include mood & questionnaires.")


@transaction.atomic
def mark_baseline(*, provider: User, share: Share, questionnaire_id: int) -> MarkedBaseline:
    """Make a questionnaire the share's patient's baseline for its instrument, in place of the
    automatic one (DESIGN.md §3b). Only a questionnaire the share shows; one mark per patient
    and instrument (a later mark replaces it). Audited; the patient sees who marked it."""
    _check(provider, share)
    questionnaire = (
        permissions.shared_questionnaires(share).filter(pk=questionnaire_id).first()
        if isinstance(questionnaire_id, int)
        else None
    )
    if questionnaire is None:
        raise ValidationError(_("Choose one of this patient's shared questionnaires."))
    mark, _created = MarkedBaseline.objects.update_or_create(
        patient=share.patient,
        instrument=questionnaire.instrument,
        defaults={
            "questionnaire": questionnaire,
            "marked_by": provider,
            "marked_at": timezone.now(),
        },
    )
    record_audit(
        action="outcome.baseline_marked",
        actor=provider,
        subject=share.patient,
        ip=current_client_ip(),
        detail={"instrument": questionnaire.instrument, "questionnaire_id": questionnaire.pk},
    )
    return mark


@transaction.atomic
def clear_baseline(*, provider: User, share: Share, instrument: str) -> bool:
    """Go back to the automatic baseline for `instrument`. Audited when a mark was removed."""
    _check(provider, share)
    deleted, _ = MarkedBaseline.objects.filter(
        patient=share.patient, instrument=instrument
    ).delete()
    if deleted:
        record_audit(
            action="outcome.baseline_cleared",
            actor=provider,
            subject=share.patient,
            ip=current_client_ip(),
            detail={"instrument": instrument},
        )
    return bool(deleted)
