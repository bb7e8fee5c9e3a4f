"""Test-only URLconf for the reliability tests: small views around real services.

The views use `journal.idempotency.idempotent` and `_submission_token.html` exactly the way the
journal pages are meant to; everything else of the real site is included below them.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import include, path

from journal import services
from journal.idempotency import idempotent
from journal.models import Role, TreatmentSession
from journal.services.journal import log_session

# Seconds a view waits after its write, inside the transaction, so concurrent duplicates overlap.
PAUSE_AFTER_WRITE = {"seconds": 0.0}

FORM = engines["django"].from_string(
    """{% extends "base.html" %}{% block content %}
    {% for e in errors %}<p class="error">{{ e }}</p>{% endfor %}
    <form method="post">{% csrf_token %}{% include "_submission_token.html" %}
      <label for="note">Note</label><textarea id="note" name="note"></textarea>
      <button type="submit">Save</button>
    </form>{% endblock %}"""
)


def _form(request: HttpRequest, errors: list[str] | None = None) -> HttpResponse:
    return HttpResponse(FORM.render({"errors": errors or []}, request))


@idempotent
def session_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form(request)
    try:
        started_at = datetime.fromisoformat(request.POST.get("started_at", ""))
        session = log_session(
            patient=request.user,
            started_at=started_at,
            route=request.POST.get("route", ""),
            note=request.POST.get("note", ""),
        )
    except (ValueError, ValidationError) as exc:
        return _form(request, [str(exc)])
    time.sleep(PAUSE_AFTER_WRITE["seconds"])
    return redirect("reliability-session", pk=session.pk)


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = TreatmentSession.objects.get(pk=pk, patient=request.user)
    return HttpResponse(f"Session {session.pk}: {session.note}")


@idempotent
def account_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form(request)
    try:
        user, _ = services.create_account(
            actor=request.user,
            email=request.POST.get("email", ""),
            display_name=request.POST.get("display_name", ""),
            role=Role.PATIENT,
        )
    except ValidationError as exc:
        return _form(request, exc.messages)
    return redirect("reliability-account", pk=user.pk)


def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"Account {pk}")


urlpatterns = [
    path("reliability/sessions/new/", session_new, name="reliability-session-new"),
    path("reliability/sessions/<int:pk>/", session_detail, name="reliability-session"),
    path("reliability/accounts/new/", account_new, name="reliability-account-new"),
    path("reliability/accounts/<int:pk>/", account_detail, name="reliability-account"),
    path("", include("config.urls")),
]
