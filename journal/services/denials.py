"""Refused requests in the audit trail, rate-limited per person so a scanner cannot flood it.

Each signed-in person gets at most `DENIAL_LIMIT` `access.denied` rows per `DENIAL_WINDOW`
(the window starts at their first refusal), then one `access.denied.suppressed` row saying
that more were refused, then nothing until the window ends. The count lives in the cache
(locmem or Redis), so it is per process with locmem and clinic-wide with Redis.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache

from journal.http import current_client_ip
from journal.models import User
from journal.services.audit import record_audit

DENIED = "access.denied"
SUPPRESSED = "access.denied.suppressed"
DENIAL_LIMIT = 20
DENIAL_WINDOW = timedelta(minutes=10)
_WINDOW_SECONDS = int(DENIAL_WINDOW.total_seconds())


def _count(actor: User) -> int:
    key = f"audit-denials:{actor.pk}"
    # `add` starts the window; `incr` keeps its expiry (locmem and Redis alike).
    cache.add(key, 0, timeout=_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.add(key, 1, timeout=_WINDOW_SECONDS)
        return 1


def record_denial(
    *,
    actor: User,
    route: str,
    view_name: str,
    object_type: str,
    status: int,
    reason: str,
) -> bool:
    """Audit one refused request by `actor` (route pattern, never the raw path), unless the
    rate limit is spent; returns whether a row was written."""
    count = _count(actor)
    if count > DENIAL_LIMIT + 1:
        return False
    detail: dict[str, object] = {
        "route": route,
        "view": view_name,
        "object_type": object_type,
        "status": status,
        "reason": reason,
    }
    if count == DENIAL_LIMIT + 1:
        detail = {
            "limit": DENIAL_LIMIT,
            "window_seconds": _WINDOW_SECONDS,
            "first_suppressed": detail,
        }
    record_audit(
        action=SUPPRESSED if count > DENIAL_LIMIT else DENIED,
        actor=actor,
        ip=current_client_ip(),
        outcome="denied",
        detail=detail,
    )
    return True
