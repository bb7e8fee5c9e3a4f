"""Graceful failure when the database is locked or unreachable.

The person gets an honest "not saved, try again" page (HTTP 503 with `Retry-After`) that shows
back what they typed, never a traceback and never "saved". The page is rendered without the
request context, so it needs no database (context processors read clinic settings).

Recovery needs no action: a failed transaction is rolled back (or its connection closed) by
`transaction.atomic`, Django closes unusable connections at the end of the request, SQLite
connections are opened per request, and PostgreSQL connections are health-checked before reuse
(`CONN_HEALTH_CHECKS`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypedDict
from urllib.parse import urlsplit

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# Set on the request by `journal.idempotency.idempotent` while the view runs in one
# transaction: a failure then certainly rolled every write of the request back.
ATOMIC_WRITE_FLAG = "_journal_atomic_write"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

# Posted names never echoed back: secrets, and the form's own machinery.
_HIDDEN_PARTS = ("password", "secret", "token", "csrf", "otp")
_MACHINERY = ("csrfmiddlewaretoken", "submission_token")


class _Reason(TypedDict):
    status: int
    title: str | Promise  # translated when the page is rendered
    lead: str | Promise
    advice: str | Promise


_REASONS: dict[str, _Reason] = {
    "unavailable": {
        "status": 503,
        "title": _("Not saved: please try again"),
        "lead": _(
            "The journal could not reach its storage just now, so nothing you sent was saved."
        ),
        "advice": _("Wait a moment and send it again."),
    },
    "uncertain": {
        "status": 503,
        "title": _("Your entry may not have been saved"),
        "lead": _("The journal lost touch with its storage while handling what you sent."),
        "advice": _(
            "Wait a moment, then check whether your entry is there before sending it again."
        ),
    },
    "expired": {
        "status": 400,
        "title": _("Not saved: this form is too old"),
        "lead": _("This form was opened too long ago to be sent safely, so nothing was saved."),
        "advice": _("Open the form again and copy your entry into it."),
    },
    "invalid": {
        "status": 400,
        "title": _("Not saved: this form could not be checked"),
        "lead": _("This form was not opened from your account, so nothing was saved."),
        "advice": _("Open the form again and copy your entry into it."),
    },
    # A form sent after the session ended (journal.security.middleware.SessionLimitsMiddleware).
    # 403, not 401: a 401 must carry a WWW-Authenticate challenge, and log-in is a form.
    "idle": {
        "status": 403,
        "title": _("Not saved: you were logged out"),
        "lead": _("You were logged out after a period of inactivity."),
        "advice": _("Copy your entry, log in, and submit again."),
    },
    "absolute": {
        "status": 403,
        "title": _("Not saved: you were logged out"),
        "lead": _("Your session reached its time limit, so you were logged out."),
        "advice": _("Copy your entry, log in, and submit again."),
    },
    "unknown": {
        "status": 403,
        "title": _("Not saved: you were logged out"),
        "lead": _("Your session ended, so you were logged out."),
        "advice": _("Copy your entry, log in, and submit again."),
    },
    # A form sent with no session at all (journal.security.middleware.LoginRequiredMiddleware):
    # it expired, its row was deleted, or the browser dropped the cookie.
    "gone": {
        "status": 403,
        "title": _("Not saved: you were logged out"),
        "lead": _(
            "You were logged out before this was saved. Your session may have timed out, or"
            " you logged out in another window."
        ),
        "advice": _("Copy your entry, log in, and submit again."),
    },
}
LOGGED_OUT_REASONS = frozenset({"idle", "absolute", "unknown", "gone"})


def _humanize(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize() or name


def _is_hidden(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _HIDDEN_PARTS)


def posted_values(request: HttpRequest) -> list[tuple[str, str]]:
    """What the person typed, as (label, text) pairs, leaving out secrets and form machinery."""
    if request.method != "POST":
        return []
    try:
        data = request.POST
    except Exception:  # an unreadable body has nothing to show back
        logger.warning("could not read the body of a failed POST to %s", request.path)
        return []
    values: list[tuple[str, str]] = []
    for name in data:
        if _is_hidden(name):
            continue
        for value in data.getlist(name):
            if value.strip():
                values.append((_humanize(name), value))
    return values


def _resend_fields(request: HttpRequest) -> list[tuple[str, str]] | None:
    """The posted fields for a "send again" form, or None when a secret was withheld."""
    if request.method != "POST" or request.FILES:
        return None
    fields: list[tuple[str, str]] = []
    for name in request.POST:
        if _is_hidden(name) and name not in _MACHINERY:
            return None
        fields.extend((name, value) for value in request.POST.getlist(name))
    return fields


def failure_reason(request: HttpRequest) -> str:
    """`unavailable` when a database failure surely saved nothing, else `uncertain`."""
    if request.method in _SAFE_METHODS or getattr(request, ATOMIC_WRITE_FLAG, False):
        return "unavailable"
    return "uncertain"


def csrf_verified(request: HttpRequest) -> bool:
    """Whether a POST carries a valid CSRF token (checked before its values are shown back, so
    another site cannot make this page display text of its choosing)."""

    def view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
        return HttpResponse()

    return CsrfViewMiddleware(view).process_view(request, view, (), {}) is None


def _form_path(request: HttpRequest) -> str:
    """Where the form that was sent can be opened again: the referring page of this site when
    there is one, else the address it was posted to."""
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def logged_out_response(
    request: HttpRequest, *, reason: str, show_values: bool = True
) -> HttpResponse:
    """The "not saved, you were logged out" page (HTTP 403) for a form sent after the session
    ended (`reason`: idle, absolute, unknown, gone), with what was typed and a log-in link back
    to it."""
    if reason not in LOGGED_OUT_REASONS:
        reason = "unknown"
    return not_saved_response(
        request, reason=reason, values=None if show_values else [], login_next=_form_path(request)
    )


def not_saved_response(
    request: HttpRequest,
    *,
    reason: str = "unavailable",
    values: list[tuple[str, str]] | None = None,
    login_next: str = "",
) -> HttpResponse:
    """The "not saved" page for `reason` (unavailable, uncertain, expired, invalid, or a log-out
    reason), showing what the person typed (`values`, default: the POSTed fields)."""
    details = _REASONS[reason]
    status = int(details["status"])
    context = {
        **details,
        "reason": reason,
        "values": posted_values(request) if values is None else values,
        "withheld": values == [] and request.method == "POST",
        "was_post": request.method == "POST",
        "action": request.path,
        "login_next": login_next,
        # Re-sending is safe: the same submission token makes a repeat write impossible.
        "resend": _resend_fields(request) if reason == "unavailable" else None,
    }
    body: str
    try:
        # No `request`: context processors would query the database that just failed.
        body = loader.render_to_string("errors/not_saved.html", context)
    except Exception:  # the page must not fail; fall back to plain text
        logger.exception("could not render the not-saved page")
        body = f"{details['title']}. {details['lead']} {details['advice']}"
        response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(body, status=status)
    add_never_cache_headers(response)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Answer a locked or unreachable database with the 503 "not saved" page.

    Place it after `AuthenticationMiddleware` (and anything else that wraps `request.user`, such
    as django-otp's middleware) and before `LoginRequiredMiddleware`: it loads the session user
    itself, so a database that is down before the view runs is caught here too, and
    `process_exception` catches failures inside the view, where writes happen.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            try:
                user.is_authenticated  # noqa: B018 - evaluates the lazy user (session read)
            except DATABASE_ERRORS:
                logger.warning(
                    "database unavailable loading the session for %s %s",
                    request.method,
                    request.path,
                    exc_info=True,
                )
                # The view never ran, so nothing can have been written.
                return not_saved_response(request, reason="unavailable")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning(
            "database unavailable during %s %s", request.method, request.path, exc_info=True
        )
        return not_saved_response(request, reason=failure_reason(request))
