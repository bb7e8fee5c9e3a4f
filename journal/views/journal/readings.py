"""Blood pressure readings: list, detail, create, edit, delete."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TypedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from journal import services
from journal.forms import ReadingForm
from journal.http import AuthenticatedHttpRequest, client_ip
from journal.idempotency import idempotent
from journal.models import BloodPressureReading, TreatmentSession
from journal.permissions import get_owned_or_404, owned_by, patient_required
from journal.reads.patient import flag_views
from journal.views.journal.common import (
    add_service_errors,
    confirm_delete,
    edit_entry,
    flags_with_acknowledgement,
    history,
    now_initial,
)


def _readings(request: AuthenticatedHttpRequest):
    return owned_by(request.user, BloodPressureReading.objects.select_related("session"))


def _sessions(request: AuthenticatedHttpRequest):
    return owned_by(request.user, TreatmentSession.objects.all())


class _ReadingFields(TypedDict):
    measured_at: datetime
    systolic: int
    diastolic: int
    context: str
    pulse: int | None
    session: TreatmentSession | None


def _save_kwargs(form: ReadingForm) -> _ReadingFields:
    data = form.cleaned_data
    return {
        "measured_at": data["measured_at"],
        "systolic": data["systolic"],
        "diastolic": data["diastolic"],
        "context": data["context"],
        "pulse": data["pulse"],
        "session": data["session"],
    }


@patient_required
def reading_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    readings = _readings(request).prefetch_related("flags")
    page = Paginator(readings, 20).get_page(request.GET.get("page"))
    return render(request, "journal/reading_list.html", {"page": page})


@patient_required
def reading_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reading = get_owned_or_404(request.user, _readings(request), pk=pk)
    flag_rows = owned_by(request.user, flags_with_acknowledgement().filter(reading=reading))
    return render(
        request,
        "journal/reading_detail.html",
        {
            "reading": reading,
            "flags": flag_views(flag_rows),
            "history": history(request, "reading", reading.pk),
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def reading_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = now_initial("measured_at")
    session_pk = request.GET.get("session", "")
    if session_pk.isdigit():
        initial["session"] = _sessions(request).filter(pk=session_pk).first()
    form = ReadingForm(
        request.POST or None, initial=initial, sessions=_sessions(request), patient=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            reading = services.add_reading(patient=request.user, **_save_kwargs(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Reading saved."))
            return redirect("journal:reading-detail", reading.pk)
    return render(request, "journal/reading_form.html", {"form": form})


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def reading_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reading = get_owned_or_404(request.user, _readings(request), pk=pk)
    initial = {
        "measured_at": reading.measured_at,
        "systolic": reading.systolic,
        "diastolic": reading.diastolic,
        "pulse": reading.pulse,
        "context": reading.context,
        "session": reading.session_id,
        "version": reading.version,
    }
    return edit_entry(
        request,
        form_class=partial(ReadingForm, sessions=_sessions(request)),
        initial=initial,
        context={"reading": reading},
        save=lambda form, version: services.edit_reading(
            patient=request.user, reading=reading, expected_version=version, **_save_kwargs(form)
        ),
        template="journal/reading_form.html",
        message=_("Reading updated."),
        done=("journal:reading-detail", reading.pk),
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def reading_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reading = get_owned_or_404(request.user, _readings(request), pk=pk)
    return confirm_delete(
        request,
        reading,
        what=_("this blood pressure reading"),
        cancel_url_name="journal:reading-detail",
        delete=lambda: services.delete_reading(
            patient=request.user, reading=reading, ip=client_ip(request)
        ),
        message=_("Reading deleted."),
        done=("journal:reading-list",),
    )
