"""Security services: MFA devices and codes, password/email changes, account preferences and
login unlocks; a change of password or MFA ends the other sessions (`services.devices`). Every
change is atomic and audited; no secret (password, code, recovery code, key) ever reaches the
audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from journal.models import EmailChangeRequest, Role, User
from journal.notifications import planning
from journal.services import standings
from journal.services.audit import record_audit
from journal.services.devices import end_sessions

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = len(StaticToken.random_token())  # 8 base32 characters
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


# --- MFA devices -------------------------------------------------------------------------


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_mfa(user: User) -> bool:
    """True when the user has a confirmed authenticator app (MFA is on)."""
    return bool(user.is_authenticated and user.pk) and (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def remaining_recovery_codes(user: User) -> int:
    """How many unused recovery codes the user has left."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def start_totp_setup(*, user: User) -> TOTPDevice:
    """The pending (unconfirmed) authenticator device for set-up; made once and reused so the
    QR code stays the same across page reloads."""
    if confirmed_totp_device(user) is not None:
        raise ValidationError(_("Two-step verification is already set up."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _issue_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


class CodeThrottled(Exception):
    """Too many wrong codes in a row: no code is checked until `until`."""

    def __init__(self, until: datetime | None) -> None:
        super().__init__(f"Code checks paused until {until}")
        self.until = until


def confirm_totp_setup(
    *, user: User, token: str, keep_session_key: str | None = None, ip: str | None = None
) -> tuple[TOTPDevice, list[str]] | None:
    """Check the first code from the new authenticator; on success switch MFA on, end the
    user's other sessions and return the device with fresh recovery codes (shown once);
    otherwise None (failure audited). Raises CodeThrottled while django-otp's back-off after
    wrong codes lasts, so a right code is not reported as a wrong one."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if pending is None or confirmed_totp_device(user) is not None:
        return None
    allowed, info = pending.verify_is_allowed()
    if not allowed:
        record_audit(action="mfa.setup", actor=user, subject=user, ip=ip, outcome="throttled")
        raise CodeThrottled((info or {}).get("locked_until"))
    token = normalise_code(token)
    # verify_token locks the row, so two tabs cannot confirm the same code twice.
    device = verify_token(user, pending.persistent_id, token)
    if device is None:
        record_audit(action="mfa.setup", actor=user, subject=user, ip=ip, outcome="failure")
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _issue_recovery_codes(user)
        end_sessions(user, keep_session_key=keep_session_key)
        record_audit(action="mfa.setup", actor=user, subject=user, ip=ip)
    return device, codes


@transaction.atomic
def remove_mfa(
    *, actor: User, user: User, keep_session_key: str | None = None, ip: str | None = None
) -> None:
    """Delete the user's authenticator and recovery codes and end their other sessions
    (providers/admins must set up a new one before they can continue)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    end_sessions(user, keep_session_key=keep_session_key)
    record_audit(action="mfa.remove", actor=actor, subject=user, ip=ip)


@transaction.atomic
def regenerate_recovery_codes(*, user: User, ip: str | None = None) -> list[str]:
    """Replace every recovery code with a new set (returned once, never stored in clear
    anywhere else)."""
    if confirmed_totp_device(user) is None:
        raise ValidationError(_("Set up two-step verification first."))
    codes = _issue_recovery_codes(user)
    record_audit(action="mfa.recovery_codes_regenerated", actor=user, subject=user, ip=ip)
    return codes


def normalise_code(raw: str) -> str:
    """Codes are accepted with spaces or dashes and in any case."""
    return "".join(ch for ch in (raw or "") if ch.isalnum()).lower()[:16]


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a second-factor code."""

    device: TOTPDevice | StaticDevice | None
    throttled_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None


def check_second_factor(
    *, user: User, code: str, ip: str | None = None, purpose: str = "login"
) -> CodeCheck:
    """Verify an authenticator code (six digits) or a single-use recovery code, honouring
    django-otp's replay protection (`last_t`) and exponential throttling; audited."""
    code = normalise_code(code)
    # Authenticator codes are six digits; recovery codes are longer (8 base32 characters).
    if code.isdigit() and len(code) < RECOVERY_CODE_LENGTH:
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            record_audit(
                action="mfa.verify",
                actor=user,
                subject=user,
                ip=ip,
                outcome="throttled",
                detail={"purpose": purpose},
            )
            return CodeCheck(None, (info or {}).get("locked_until"))
        verified = verify_token(user, device.persistent_id, code) if code else None
        if verified is not None:
            is_recovery = isinstance(verified, StaticDevice)
            record_audit(
                action="mfa.recovery_code_used" if is_recovery else "mfa.verify",
                actor=user,
                subject=user,
                ip=ip,
                detail={"purpose": purpose},
            )
            return CodeCheck(verified)
    record_audit(
        action="mfa.verify",
        actor=user,
        subject=user,
        ip=ip,
        outcome="failure",
        detail={"purpose": purpose},
    )
    return CodeCheck(None)


# --- Passwords, email, preferences -------------------------------------------------------


@transaction.atomic
def change_password(
    *, user: User, new_password: str, keep_session_key: str | None = None, ip: str | None = None
) -> None:
    """Set a new password (validated), end every other session of the user and mail them a
    notice (no health information in it)."""
    from journal.services.notices import send_password_changed

    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    end_sessions(user, keep_session_key=keep_session_key)
    event = record_audit(action="password.change", actor=user, subject=user, ip=ip)
    transaction.on_commit(lambda: send_password_changed(user, event.at))


@transaction.atomic
def complete_password_reset(*, user: User, ip: str | None = None) -> None:
    """After a reset link set a new password: end all sessions, lift login locks, audit."""
    from axes.utils import reset as axes_reset

    end_sessions(user)
    axes_reset(username=user.email)
    record_audit(action="password.reset_completed", actor=user, subject=user, ip=ip)


def record_password_reset_request(*, email: str, ip: str | None = None) -> None:
    """Audit a reset request without storing the address typed (only its keyed hash)."""
    subject = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    record_audit(
        action="password.reset_requested",
        subject=subject,
        ip=ip,
        attempted_name=None if subject else email,
        outcome="success" if subject else "unknown",
    )


EMAIL_CHANGE_MAX_AGE = timedelta(hours=1)
EMAIL_LINK_INVALID = gettext_noop(
    "This confirmation link cannot be used: it may have expired (links last %(minutes)s "
    "minutes), have been used already, or be meant for a different account. Ask for a new "
    "link from your account settings."
)


def _free_email(user: User, new_email: str) -> str:
    new_email = new_email.strip().lower()
    if new_email == user.email:
        raise ValidationError({"email": _("That is already your email address.")})
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("This email address cannot be used.")})
    return new_email


