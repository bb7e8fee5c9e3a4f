"""Sharing services: grant, change and revoke shares; expiry history; flag acknowledgement;
access events. Every share change appends a `ShareEvent`; every read of a patient's data by
someone else appends an `AccessEvent`. Both trails are append-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.http import current_client_ip, current_user_agent
from journal.models import (
    AccessEvent,
    Flag,
    FlagDisposition,
    Role,
    Share,
    ShareCategory,
    ShareEvent,
    User,
)
from journal.permissions import (
    SHARE_FIELD_BY_CATEGORY,
    flags_visible_to,
    patient_today,
    shared_categories,
)
from journal.services import audit_chain, notices, standings
from journal.services.audit import record_audit

GRANTED = "granted"
CHANGED = "changed"
REVOKED = "revoked"
EXPIRED = "expired"
PAUSED = "paused"
RESUMED = "resumed"


def _clean_categories(categories: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(categories)
    unknown = chosen - set(ShareCategory.values)
    if unknown:
        raise ValidationError(
            {
                "categories": _("Unknown category: %(categories)s.")
                % {"categories": ", ".join(sorted(unknown))}
            }
        )
    if not chosen:
        raise ValidationError(
            {"categories": _("Choose at least one kind of information to share.")}
        )
    return chosen


def _check_dates(
    *, patient: User, starts_on: date | None, expires_on: date | None, now: datetime
) -> None:
    if starts_on and expires_on and expires_on < starts_on:
        raise ValidationError({"expires_on": _("The end date must be on or after the start date.")})
    if expires_on and expires_on < patient_today(patient, now):
        raise ValidationError({"expires_on": _("The end date cannot be in the past.")})


def _snapshot(share: Share) -> dict[str, object]:
    return {
        "categories": sorted(shared_categories(share)),
        "starts_on": share.starts_on.isoformat() if share.starts_on else None,
        "expires_on": share.expires_on.isoformat() if share.expires_on else None,
    }


def _event(*, share: Share, action: str, actor: User | None, at: datetime, detail: dict) -> None:
    event = ShareEvent(share=share, action=action, actor=actor, at=at, detail=detail)
    event.full_clean()
    event.save()
    # The share history is the patient's view; the audit trail is the clinic's, hash-chained.
    record_audit(
        action=f"share.{action}",
        actor=actor,
        subject=share.patient,
        ip=current_client_ip(),
        detail={"share_id": share.pk, "provider_id": share.provider_id},
    )


def _apply_categories(share: Share, categories: frozenset[str]) -> None:
    for category, field in SHARE_FIELD_BY_CATEGORY.items():
        setattr(share, field, category in categories)


@transaction.atomic
def grant_share(
    *,
    patient: User,
    provider: User,
    categories: Iterable[str],
    starts_on: date | None = None,
    expires_on: date | None = None,
    now: datetime | None = None,
) -> Share:
    """Share the chosen categories with one active provider, optionally from/until local dates."""
    now = now or timezone.now()
    if not patient.is_patient or not patient.is_active:
        raise PermissionDenied("Only patients can share their journal.")
    if not (provider.is_provider and provider.is_active):
        raise ValidationError({"provider": _("Choose an active provider of this clinic.")})
    chosen = _clean_categories(categories)
    _check_dates(patient=patient, starts_on=starts_on, expires_on=expires_on, now=now)
    # Lock the patient's row so two simultaneous grants cannot both pass the duplicate check.
    User.objects.select_for_update().filter(pk=patient.pk).first()
    today = patient_today(patient, now)
    current = Share.objects.filter(patient=patient, provider=provider, revoked_at__isnull=True)
    if current.exclude(expires_on__lt=today).exists():
        raise ValidationError(
            {
                "provider": _("You already share with %(provider)s. Change that share instead.")
                % {"provider": provider}
            }
        )
    share = Share(
        patient=patient,
        provider=provider,
        starts_on=starts_on,
        expires_on=expires_on,
        created_at=now,
        updated_at=now,
    )
    _apply_categories(share, chosen)
    share.full_clean()
    share.save()
    standings.refresh([patient.pk])
    _event(share=share, action=GRANTED, actor=patient, at=now, detail=_snapshot(share))
    return share


@transaction.atomic
def update_share(
    *,
    patient: User,
    share: Share,
    categories: Iterable[str],
    starts_on: date | None,
    expires_on: date | None,
    now: datetime | None = None,
) -> bool:
    """Change what, from when and until when a share covers; returns False when nothing changed."""
    now = now or timezone.now()
    share = Share.objects.select_for_update().select_related("patient").get(pk=share.pk)
    if share.patient_id != patient.pk:
        raise PermissionDenied("Only the patient who granted a share can change it.")
    if share.revoked_at is not None:
        raise ValidationError(
            _("This share was revoked and cannot be changed. Share again instead.")
        )
    chosen = _clean_categories(categories)
    _check_dates(patient=patient, starts_on=starts_on, expires_on=expires_on, now=now)
    before = _snapshot(share)
    _apply_categories(share, chosen)
    share.starts_on = starts_on
    share.expires_on = expires_on
    after = _snapshot(share)
    if after == before:
        return False
    share.updated_at = now
    share.full_clean()
    share.save()
    standings.refresh([share.patient_id])
    _event(share=share, action=CHANGED, actor=patient, at=now, detail={"before": before, **after})
    return True


@transaction.atomic
def revoke_share(*, patient: User, share: Share, now: datetime | None = None) -> Share:
    """End a share at once; the provider's next request is refused. Revoking twice is a no-op."""
    now = now or timezone.now()
    share = Share.objects.select_for_update().select_related("patient").get(pk=share.pk)
    if share.patient_id != patient.pk:
        raise PermissionDenied("Only the patient who granted a share can revoke it.")
    if share.revoked_at is None:
        share.revoked_at = now
        share.updated_at = now
        share.save(update_fields=["revoked_at", "updated_at"])
        _event(share=share, action=REVOKED, actor=patient, at=now, detail=_snapshot(share))
    return share


