"""Security middleware: refused methods, session limits, the MFA gate, no-store on own pages."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from journal.db_unavailable import csrf_verified, logged_out_response, posted_values
from journal.http import is_signed_in
from journal.idempotency import completed_result
from journal.permissions import must_use_mfa
from journal.security.decorators import NO_STORE
from journal.security.sessions import (
    is_verified,
    mfa_enrolled,
    record_device,
    session_expiry_reason,
    touch,
)

# Pages a signed-in person may open before their second factor is verified.
MFA_EXEMPT_URL_NAMES = frozenset(
    {"journal:mfa-setup", "journal:mfa-verify", "journal:reauth", "logout", "login"}
)

EXPIRY_MESSAGES = {
    "idle": gettext_lazy("You were logged out after a period of inactivity. Please log in again."),
    "absolute": gettext_lazy("Your session reached its time limit. Please log in again."),
    "unknown": gettext_lazy("Please log in again."),
}


class SessionLimitsMiddleware:
    """End a signed-in session after the idle timeout or the absolute lifetime (counted from
    log-in, never extended by activity); otherwise record the activity. After the view, the
    session's device row follows the session key if the view rotated it (MFA verification, a
    password change)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = session_expiry_reason(request, user)
            if reason is not None:
                from journal import services
                from journal.http import client_ip

                services.record_audit(
                    action="session.expired",
                    actor=user,
                    subject=user,
                    ip=client_ip(request),
                    detail={"reason": reason},
                )
                request.security_logout_reason = reason  # type: ignore[attr-defined]  # for the log-out audit
                if request.method == "POST":
                    # A form sent after the timeout: nothing is saved, but what was typed is
                    # shown back (CSRF is checked first, before log-out rotates the token).
                    show_values = csrf_verified(request)
                    logout(request)
                    return logged_out_response(request, reason=reason, show_values=show_values)
                logout(request)
                messages.info(request, EXPIRY_MESSAGES[reason])
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('login')}?{query}")
            touch(request, user)
        response = self.get_response(request)
        # A 500 is not saved by SessionMiddleware: the browser keeps its old key.
        if is_signed_in(request) and response.status_code != 500:
            record_device(request, request.user)
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's log-in gate, except for a form sent with no session (it expired, its row was
    deleted by deactivation, log-out elsewhere or `clearsessions`, or the browser dropped the
    cookie): that gets the "not saved, you were logged out" page showing what was typed, as
    `SessionLimitsMiddleware` gives when it ends a session itself, not a redirect that loses
    it. A copy of a form whose first copy succeeded (a double tap that logged the person out,
    such as account deletion) gets the first copy's answer; a POST with nothing typed (log out,
    a confirm button) is redirected to log in as before."""

    def handle_no_permission(  # type: ignore[override]  # also answers with a page, not a redirect
        self, request: HttpRequest, view_func: Callable[..., HttpResponseBase]
    ) -> HttpResponse:
        if request.method == "POST" and (result := completed_result(request)):
            return redirect(result)  # the first copy of this form succeeded: its answer
        if request.method == "POST" and posted_values(request):
            # Checked again as the session-limits path does: CsrfViewMiddleware has passed
            # this request, but not for a csrf_exempt view, whose values must not be echoed.
            show_values = csrf_verified(request)
            return logged_out_response(request, reason="gone", show_values=show_values)
        return super().handle_no_permission(request, view_func)


class MFARequiredMiddleware:
    """Providers and clinic admins (and patients who switched MFA on) must verify a second
    factor before any page but set-up/verify, re-authentication and log-out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not is_signed_in(request) or is_verified(request.user):
            return None
        user = request.user
        match = request.resolver_match
        if match is not None and match.view_name in MFA_EXEMPT_URL_NAMES:
            return None
        enrolled = mfa_enrolled(request)
        if not enrolled and not must_use_mfa(user):
            return None
        target = "journal:mfa-verify" if enrolled else "journal:mfa-setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in person (all of
    them may carry health data or account details). Static files are served before this."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or getattr(response, "no_store", False):
            response["Cache-Control"] = NO_STORE
            response["Pragma"] = "no-cache"
            response["Expires"] = "0"
        return response


# TRACE/TRACK echo the request (cookies included) back; CONNECT has no meaning for this app.
REFUSED_METHODS = frozenset({"TRACE", "TRACK", "CONNECT"})
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")


class RefuseTraceMiddleware:
    """405 for TRACE-like methods on every URL, before login or any view can answer them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (request.method or "").upper() in REFUSED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        return self.get_response(request)
