"""Treatment sessions: list, detail, create, edit, delete."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from journal import services
from journal.forms import SessionForm
from journal.http import AuthenticatedHttpRequest, client_ip
from journal.idempotency import idempotent
from journal.models import BloodPressureReading, TreatmentSession
from journal.permissions import get_owned_or_404, owned_by, patient_required
from journal.reads.patient import flag_views
from journal.views.journal.common import (
    LIST_PAGE_SIZE,
    add_service_errors,
    confirm_delete,
    edit_entry,
    flags_with_acknowledgement,
    history,
    now_initial,
)


def _sessions(request: AuthenticatedHttpRequest):
    return owned_by(request.user, TreatmentSession.objects.select_related("report"))


class _SessionFields(TypedDict):
    started_at: datetime
    route: str
    dose_mg: Decimal | None
    note: str


def _save_kwargs(form: SessionForm) -> _SessionFields:
    data = form.cleaned_data
    return {
        "started_at": data["started_at"],
        "route": data["route"],
        "dose_mg": data["dose_mg"],
        "note": data["note"],
    }


@patient_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(_sessions(request), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "journal/session_list.html", {"page": page})


@patient_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_owned_or_404(request.user, _sessions(request), pk=pk)
    readings = owned_by(request.user, BloodPressureReading.objects.filter(session=session))
    flag_rows = owned_by(
        request.user, flags_with_acknowledgement().filter(reading__session=session)
    )
    report = getattr(session, "report", None)
    return render(
        request,
        "journal/session_detail.html",
        {
            "session": session,
            "report": report,
            "readings": readings.order_by("measured_at", "id"),
            "flags": flag_views(flag_rows),
            "history": history(request, "session", session.pk),
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def session_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SessionForm(
        request.POST or None, initial=now_initial("started_at"), patient=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.log_session(patient=request.user, **_save_kwargs(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Session saved. You can add a report when you feel ready."))
            return redirect("journal:session-detail", session.pk)
    return render(request, "journal/session_form.html", {"form": form})


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def session_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_owned_or_404(request.user, _sessions(request), pk=pk)
    initial = {
        "started_at": session.started_at,
        "route": session.route,
        "dose_mg": session.dose_mg,
        "note": session.note,
        "version": session.version,
    }
    return edit_entry(
        request,
        form_class=SessionForm,
        initial=initial,
        context={"session": session},
        save=lambda form, version: services.edit_session(
            patient=request.user, session=session, expected_version=version, **_save_kwargs(form)
        ),
        template="journal/session_form.html",
        message=_("Session updated."),
        done=("journal:session-detail", session.pk),
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def session_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_owned_or_404(request.user, _sessions(request), pk=pk)
    return confirm_delete(
        request,
        session,
        what=_("this session"),
        cancel_url_name="journal:session-detail",
        delete=lambda: services.delete_session(
            patient=request.user, session=session, ip=client_ip(request)
        ),
        message=_("Session deleted, with its report and readings."),
        done=("journal:session-list",),
        consequence=_("Its post-session report and blood pressure readings are deleted too."),
    )
