"""Account services: creation, enrollment links, deactivation, clinic settings."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from journal.models import ClinicSettings, Invitation, Role, User
from journal.notifications import planning
from journal.services import sharing, standings
from journal.services.audit import record_audit
from journal.services.devices import end_sessions

# --- Accounts and enrollment --------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Kept in English (tests and callers compare them); raised in the reader's language.
CONTACTS_MISSING = gettext_noop(
    "Set the clinic phone and the after-hours number in Clinic settings before enrolling "
    "patients: every safety notice a patient sees gives both numbers."
)
CONTACTS_IN_USE = gettext_noop(
    "Patients are enrolled, and every safety notice they see gives this number: replace it "
    "rather than leave it blank."
)


def require_clinic_contacts(*, role: str) -> None:
    """Refuse to enroll a patient until the clinic phone and after-hours number are set.

    Staff accounts (providers, clinic admins) are not held back: a clinic needs them to set up.
    """
    if role == Role.PATIENT and not ClinicSettings.load_thresholds().contacts_complete:
        raise ValidationError(_(CONTACTS_MISSING), code="clinic_contacts_missing")


def check_clinic_contacts_kept(*, changes: dict[str, object]) -> None:
    """Refuse to blank the clinic phone or the after-hours number while active patients rely
    on it in their safety notices (`changes`: setting name -> new value)."""
    blanked = [
        name
        for name in ("clinic_phone", "after_hours_phone")
        if name in changes and not str(changes[name] or "").strip()
    ]
    if blanked and User.objects.filter(role=Role.PATIENT, is_active=True).exists():
        raise ValidationError({name: _(CONTACTS_IN_USE) for name in blanked})


def enrollment_url(token: str) -> str:
    """The absolute link a person follows to set their password."""
    return settings.SITE_URL + reverse("enroll", kwargs={"token": token})


@transaction.atomic
def create_account(
    *,
    actor: User | None,
    email: str,
    display_name: str,
    role: str,
    time_zone: str = "America/New_York",
    ip: str | None = None,
    send_link: bool = True,
    language: str | None = None,
) -> tuple[User, str]:
    """Create a patient/provider/admin account without a password and return it with an
    enrollment link (also emailed, in `language` when given, else the default; unless
    `send_link` is False: demo data follows the link itself)."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    require_clinic_contacts(role=role)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        time_zone=time_zone,
        is_staff=role == Role.ADMIN,
    )
    if language is not None:
        user.language = language
    if role == Role.PROVIDER:
        user.provider_code = _new_provider_code()
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record_audit(action="account.create", actor=actor, subject=user, ip=ip, detail={"role": role})
    link = issue_invitation(actor=actor, user=user, ip=ip, send_link=send_link)
    return user, link


def _new_provider_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(6))
        if not User.objects.filter(provider_code=code).exists():
            return code


def issue_invitation(
    *, actor: User | None, user: User, ip: str | None = None, send_link: bool = True
) -> str:
    """Revoke earlier links, make a new single-use expiring one, email it (when `send_link`),
    return the URL. Refused (and the refusal audited) once the person has enrolled; refused for
    a patient while the clinic's phone or after-hours number is missing."""
    if not user.is_active:
        raise ValidationError(_("This account is deactivated; reactivate it before inviting."))
    if user.has_enrolled:
        # Whoever holds an enrollment link chooses the password: never for an enrolled account.
        record_audit(
            action="enrollment.link_issued", actor=actor, subject=user, ip=ip, outcome="refused"
        )
        raise ValidationError(_(ALREADY_ENROLLED))
    require_clinic_contacts(role=user.role)
    return _issue_invitation(actor=actor, user=user, ip=ip, send_link=send_link)


def enrollment_message(user: User, clinic_name: str, hours: int, link: str) -> tuple[str, str]:
    """Subject and body of the enrollment email, in the invited person's language."""
    with translation.override(user.language):
        values = {"clinic": clinic_name, "name": user.display_name, "hours": hours, "link": link}
        subject = _("Your %(clinic)s Aftercare account") % values
        body = (
            ngettext(
                "Hello %(name)s,\n\n"
                "%(clinic)s has created an Aftercare account for you.\n"
                "Follow this link within %(hours)s hour to choose your password:\n\n%(link)s\n\n"
                "The link works once. If it has expired, ask the clinic for a new one.\n",
                "Hello %(name)s,\n\n"
                "%(clinic)s has created an Aftercare account for you.\n"
                "Follow this link within %(hours)s hours to choose your password:\n\n"
                "%(link)s\n\n"
                "The link works once. If it has expired, ask the clinic for a new one.\n",
                hours,
            )
            % values
        )
    return subject, body


