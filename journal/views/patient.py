"""Patient pages: home and the journal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from journal.permissions import patient_required


@patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    return render(request, "journal/patient_home.html")
