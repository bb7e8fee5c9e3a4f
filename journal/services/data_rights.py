"""The patient's data rights: ask for erasure, change one's mind by logging in, and erasure.

Asking deactivates the account at once and sets `User.erasure_due_at` to now plus the clinic's
grace period (`ClinicSettings.erasure_grace_days`). Logging in again before then cancels the
request (`cancel_erasure_for_credentials`, called by the log-in flow *before* authentication,
because a deactivated account cannot authenticate). `erase_due_accounts` (run by
`manage.py erase_due`) then deletes every journal row of the account, its shares, flags,
revisions and the access events about it, and strips the account to an anonymous shell so
the audit log can still say that the erasure happened (never what was erased).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeGuard

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import (
    AccessEvent,
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    EmailChangeRequest,
    EntryRevision,
    Flag,
    Invitation,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    PostSessionReport,
    PushSubscription,
    QuestionnaireResponse,
    Role,
    Share,
    SubmissionToken,
    SymptomRating,
    TreatmentSession,
    User,
)
from journal.services import audit_chain
from journal.services.audit import record_audit
from journal.services.devices import end_sessions

# Deleted in this order; cascades take the symptom ratings and share events with them.
ERASED_MODELS = (
    Flag,
    EntryRevision,
    AccessEvent,
    Share,
    QuestionnaireResponse,
    BloodPressureReading,
    CheckIn,
    PostSessionReport,
    TreatmentSession,
)


def erasure_due(now: datetime | None = None) -> datetime:
    """When an erasure asked for at `now` takes effect (now + the clinic's grace days)."""
    return (now or timezone.now()) + timedelta(days=ClinicSettings.load().erasure_grace_days)


@transaction.atomic
def request_erasure(
    *, user: User, password: str, ip: str | None = None, now: datetime | None = None
) -> datetime:
    """Deactivate the patient's account now and schedule erasure of their journal; returns
    when it will happen. The password is checked again here (ValidationError if wrong)."""
    if user.role != Role.PATIENT or not user.is_active:
        raise ValidationError(_("Only an active patient account can be deleted here."))
    if not user.check_password(password):
        record_audit(
            action="account.erasure_requested", actor=user, subject=user, ip=ip, outcome="failure"
        )
        raise ValidationError({"password": _("That password is not right. Nothing was changed.")})
    now = now or timezone.now()
    due = erasure_due(now)
    user.is_active = False
    user.deactivated_at = now
    user.erasure_due_at = due
    user.save(update_fields=["is_active", "deactivated_at", "erasure_due_at"])
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    end_sessions(user)
    record_audit(
        action="account.erasure_requested",
        actor=user,
        subject=user,
        ip=ip,
        detail={"erasure_due_at": due.isoformat()},
    )
    return due


def _pending(user: User | None, now: datetime) -> TypeGuard[User]:
    return bool(
        user is not None
        and not user.is_active
        and user.erasure_due_at is not None
        and user.erasure_due_at > now
    )


@transaction.atomic
def cancel_erasure(*, user: User, ip: str | None = None, now: datetime | None = None) -> bool:
    """Cancel a pending erasure and reactivate the account (False if none was pending)."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if not _pending(user, now):
        return False
    user.is_active = True
    user.deactivated_at = None
    user.erasure_due_at = None
    user.save(update_fields=["is_active", "deactivated_at", "erasure_due_at"])
    record_audit(action="account.erasure_cancelled", actor=user, subject=user, ip=ip)
    return True


def cancel_erasure_for_credentials(
    *, email: str, password: str, ip: str | None = None, now: datetime | None = None
) -> bool:
    """Log-in hook: if these credentials belong to an account waiting for erasure, cancel the
    erasure and reactivate it so the normal log-in can go ahead. Call before authenticating
    (and after any lock-out check); returns whether an erasure was cancelled."""
    now = now or timezone.now()
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if not _pending(user, now) or not user.check_password(password or ""):
        return False
    return cancel_erasure(user=user, ip=ip, now=now)


def _forget_in_framework_logs(user: User, emails: set[str], erased_email: str) -> None:
    """Pseudonymise the person in the admin's and axes' own tables, which keep names and emails."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    shell = f"Erased account {user.pk}"
    about_user = Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    mentions = Q()
    for email in emails:
        mentions |= Q(object_repr__icontains=email)
    LogEntry.objects.filter(about_user | mentions).update(object_repr=shell)
    if not apps.is_installed("axes"):
        return
    names = Q()
    for email in emails:
        names |= Q(username__iexact=email)
    # Lockout counters also keep the posted form; an erased account cannot log in anyway.
    apps.get_model("axes", "AccessAttempt").objects.filter(names).delete()
    for model in ("AccessLog", "AccessFailureLog"):
        apps.get_model("axes", model).objects.filter(names).update(username=erased_email)


def _delete_mfa_devices(user: User) -> None:
    # Second-factor secrets are account data too; the apps may not be installed everywhere.
    for label, model in (("otp_totp", "TOTPDevice"), ("otp_static", "StaticDevice")):
        if apps.is_installed(f"django_otp.plugins.{label}"):
            apps.get_model(label, model).objects.filter(user=user).delete()


def _erase_notifications(user: User) -> int:
    # The person's own reminders, choices and push subscriptions go. Alerts providers received
    # about this patient's flags stay as the clinic's record (who, when, channel), without the
    # link that named the patient; unsent ones are cancelled.
    alerts = Notification.objects.filter(kind=NotificationKind.FLAG_ALERT, flag__patient=user)
    alerts.filter(status=NotificationStatus.PENDING).update(
        status=NotificationStatus.CANCELLED, error="The patient's account was erased."
    )
    alerts.update(link="")
    NotificationPreference.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
    deleted, _ = Notification.objects.filter(recipient=user).delete()
    return deleted


@transaction.atomic
def erase_account(*, user: User, now: datetime | None = None) -> dict[str, int] | None:
    """Delete every journal row of `user`, their shares, flags, revisions and access events,
    and reduce the account to an anonymous, unusable shell; audited (counts only). None when
    the account is no longer due (reactivated or cancelled meanwhile)."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active or user.erasure_due_at is None or user.erasure_due_at > now:
        return None
    counts = {
        "symptom_ratings": SymptomRating.objects.filter(report__patient=user).count()
        + SymptomRating.objects.filter(checkin__patient=user).count()
    }
    erased_access_ids = list(AccessEvent.objects.filter(patient=user).values_list("pk", flat=True))
    counts["notification"] = _erase_notifications(user)
    for model in ERASED_MODELS:
        if model is AccessEvent:  # append-only: the one sanctioned delete, keeping the chain
            counts["accessevent"] = audit_chain.erase_access_events(
                AccessEvent.objects.filter(patient=user)
            )
            continue
        deleted, _ = model.objects.filter(patient=user).delete()
        counts[model.__name__.lower()] = deleted  # its `_meta.model_name`
    emails = {
        user.email,
        *EmailChangeRequest.objects.filter(user=user).values_list("new_email", flat=True),
    }
    Invitation.objects.filter(user=user).delete()
    EmailChangeRequest.objects.filter(user=user).delete()
    SubmissionToken.objects.filter(user=user).delete()
    _delete_mfa_devices(user)
    end_sessions(user)
    user.email = f"erased-{user.pk}@erased.invalid"
    user.display_name = f"Erased account {user.pk}"
    user.set_unusable_password()
    user.is_active = False
    user.erasure_due_at = None
    user.idle_timeout_minutes = None
    user.save()
    _forget_in_framework_logs(user, {e for e in emails if e}, user.email)
    record_audit(
        action="account.erased",
        subject=user,
        # Ids only: `verify_audit` checks each erased access row against this list.
        detail={"rows": counts, "erased_access_ids": erased_access_ids},
    )
    return counts


def accounts_due_for_erasure(now: datetime | None = None) -> list[User]:
    """Deactivated patient accounts whose erasure time has come."""
    return list(
        User.objects.filter(
            role=Role.PATIENT, is_active=False, erasure_due_at__lte=now or timezone.now()
        ).order_by("erasure_due_at", "pk")
    )


def erase_due_accounts(*, now: datetime | None = None) -> list[int]:
    """Erase every account whose grace period has ended; returns their ids."""
    now = now or timezone.now()
    erased = []
    # One transaction per account: a failure leaves the others done and this one untouched.
    for user in accounts_due_for_erasure(now):
        if erase_account(user=user, now=now) is not None:
            erased.append(user.pk)
    return erased
