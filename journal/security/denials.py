"""Refused requests of signed-in people land in the audit trail (`services.record_denial`).

Audited: a signed-in person's request that resolved to one of our views and was answered 403
or 404, including `PermissionDenied` and `Http404` raised by the view (another patient's entry,
a patient the provider has no share for, a page of the other role). The row names the route
pattern and view name, never the raw path, so object ids outside the person's scope are not
copied into the trail.

Not audited:
- anonymous requests: the login-required middleware sends them to the login page before any
  object is looked up, and the refusals they can meet (bad credentials, bad tokens) are
  audited where they happen; auditing them here would let anyone on the internet write rows;
- URLs that match no view (including missing static files): no object or scope is involved,
  and every unknown URL answers the same 404, so a probe learns nothing worth recording.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from journal.services.denials import record_denial

logger = logging.getLogger(__name__)

REASONS = {403: "forbidden", 404: "not found in scope"}


def object_type(match: ResolverMatch) -> str:
    """What kind of object the refused URL names: from an `<x_id>`/`<x_pk>` argument, else
    the first word of the URL name (`journal:session-detail` → `session`)."""
    for key in match.kwargs:
        for suffix in ("_id", "_pk"):
            if key.endswith(suffix):
                return key.removesuffix(suffix)
    name = match.url_name or ""
    return name.split("-", 1)[0] or "page"


def deny(request: HttpRequest, *, status: int, reason: str, kind: str | None = None) -> None:
    """Audit a refusal of this request (for views that refuse without a 403/404 answer)."""
    match = request.resolver_match
    if match is None or not request.user.is_authenticated:
        return
    try:
        # A savepoint: a failed audit write must not break a transaction the view is inside.
        with transaction.atomic():
            record_denial(
                actor=request.user,
                route=match.route,
                view_name=match.view_name,
                object_type=kind or object_type(match),
                status=status,
                reason=reason,
            )
    except DatabaseError:
        # The refusal itself must still reach the person; the database page is not ours to show.
        logger.warning("Could not audit a refused request to %s", match.route, exc_info=True)


class DeniedAccessAuditMiddleware:
    """Audit 403 and 404 answers to signed-in people (rate-limited per person)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        reason = REASONS.get(response.status_code)
        static = "/" + settings.STATIC_URL.lstrip("/")
        if reason is not None and not request.path.startswith(static):
            deny(request, status=response.status_code, reason=reason)
        return response
