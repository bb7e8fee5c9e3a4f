"""Small HTTP helpers shared by views."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, TypedDict, TypeGuard

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:  # axes imports `client_ip` from settings, before the app registry is ready
    from journal.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request a login-required view receives: `LoginRequiredMiddleware` has already sent
    anyone anonymous to the log-in page, so `request.user` is a `User` (annotation only)."""

    user: User


def is_signed_in(request: HttpRequest) -> TypeGuard[AuthenticatedHttpRequest]:
    """True when a person is signed in on this request (for code that also sees anonymous
    requests: middleware, the admin console)."""
    return request.user.is_authenticated


def _parse_ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client address: REMOTE_ADDR, or, when `TRUSTED_PROXY_COUNT` proxies are configured,
    the address the outermost trusted proxy saw (counted from the right of X-Forwarded-For).

    With no trusted proxies a client-supplied X-Forwarded-For is ignored entirely, so a forged
    header cannot dodge per-address lockouts or falsify the audit log. Used by axes and the audit.
    """
    remote = _parse_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if not hops:
        return remote
    # Each trusted proxy appends the address it received the request from; entries left of
    # the last `proxies` ones were written by the client and are not trusted.
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    return _parse_ip(candidate) or remote


class Reader(TypedDict):
    actor: User
    path: str
    ip: str | None


def reader(request: AuthenticatedHttpRequest) -> Reader:
    """Who read what, from where: the `actor`, `path` and `ip` arguments of
    `services.record_access` / `record_list_access` for this request."""
    return {"actor": request.user, "path": request.get_full_path(), "ip": client_ip(request)}
