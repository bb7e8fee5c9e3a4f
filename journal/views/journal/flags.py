"""The patient's own flags, with guidance."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from journal.http import AuthenticatedHttpRequest
from journal.models import Flag
from journal.permissions import owned_by, patient_required
from journal.reads.patient import flag_views


@patient_required
def flag_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patient's flags by status: waiting for the care team (every open one), then those
    the care team has seen (paginated)."""
    mine = owned_by(request.user, Flag.objects.select_related("acknowledged_by"))
    waiting = mine.filter(acknowledged_at__isnull=True).order_by("-severity", "-raised_at", "-id")
    seen = mine.filter(acknowledged_at__isnull=False).order_by("-raised_at", "-id")
    page = Paginator(seen, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "journal/flag_list.html",
        {
            "page": page,
            "waiting": flag_views(list(waiting)),
            "seen": flag_views(list(page.object_list)),
        },
    )
