"""django-axes integration: one normalised account name and a lockout answer that looks
exactly like a wrong password (same page, same message, same status)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def normalised_username(request: HttpRequest, credentials: dict | None) -> str:
    """Count `Pat@Clinic.test ` and `pat@clinic.test` as one account name."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()[:254]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """Keep the page the login view already rendered (its generic error), so a locked account
    cannot be told apart from a wrong password or an unknown address."""
    if original_response is not None:
        return original_response
    from django.shortcuts import render

    return render(request, "registration/login.html", {"login_failed": True})
