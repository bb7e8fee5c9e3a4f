"""Notifications: one-click unsubscribe from emails, the in-app list, preferences."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from journal.models import NotificationKind
from journal.notifications.channels import read_unsubscribe_token
from journal.permissions import not_found
from journal.services import notifications as service


@login_not_required
@csrf_exempt  # RFC 8058: mail clients POST the one-click unsubscribe without a form token.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST (the button, or the mail client's one-click) stops the emails.
    The signed token is the only credential, and it can do nothing else."""
    named = read_unsubscribe_token(token)
    if named is None:
        raise not_found()
    user_id, kind = named
    label = NotificationKind(kind).label
    if request.method == "POST":
        if service.unsubscribe(user_id=user_id, kind=kind) is None:
            raise not_found()
        return render(request, "notifications/unsubscribed.html", {"label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label})
