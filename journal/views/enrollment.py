"""Enrollment: the invitation link where a new account sets its password.

The emailed link carries a one-time token. Its page only moves the token into the session and
redirects to a URL without it, so the token never appears in an access log line, a Referer
header or browser history beyond that first request.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from journal import services
from journal.forms import EnrollmentForm
from journal.http import client_ip

INVALID_MESSAGES = {
    "unknown": gettext_lazy(
        "This enrollment link is not valid. Check that you copied the whole link."
    ),
    "used": gettext_lazy(
        "This enrollment link has already been used. If that was you, log in. "
        "Otherwise ask the clinic for a new link."
    ),
    "expired": gettext_lazy(
        "This enrollment link has expired. Ask the clinic to send you a new one."
    ),
}


# Where the link's token waits between the emailed URL and the token-free form.
PENDING_LINK_KEY = "_enrollment_token"


@login_not_required
@require_GET
def enroll(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: keep its token in the session and continue at a URL without it."""
    request.session[PENDING_LINK_KEY] = token
    return redirect("enroll-set-password")


@login_not_required
@require_http_methods(["GET", "POST"])
def enroll_set_password(request: HttpRequest) -> HttpResponse:
    """Set a password and time zone for the invitation whose token the session holds."""
    token = request.session.get(PENDING_LINK_KEY, "")
    try:
        invitation = services.find_invitation(token)
    except services.InvitationError as exc:
        return render(
            request,
            "registration/enroll_invalid.html",
            {"reason": exc.reason, "message": INVALID_MESSAGES[exc.reason]},
            status=410 if exc.reason in {"used", "expired"} else 404,
        )
    user = invitation.user
    # The page is in the browser's language (LocaleMiddleware); that is the choice offered.
    initial = {"time_zone": user.time_zone, "language": get_language()}
    form = EnrollmentForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                token=token,
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"] or get_language(),
                ip=client_ip(request),
            )
        except services.InvitationError as exc:
            return render(
                request,
                "registration/enroll_invalid.html",
                {"reason": exc.reason, "message": INVALID_MESSAGES[exc.reason]},
                status=410,
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            request.session.pop(PENDING_LINK_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your password is set. Welcome to Aftercare."))
            return redirect("journal:home")
    return render(request, "registration/enroll.html", {"form": form, "enrollee": user})
