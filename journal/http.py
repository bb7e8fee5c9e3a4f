"""Small HTTP helpers shared by views."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypedDict, TypeGuard

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Longest user agent kept in audit rows; real browsers send well under this.
USER_AGENT_MAX = 256
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(32), 127]}
_user_agent: ContextVar[str] = ContextVar("user_agent", default="")
_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)

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


def network_prefix(ip: str | None) -> str:
    """The network an address belongs to, never the address itself: IPv4 /24
    ("203.0.113.0/24"), IPv6 /48 ("2001:db8:1::/48"); "" when there is no valid address."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # an IPv4 client seen through a dual-stack socket
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


class Reader(TypedDict):
    actor: User
    path: str
    ip: str | None


def reader(request: AuthenticatedHttpRequest) -> Reader:
    """Who read what, from where: the `actor`, `path` and `ip` arguments of
    `services.record_access` / `record_list_access` for this request."""
    return {"actor": request.user, "path": request.get_full_path(), "ip": client_ip(request)}


def escape_control(text: str) -> str:
    """Control characters as visible `\\xNN` escapes, so stored text cannot forge a log line."""
    return text.translate(_CONTROL)


def clean_user_agent(raw: str) -> str:
    """A user agent safe to store and show: control characters escaped, then truncated."""
    return escape_control(raw)[:USER_AGENT_MAX]


def current_user_agent() -> str:
    """The cleaned user agent of the request being handled ("" outside a request)."""
    return _user_agent.get()


def current_client_ip() -> str | None:
    """The client address of the request being handled (None outside a request)."""
    return _client_ip.get()


class UserAgentMiddleware:
    """Cleans the request's User-Agent once, for everything downstream (audit rows, axes), and
    keeps it and the client address for services that audit without a request in hand.

    A NUL byte in the header would otherwise reach PostgreSQL through axes and fail the request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        agent = clean_user_agent(request.META.get("HTTP_USER_AGENT", ""))
        request.META["HTTP_USER_AGENT"] = agent
        token = _user_agent.set(agent)
        ip_token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(ip_token)
            _user_agent.reset(token)
