"""Landing pages for each role."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render

from journal.http import AuthenticatedHttpRequest
from journal.permissions import clinic_admin_required, home_url_name
from journal.reads.clinic import admin_overview


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return redirect(home_url_name(request.user))


@clinic_admin_required
def admin_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "journal/admin_home.html", admin_overview())
