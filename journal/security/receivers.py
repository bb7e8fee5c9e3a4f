"""Signal receivers that only write audit rows (and stamp the session at log-in).

Log-in success/failure and log-out come from django.contrib.auth signals, lockouts from
django-axes, role changes from the user model's save. No password, code or typed name is
stored: unknown account names are kept only as a keyed hash.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from journal.http import client_ip
from journal.models import User
from journal.security.sessions import mark_login
from journal.services.audit import record_audit


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def _account(name: str | None) -> User | None:
    if not name:
        return None
    return User.objects.filter(email__iexact=str(name).strip()).first()


@receiver(user_logged_in, dispatch_uid="security.audit_login")
def audit_login(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        mark_login(request)
    record_audit(action="login", actor=user, subject=user, ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="security.audit_login_failed")
def audit_login_failed(
    sender, credentials: dict, request: HttpRequest | None = None, **kwargs
) -> None:
    name = (credentials or {}).get("username")
    account = _account(name)
    record_audit(
        action="login",
        outcome="failure",
        subject=account,
        attempted_name=None if account else (str(name) if name else None),
        ip=_ip(request),
    )


@receiver(user_logged_out, dispatch_uid="security.audit_logout")
def audit_logout(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if user is None:
        return
    reason = getattr(request, "security_logout_reason", "user")
    record_audit(
        action="logout", actor=user, subject=user, ip=_ip(request), detail={"reason": reason}
    )


@receiver(user_locked_out, dispatch_uid="security.audit_lockout")
def audit_lockout(
    sender,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs,
) -> None:
    account = _account(username)
    record_audit(
        action="login.lockout",
        outcome="locked",
        subject=account,
        attempted_name=None if account else username,
        ip=ip_address or _ip(request),
    )


@receiver(pre_save, sender=User, dispatch_uid="security.remember_role")
def remember_previous_role(
    sender, instance: User, update_fields: frozenset[str] | None = None, **kwargs
) -> None:
    # Saves that name their fields and leave out `role` (e.g. last_login) cannot change it.
    if (
        instance.pk is None
        or instance._state.adding
        or (update_fields is not None and "role" not in update_fields)
    ):
        instance._security_previous_role = None  # type: ignore[attr-defined]  # read in post_save
        return
    instance._security_previous_role = (  # type: ignore[attr-defined]  # read in post_save
        User.objects.filter(pk=instance.pk).values_list("role", flat=True).first()
    )


@receiver(post_save, sender=User, dispatch_uid="security.audit_role_change")
def audit_role_change(sender, instance: User, created: bool, **kwargs) -> None:
    previous = getattr(instance, "_security_previous_role", None)
    if created or previous is None or previous == instance.role:
        return
    record_audit(
        action="account.role_change",
        subject=instance,
        detail={"from": previous, "to": instance.role},
    )