def pause_provider_shares(
    *, actor: User | None, provider: User, now: datetime | None = None
) -> list[Share]:
    """Pause every live share with `provider` (their account is being deactivated): nothing
    is readable through it until the patient resumes it. Each patient is told (share history,
    their sharing page and an email without health information)."""
    now = now or timezone.now()
    shares = list(
        Share.objects.select_for_update()
        .select_related("patient")
        .filter(provider=provider, revoked_at__isnull=True, paused_at__isnull=True)
    )
    for share in shares:
        share.paused_at = share.updated_at = now
        share.save(update_fields=["paused_at", "updated_at"])
        _event(
            share=share,
            action=PAUSED,
            actor=actor,
            at=now,
            detail={**_snapshot(share), "reason": "provider_deactivated"},
        )
    patients = {share.patient for share in shares}
    transaction.on_commit(lambda: notices.send_sharing_update(patients))
    return shares


def tell_patients_provider_is_back(*, provider: User) -> int:
    """Email each patient whose share with `provider` is paused that they may resume it."""
    patients = {
        share.patient
        for share in Share.objects.select_related("patient").filter(
            provider=provider, revoked_at__isnull=True, paused_at__isnull=False
        )
    }
    transaction.on_commit(lambda: notices.send_sharing_update(patients))
    return len(patients)


@transaction.atomic
def resume_share(*, patient: User, share: Share, now: datetime | None = None) -> Share:
    """The patient resumes a paused share; only once its provider's account is active again."""
    now = now or timezone.now()
    share = Share.objects.select_for_update().select_related("patient", "provider").get(pk=share.pk)
    if share.patient_id != patient.pk:
        raise PermissionDenied("Only the patient who granted a share can resume it.")
    if share.paused_at is None or share.revoked_at is not None:
        return share
    if not share.provider.is_active:
        raise ValidationError(
            _(
                "This provider's account is still closed at the clinic, so sharing cannot "
                "resume yet."
            )
        )
    share.paused_at = None
    share.updated_at = now
    share.save(update_fields=["paused_at", "updated_at"])
    _event(share=share, action=RESUMED, actor=patient, at=now, detail=_snapshot(share))
    return share


def share_expiry_instant(share: Share) -> datetime | None:
    """The instant a share's expiry takes effect: the end of its last local day."""
    if share.expires_on is None:
        return None
    next_day = share.expires_on + timedelta(days=1)
    return datetime.combine(next_day, time.min, tzinfo=share.patient.zone)


@transaction.atomic
def record_expired_shares(
    *, patient: User | None = None, provider: User | None = None, now: datetime | None = None
) -> int:
    """Append an "expired" event (dated at the expiry instant) for each share whose end date
    has passed and whose current expiry is not yet in the history; returns how many."""
    now = now or timezone.now()
    candidates = Share.objects.filter(
        revoked_at__isnull=True,
        expires_on__isnull=False,
        expires_on__lt=now.date() + timedelta(days=1),
    ).select_related("patient")
    if patient is not None:
        candidates = candidates.filter(patient=patient)
    if provider is not None:
        candidates = candidates.filter(provider=provider)
    expired: list[tuple[Share, date, datetime]] = []
    for share in candidates:
        at = share_expiry_instant(share)
        assert share.expires_on is not None and at is not None  # `expires_on__isnull=False`
        if at <= now:
            expired.append((share, share.expires_on, at))
    if not expired:
        return 0
    recorded = {
        (share_id, detail.get("expires_on"))
        for share_id, detail in ShareEvent.objects.filter(
            share__in=[s for s, _, _ in expired], action=EXPIRED
        ).values_list("share_id", "detail")
    }
    new = [
        ShareEvent(
            share=s,
            action=EXPIRED,
            actor=None,
            at=at,
            detail=_snapshot(s),
        )
        for s, expires_on, at in expired
        if (s.pk, expires_on.isoformat()) not in recorded
    ]
    ShareEvent.objects.bulk_create(new)
    return len(new)


