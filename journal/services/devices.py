"""Signed-in sessions ("devices"): kept at log-in, refreshed with activity, ended on request.

Ending a session deletes Django's stored session, so that browser is logged out at its next
request, and the `UserSession` row with it. Session keys are credentials: none is ever
written to the audit log, which names a session by its row id.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from journal.http import clean_user_agent, network_prefix
from journal.models import User, UserSession
from journal.services.audit import record_audit

THIS_DEVICE = gettext_noop("This is the device you are using now. To end this session, log out.")


@transaction.atomic
def record_session(
    *,
    user: User,
    session_key: str,
    user_agent: str,
    ip: str | None,
    signed_in_at: datetime | None = None,
    previous_key: str | None = None,
) -> UserSession:
    """Keep the row of `user`'s session `session_key`: a new one at log-in, or the row of
    `previous_key` moved to the new key (log-in and MFA verification rotate the key). Rows of
    the user's sessions that are over are forgotten at the same time."""
    now = timezone.now()
    values = {
        "user": user,
        "user_agent": clean_user_agent(user_agent),
        "ip_prefix": network_prefix(ip),
        "last_seen_at": now,
    }
    if previous_key and previous_key != session_key:
        moved = UserSession.objects.filter(user=user, session_key=previous_key)
        if moved.update(session_key=session_key, **values):
            return UserSession.objects.get(session_key=session_key)
    UserSession.objects.filter(user=user).exclude(
        pk__in=UserSession.objects.live(now).values("pk")
    ).exclude(session_key=session_key).delete()
    row, _ = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults=values,
        create_defaults={**values, "created_at": signed_in_at or now},
    )
    return row


def session_seen(*, user: User, session_key: str, user_agent: str, ip: str | None) -> None:
    """Refresh when (and with which browser, from which network) the session was last used.
    Callers throttle this (once a minute per session), so it is not a write per request."""
    UserSession.objects.filter(user=user, session_key=session_key).update(
        last_seen_at=timezone.now(),
        user_agent=clean_user_agent(user_agent),
        ip_prefix=network_prefix(ip),
    )


def forget_session(*, session_key: str) -> None:
    """Drop the row of a session that is ending by itself (log-out)."""
    UserSession.objects.filter(session_key=session_key).delete()


def _delete_stored_sessions(keys: set[str]) -> int:
    """Delete stored sessions through the session engine (so a cached copy goes too); returns
    how many of them were still unexpired."""
    if not keys:
        return 0
    live = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).count()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store().delete(key)
    return live


def _unrecorded_session_keys(user: User, keep_session_key: str | None) -> set[str]:
    """Keys of `user`'s stored sessions that have no row (signed in before rows were kept and
    not used since): found by reading only the sessions no row names."""
    stored = Session.objects.filter(expire_date__gt=timezone.now()).exclude(
        session_key__in=UserSession.objects.values("session_key")
    )
    if keep_session_key:
        stored = stored.exclude(session_key=keep_session_key)
    return {
        session.session_key
        for session in stored.iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
    }


@transaction.atomic
def end_sessions(user: User, *, keep_session_key: str | None = None) -> int:
    """End every session of `user` except `keep_session_key`; returns how many ended. Not
    audited: callers audit the action that ends them (deactivation, a password change)."""
    rows = UserSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    keys = set(rows.values_list("session_key", flat=True))
    keys |= _unrecorded_session_keys(user, keep_session_key)
    ended = _delete_stored_sessions(keys)
    rows.delete()
    return ended


@transaction.atomic
def end_session(
    *, user: User, device: UserSession, keep_session_key: str | None, ip: str | None = None
) -> None:
    """End one of `user`'s other sessions (not `keep_session_key`, the one in use: that one
    logs out); audited as `session.ended` with the row's id."""
    if device.user_id != user.pk:
        raise ValidationError(_("This is not one of your sessions."))
    if device.session_key == keep_session_key:
        raise ValidationError(_(THIS_DEVICE))
    _delete_stored_sessions({device.session_key})
    device_id = device.pk
    device.delete()
    record_audit(
        action="session.ended", actor=user, subject=user, ip=ip, detail={"device": device_id}
    )


@transaction.atomic
def end_all_sessions(
    *, actor: User, user: User, keep_session_key: str | None = None, ip: str | None = None
) -> int:
    """End all of `user`'s sessions, or all but `keep_session_key` ("log out everywhere
    else"), without touching the account; audited as `session.ended_all` with the count.
    Returns how many ended."""
    ended = end_sessions(user, keep_session_key=keep_session_key)
    record_audit(
        action="session.ended_all",
        actor=actor,
        subject=user,
        ip=ip,
        detail={"count": ended, "kept_current": bool(keep_session_key)},
    )
    return ended
