"""Landing pages for each role."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render

from journal.http import AuthenticatedHttpRequest
from journal.permissions import clinic_admin_required, home_url_name, provider_required
from journal.reads.clinic import admin_overview


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return redirect(home_url_name(request.user))


@provider_required
def provider_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "journal/provider_home.html")


@clinic_admin_required
def admin_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "journal/admin_home.html", admin_overview())
