"""Signal receivers that write audit rows, stamp the session at log-in and keep the list of
signed-in devices (a row made at log-in, dropped at log-out).

Log-in success/failure and log-out come from django.contrib.auth signals, lockouts from
django-axes (role changes are audited by `services.change_role`). No password, code or typed name is
stored: unknown account names are kept only as a keyed hash.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from journal.http import client_ip
from journal.models import User
from journal.security.sessions import mark_login, record_device
from journal.services import devices
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
        record_device(request, user)
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
    if request is not None and hasattr(request, "session") and request.session.session_key:
        devices.forget_session(session_key=request.session.session_key)
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