def _hash_email_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_email_change(
    *, user: User, new_email: str, confirm_url: Callable[[str], str], ip: str | None = None
) -> str:
    """Mail a confirmation link to `new_email` (nothing changes yet) and return its token.

    The link carries only a random token; the new address waits server-side (only the token's
    hash is stored) for `EMAIL_CHANGE_MAX_AGE`, so neither address shows in logs or history.
    A new request revokes (deletes) the user's earlier ones."""
    new_email = _free_email(user, new_email)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        EmailChangeRequest.objects.filter(user=user).delete()
        pending = EmailChangeRequest.objects.create(
            user=user,
            token_hash=_hash_email_token(token),
            new_email=new_email,
            created_at=now,
            expires_at=now + EMAIL_CHANGE_MAX_AGE,
        )
        record_audit(action="account.email_change_requested", actor=user, subject=user, ip=ip)
    minutes = int(EMAIL_CHANGE_MAX_AGE.total_seconds() // 60)
    try:  # outside the transaction: no database lock held while the mail server answers
        _send_confirmation(user, new_email, confirm_url(token), minutes)
    except OSError:  # smtplib errors are OSErrors; the person must learn the mail did not go
        pending.delete()
        raise ValidationError(
            {"email": _("We could not send the confirmation email. Nothing changed; try again.")}
        ) from None
    return token


def email_confirmation_message(user: User, link: str, minutes: int) -> tuple[str, str]:
    """Subject and body of the mail to a new address, in the account holder's language."""
    with translation.override(user.language):
        body = ngettext(
            "Hello %(name)s,\n\nSomeone (hopefully you) asked to use this address to log in to "
            "Aftercare. To confirm, open this link while logged in to your account, within "
            "%(minutes)s minute:\n\n%(link)s\n\nIf this was not you, ignore this email: "
            "nothing changes.\n",
            "Hello %(name)s,\n\nSomeone (hopefully you) asked to use this address to log in to "
            "Aftercare. To confirm, open this link while logged in to your account, within "
            "%(minutes)s minutes:\n\n%(link)s\n\nIf this was not you, ignore this email: "
            "nothing changes.\n",
            minutes,
        ) % {"name": user.display_name, "minutes": minutes, "link": link}
        return _("Confirm your new Aftercare email address"), body


def _send_confirmation(user: User, new_email: str, link: str, minutes: int) -> None:
    subject, body = email_confirmation_message(user, link, minutes)
    send_mail(
        subject=subject,
        message=body,
        from_email=None,
        recipient_list=[new_email],
        fail_silently=False,
    )


def email_changed_message(user: User) -> tuple[str, str]:
    """Subject and body of the notice to the old address, in the account holder's language."""
    with translation.override(user.language):
        body = _(
            "Hello %(name)s,\n\nThe email address used to log in to your Aftercare account was "
            "just changed. If this was not you, contact your clinic straight away.\n"
        ) % {"name": user.display_name}
        return _("Your Aftercare email address was changed"), body


def _usable_email_change(user: User, token: str, *, lock: bool = False) -> EmailChangeRequest:
    requests = EmailChangeRequest.objects.filter(user=user, token_hash=_hash_email_token(token))
    found = (requests.select_for_update() if lock else requests).first()
    if found is None or not found.is_usable():
        raise ValidationError(
            _(EMAIL_LINK_INVALID) % {"minutes": int(EMAIL_CHANGE_MAX_AGE.total_seconds() // 60)}
        )
    return found


def pending_email_change(*, user: User, token: str) -> str:
    """The new address a confirmation link would set for `user` (ValidationError when the
    link is unknown, expired, spent or meant for another account)."""
    return _usable_email_change(user, token).new_email


@transaction.atomic
def confirm_email_change(*, user: User, token: str, ip: str | None = None) -> str:
    """Apply the change a valid confirmation link names; the old address is told. Returns
    the new address."""
    user = User.objects.select_for_update().get(pk=user.pk)
    pending = _usable_email_change(user, token, lock=True)
    pending.used_at = timezone.now()
    pending.save(update_fields=["used_at"])
    change_email(user=user, new_email=pending.new_email, ip=ip)
    return user.email


def purge_email_change_requests(*, now: datetime | None = None) -> int:
    """Delete email-change requests that are used or expired (they hold an address and can
    no longer be confirmed); returns how many went."""
    now = now or timezone.now()
    stale = EmailChangeRequest.objects.filter(Q(used_at__isnull=False) | Q(expires_at__lte=now))
    deleted, _ = stale.delete()
    return deleted


@transaction.atomic
def change_email(*, user: User, new_email: str, ip: str | None = None) -> None:
    """Change the login email (callers confirm the new address first: `request_email_change`);
    the old address is told, the audit keeps no address."""
    new_email = _free_email(user, new_email)
    old_email = user.email
    user.email = new_email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["email"])
    # Any change spends every link still pending (as a signed link naming the old address did).
    EmailChangeRequest.objects.filter(user=user, used_at__isnull=True).delete()
    record_audit(action="account.email_change", actor=user, subject=user, ip=ip)
    subject, body = email_changed_message(user)
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=body,
            from_email=None,
            recipient_list=[old_email],
            fail_silently=True,
        )
    )


