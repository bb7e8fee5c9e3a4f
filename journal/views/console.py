"""Clinic console entry points answered by the app rather than by the Django admin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from journal.permissions import can_use_admin_console
from journal.views.security import safe_next


@login_not_required
def console_login(request: HttpRequest) -> HttpResponse:
    """The console has no log-in form of its own: everyone logs in (with MFA) on /login/.
    Someone already signed in who is not a clinic admin gets 403: sending them to log in
    would send them straight back to the console, and round again."""
    if not request.user.is_authenticated:
        query = request.META.get("QUERY_STRING", "")
        return redirect(reverse("login") + (f"?{query}" if query else ""))
    if not can_use_admin_console(request.user):
        raise PermissionDenied(_("The clinic console is for clinic admins."))
    return redirect(safe_next(request, reverse("admin:index")))
