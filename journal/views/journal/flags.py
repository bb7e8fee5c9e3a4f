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
    flag_rows = owned_by(request.user, Flag.objects.select_related("acknowledged_by"))
    page = Paginator(flag_rows, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "journal/flag_list.html",
        {"page": page, "flags": flag_views(list(page.object_list))},
    )