@transaction.atomic
def update_account_settings(
    *,
    user: User,
    display_name: str,
    time_zone: str,
    idle_timeout_minutes: int | None = None,
    language: str | None = None,
    ip: str | None = None,
) -> User:
    """Change display name, time zone, language (when given) and (patients only) the idle
    timeout; audited by field name only."""
    if idle_timeout_minutes is not None:
        if user.role != Role.PATIENT:
            raise ValidationError({"idle_timeout_minutes": _("Only patients choose this.")})
        if not 5 <= idle_timeout_minutes <= settings.PATIENT_MAX_IDLE_MINUTES:
            raise ValidationError({"idle_timeout_minutes": _("Choose a time from the list.")})
    values = {
        "display_name": display_name.strip(),
        "time_zone": time_zone,
        "idle_timeout_minutes": idle_timeout_minutes,
    }
    if language is not None:
        values["language"] = language
    changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
    for name, value in values.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(values))
    if "time_zone" in changed:
        standings.refresh([user.pk])
        planning.replan_after_commit(user)
    if changed:
        record_audit(
            action="account.settings_change",
            actor=user,
            subject=user,
            ip=ip,
            detail={"fields": changed},
        )
    return user


@transaction.atomic
def unlock_login(*, actor: User, user: User, ip: str | None = None) -> int:
    """Lift a brute-force lock on an account name before its cool-off ends."""
    from axes.utils import reset as axes_reset

    removed = axes_reset(username=user.email)
    record_audit(action="login.unlock", actor=actor, subject=user, ip=ip)
    return removed