ACKNOWLEDGEMENT_NOTE_MAX = 2000


@transaction.atomic
def acknowledge_flag(
    *,
    provider: User,
    flag: Flag,
    disposition: str,
    note: str = "",
    now: datetime | None = None,
) -> bool:
    """Record that a provider dealt with a flag: who, when, what they did (`FlagDisposition`)
    and an optional note the patient does not see. The first acknowledgement stands (returns
    False for a later one). Audited with the disposition, never the note. The caller has
    checked the provider may see the flag (`get_shared_flag_or_404`)."""
    acknowledged = _acknowledge(
        provider=provider, flag=flag, disposition=disposition, note=note, now=now
    )
    if acknowledged:
        standings.refresh([flag.patient_id])
    return acknowledged


def _acknowledge(
    *, provider: User, flag: Flag, disposition: str, note: str, now: datetime | None
) -> bool:
    """`acknowledge_flag` without recounting the triage standing (the callers do, once)."""
    if not (provider.is_provider and provider.is_active):
        raise PermissionDenied("Only providers acknowledge flags.")
    if disposition not in FlagDisposition.values:
        raise ValidationError({"disposition": _("Choose what you did about this flag.")})
    note = note.strip()
    if len(note) > ACKNOWLEDGEMENT_NOTE_MAX:
        raise ValidationError(
            {
                "note": _("Keep the note to %(limit_value)d characters (it has %(show_value)d).")
                % {"limit_value": ACKNOWLEDGEMENT_NOTE_MAX, "show_value": len(note)}
            }
        )
    updated = Flag.objects.filter(pk=flag.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=provider,
        acknowledged_at=now or timezone.now(),
        disposition=disposition,
        acknowledgement_note=note,
    )
    flag.refresh_from_db(
        fields=["acknowledged_by", "acknowledged_at", "disposition", "acknowledgement_note"]
    )
    if updated:
        record_audit(
            action="flag.acknowledge",
            actor=provider,
            subject=flag.patient,
            ip=current_client_ip(),
            detail={
                "flag_id": flag.pk,
                "kind": flag.kind,
                "severity": flag.severity,
                "disposition": disposition,
                "withdrawn": flag.withdrawn_at is not None,
            },
        )
    return bool(updated)


def acknowledge_flags(
    *,
    provider: User,
    flags: Iterable[Flag],
    disposition: str,
    note: str = "",
    now: datetime | None = None,
) -> list[Flag]:
    """Acknowledge several flags with one disposition and note, all or nothing: every flag must
    be visible to `provider` through an active share now (else PermissionDenied and nothing is
    recorded). Each acknowledgement is audited as `acknowledge_flag` audits one; flags already
    acknowledged keep their first acknowledgement. Returns the flags this call acknowledged."""
    chosen = list({flag.pk: flag for flag in flags}.values())
    if not chosen:
        raise ValidationError({"flag": _("Choose at least one flag.")})
    when = now or timezone.now()
    with transaction.atomic():
        visible = set(
            flags_visible_to(provider)
            .filter(pk__in=[flag.pk for flag in chosen])
            .values_list("pk", flat=True)
        )
        if len(visible) != len(chosen):
            raise PermissionDenied("A chosen flag is not shared with this provider.")
        acknowledged = [
            flag
            for flag in chosen
            if _acknowledge(
                provider=provider, flag=flag, disposition=disposition, note=note, now=when
            )
        ]
        standings.refresh({flag.patient_id for flag in acknowledged})
        return acknowledged


def record_access(
    *,
    actor: User,
    patient: User,
    what: str,
    share: Share | None = None,
    path: str = "",
    ip: str | None = None,
) -> AccessEvent | None:
    """Append a read of `patient`'s data by someone else (page, chart, export); the patient's own
    reads are not access events (returns None). `what` codes get their plain wording for the
    patient in `journal/access_wording.py`."""
    if actor.pk == patient.pk:
        return None
    if patient.role != Role.PATIENT:
        raise ValueError("Access events are about patients' data.")
    event = AccessEvent(
        actor=actor,
        patient=patient,
        share=share,
        what=what[:64],
        path=path[:300],
        ip=ip or None,
        user_agent=current_user_agent(),
    )
    # The related rows were just loaded by the caller; validating them again costs 3 queries.
    event.full_clean(exclude=["actor", "patient", "share"])
    audit_chain.append([event])
    return event


def record_list_access(
    *, actor: User, shares: Iterable[Share], what: str, path: str = "", ip: str | None = None
) -> int:
    """Append one access event per patient shown in a list (one INSERT for the whole list), all
    at the one instant of the read."""
    user_agent = current_user_agent()
    now = timezone.now()
    events = [
        AccessEvent(
            at=now,
            actor_id=actor.pk,
            patient_id=s.patient_id,
            share_id=s.pk,
            what=what[:64],
            path=path[:300],
            ip=ip or None,
            user_agent=user_agent,
        )
        for s in shares
        if s.patient_id != actor.pk
    ]
    audit_chain.append(events)
    return len(events)