@transaction.atomic
def _issue_invitation(*, actor: User | None, user: User, ip: str | None, send_link: bool) -> str:
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    hours = ClinicSettings.load().enrollment_link_hours
    Invitation.objects.create(
        user=user,
        token_hash=_hash_token(token),
        created_by=actor if actor is not None and actor.pk else None,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    link = enrollment_url(token)
    clinic = ClinicSettings.load()
    if send_link:
        subject, body = enrollment_message(user, clinic.clinic_name, hours, link)
        transaction.on_commit(
            lambda: send_mail(
                subject=subject,
                message=body,
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        )
    record_audit(action="enrollment.link_issued", actor=actor, subject=user, ip=ip)
    return link


ALREADY_ENROLLED = gettext_noop(
    "This person has already enrolled, so no enrollment link can be sent. If they lost "
    "access, send them a password reset email (it goes to their own address)."
)


class InvitationError(Exception):
    """An enrollment link that cannot be used; `reason` is one of unknown/used/expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_invitation(token: str) -> Invitation:
    """The usable invitation for a raw token, or InvitationError saying why not."""
    invitation = (
        Invitation.objects.select_related("user").filter(token_hash=_hash_token(token)).first()
    )
    if invitation is None:
        raise InvitationError("unknown")
    if invitation.used_at is not None or invitation.revoked_at is not None:
        raise InvitationError("used")
    if not invitation.user.is_active:
        raise InvitationError("unknown")
    if invitation.user.has_enrolled:
        raise InvitationError("used")
    if timezone.now() >= invitation.expires_at:
        raise InvitationError("expired")
    return invitation


@transaction.atomic
def accept_invitation(
    *,
    token: str,
    password: str,
    time_zone: str,
    language: str | None = None,
    ip: str | None = None,
) -> User:
    """Use an enrollment link once: set the password, time zone and (when given) the language
    the person reads the app in."""
    invitation = find_invitation(token)
    # Lock the row so two tabs submitting the same link cannot both succeed.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    user = invitation.user
    if invitation.used_at is not None or invitation.revoked_at is not None or user.has_enrolled:
        raise InvitationError("used")
    validate_password(password, user)
    user.time_zone = time_zone
    if language is not None:
        user.language = language
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    standings.refresh([user.pk])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=invitation.used_at
    )
    # The baseline questionnaire is asked from the moment of enrollment, in the chosen zone.
    planning.replan_after_commit(user)
    record_audit(
        action="enrollment.completed",
        actor=user,
        subject=user,
        ip=ip,
        detail={"link_issued_by": invitation.created_by_id},
    )
    return user


@transaction.atomic
def deactivate_account(*, actor: User | None, user: User, ip: str | None = None) -> None:
    """Stop an account: no log-in, open sessions end, pending enrollment links are revoked."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    now = timezone.now()
    user.is_active = False
    user.deactivated_at = now
    user.save(update_fields=["is_active", "deactivated_at"])
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    end_sessions(user)
    if user.role == Role.PROVIDER:
        sharing.pause_provider_shares(actor=actor, provider=user, now=now)
    record_audit(action="account.deactivate", actor=actor, subject=user, ip=ip)


@transaction.atomic
def reactivate_account(*, actor: User | None, user: User, ip: str | None = None) -> None:
    """Allow an account to log in again."""
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    # Paused shares stay paused: each patient decides whether to resume (and is told they can).
    if user.role == Role.PROVIDER:
        sharing.tell_patients_provider_is_back(provider=user)
    record_audit(action="account.reactivate", actor=actor, subject=user, ip=ip)


@transaction.atomic
def update_account(
    *,
    actor: User | None,
    user: User,
    display_name: str,
    time_zone: str,
    ip: str | None = None,
) -> list[str]:
    """Change an account's name and time zone (the metadata the console may edit); audited
    with the names of the fields that changed. Returns those names."""
    # Compared with the stored row: `user` may already carry the new values (an admin form).
    stored = User.objects.select_for_update().get(pk=user.pk)
    values = {"display_name": display_name.strip(), "time_zone": time_zone}
    changed = sorted(name for name, value in values.items() if getattr(stored, name) != value)
    for name, value in values.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(values))
    if "time_zone" in changed:
        standings.refresh([user.pk])
        planning.replan_after_commit(user)
    record_audit(
        action="account.update", actor=actor, subject=user, ip=ip, detail={"fields": changed}
    )
    return changed


@transaction.atomic
def change_role(*, actor: User | None, user: User, role: str, ip: str | None = None) -> None:
    """Give an account another role (staff access follows the role); audited from → to."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    previous = user.role
    if previous == role:
        return
    require_clinic_contacts(role=role)
    user.role = role
    user.is_staff = role == Role.ADMIN
    fields = ["role", "is_staff"]
    if role == Role.PROVIDER and not user.provider_code:
        user.provider_code = _new_provider_code()
        fields.append("provider_code")
    user.full_clean(exclude=["password"])
    user.save(update_fields=fields)
    record_audit(
        action="account.role_change",
        actor=actor,
        subject=user,
        ip=ip,
        detail={"from": previous, "to": role},
    )


@transaction.atomic
def update_clinic_settings(
    *, actor: User | None, values: dict[str, object], ip: str | None = None
) -> ClinicSettings:
    """Change clinic settings/thresholds; the audit log keeps old and new values. The clinic
    phone and after-hours number cannot be blanked while active patients rely on them."""
    row = ClinicSettings.load()
    changed: dict[str, list[object]] = {}
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            changed[name] = [old, value]
            setattr(row, name, value)
    check_clinic_contacts_kept(changes={name: new for name, (_, new) in changed.items()})
    row.full_clean()
    row.save()
    if changed:
        record_audit(
            action="clinic.settings_change",
            actor=actor,
            ip=ip,
            detail={k: [str(a), str(b)] for k, (a, b) in changed.items()},
        )
    return row
