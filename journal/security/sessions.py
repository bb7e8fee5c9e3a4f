"""What the security layer keeps in the session, and the rules read from it.

Times are Unix seconds (JSON-serialisable). `AUTH_AT` is the log-in instant (absolute
lifetime), `SEEN_AT` the last activity (idle timeout), `REAUTH_AT` the last time the person
proved who they are (password, plus code with MFA). `DEVICE_KEY` is the session key the
session's `UserSession` row (the person's list of devices) was last written under.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from journal.http import client_ip

if TYPE_CHECKING:
    from journal.http import AuthenticatedHttpRequest
    from journal.models import User

AUTH_AT = "security_auth_at"
SEEN_AT = "security_seen_at"
REAUTH_AT = "security_reauth_at"
# Whether the signed-in person has MFA switched on (set at log-in and on every MFA change in
# this session; other sessions are ended when MFA changes, so none keeps a stale value).
MFA_ON = "security_mfa_on"
# The key the session's device row is stored under: when the session key has moved on (log-in
# and MFA verification rotate it) or the row was never made, the row is written again.
DEVICE_KEY = "security_device_key"
# Activity is written back at most this often (seconds), so most requests do not save.
SEEN_RESOLUTION = 60
_STAFF_IDLE_CACHE_KEY = "security:staff_idle_minutes"


def now() -> float:
    """The current Unix time (freezegun-friendly)."""
    return time.time()


def mark_login(request: HttpRequest) -> None:
    """Stamp a fresh log-in: lifetime, activity and recent authentication start now."""
    stamp = now()
    request.session[AUTH_AT] = stamp
    request.session[SEEN_AT] = stamp
    request.session[REAUTH_AT] = stamp
    request.session.pop(MFA_ON, None)


def is_verified(user: User) -> bool:
    """Whether this session passed its second factor (django_otp's `OTPMiddleware` records the
    device on `request.user`)."""
    from django_otp.middleware import is_verified as otp_is_verified

    return bool(otp_is_verified(user))


def mfa_enrolled(request: AuthenticatedHttpRequest) -> bool:
    """Whether the signed-in person has a confirmed authenticator (cached in the session)."""
    enrolled = request.session.get(MFA_ON)
    if not isinstance(enrolled, bool):
        from journal.services.security import has_mfa

        enrolled = has_mfa(request.user)
        request.session[MFA_ON] = enrolled
    return enrolled


def set_mfa_enrolled(request: HttpRequest, enrolled: bool) -> None:
    """Remember in this session that MFA was just switched on or off."""
    request.session[MFA_ON] = enrolled


def mark_recent_auth(request: HttpRequest) -> None:
    """The person just re-entered their password (and code where MFA is on)."""
    request.session[REAUTH_AT] = now()


def has_recent_auth(request: HttpRequest) -> bool:
    """True when the last proof of identity is within `REAUTH_MINUTES`."""
    stamp = request.session.get(REAUTH_AT)
    if not isinstance(stamp, int | float):
        return False
    return 0 <= now() - stamp <= settings.REAUTH_MINUTES * 60


def clinic_idle_minutes() -> int:
    """The clinic's staff idle timeout (cached briefly: it is read on every request)."""
    from journal.models import ClinicSettings

    minutes = cache.get_or_set(
        _STAFF_IDLE_CACHE_KEY, lambda: ClinicSettings.load().staff_idle_minutes, 60
    )
    assert minutes is not None  # the default is computed when the key is missing
    return minutes


def idle_limit_seconds(user: User) -> int:
    """Idle timeout: the clinic's for staff; a patient's own choice (capped) or the clinic's."""
    if user.is_patient and user.idle_timeout_minutes:
        return min(user.idle_timeout_minutes, settings.PATIENT_MAX_IDLE_MINUTES) * 60
    return clinic_idle_minutes() * 60


def session_expiry_reason(request: HttpRequest, user: User) -> str | None:
    """'absolute', 'idle' or 'unknown' when the signed-in session must end, else None."""
    auth_at = request.session.get(AUTH_AT)
    seen_at = request.session.get(SEEN_AT)
    if not isinstance(auth_at, int | float) or not isinstance(seen_at, int | float):
        return "unknown"
    current = now()
    if current - auth_at > settings.SESSION_COOKIE_AGE:
        return "absolute"
    if current - seen_at > idle_limit_seconds(user):
        return "idle"
    return None


def record_device(request: HttpRequest, user: User) -> bool:
    """Keep this session's device row under the current session key: made at log-in (or at
    the first request of a session signed in before rows were kept), moved when the key
    rotates. Returns whether it wrote; a no-op, without a query, when nothing moved."""
    key = request.session.session_key
    recorded = request.session.get(DEVICE_KEY)
    if not key or recorded == key:
        return False
    from journal.services import devices

    auth_at = request.session.get(AUTH_AT)
    devices.record_session(
        user=user,
        session_key=key,
        previous_key=recorded if isinstance(recorded, str) else None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ip=client_ip(request),
        signed_in_at=(
            datetime.fromtimestamp(auth_at, UTC) if isinstance(auth_at, int | float) else None
        ),
    )
    request.session[DEVICE_KEY] = key
    return True


def touch(request: HttpRequest, user: User) -> None:
    """Record activity (written at most once per `SEEN_RESOLUTION` seconds), in the session
    for the idle timeout and on the device row for the person's list of devices."""
    wrote = record_device(request, user)
    current = now()
    if current - request.session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
        request.session[SEEN_AT] = current
        if not wrote and request.session.session_key:
            from journal.services import devices

            devices.session_seen(
                user=user,
                session_key=request.session.session_key,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                ip=client_ip(request),
            )
