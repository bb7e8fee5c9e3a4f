"""Treatment sessions: list, detail, create, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from journal import services
from journal.forms import SessionForm
from journal.http import client_ip
from journal.idempotency import idempotent
from journal.journal_queries import current_thresholds, flag_views
from journal.models import BloodPressureReading, TreatmentSession
from journal.permissions import get_owned_or_404, owned_by, patient_required
from journal.views.journal.common import (
    LIST_PAGE_SIZE,
    add_service_errors,
    confirm_delete,
    conflict_context,
    flags_with_acknowledgement,
    history,
    now_initial,
    with_version,
)


def _sessions(request: HttpRequest):
    return owned_by(request.user, TreatmentSession.objects.select_related("report"))


@patient_required
def session_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_sessions(request), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "journal/session_list.html", {"page": page})


@patient_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
            "flags": flag_views(flag_rows, current_thresholds()),
            "history": history(request, "session", session.pk),
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def session_create(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None, initial=now_initial("started_at"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.log_session(
                patient=request.user,
                started_at=data["started_at"],
                route=data["route"],
                dose_mg=data["dose_mg"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session saved. You can add a report when you feel ready.")
            return redirect("journal:session-detail", session.pk)
    return render(request, "journal/session_form.html", {"form": form})


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_owned_or_404(request.user, _sessions(request), pk=pk)
    initial = {
        "started_at": session.started_at,
        "route": session.route,
        "dose_mg": session.dose_mg,
        "note": session.note,
        "version": session.version,
    }
    form = SessionForm(request.POST or None, initial=initial)
    context: dict[str, object] = {"form": form, "session": session}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_session(
                patient=request.user,
                session=session,
                expected_version=data["version"] or 0,  # no version: show the conflict
                started_at=data["started_at"],
                route=data["route"],
                dose_mg=data["dose_mg"],
                note=data["note"],
            )
        except services.StaleEdit as exc:
            context.update(conflict_context(exc))
            context["form"] = SessionForm(with_version(request, exc.current_version))
            return render(request, "journal/session_form.html", context, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session updated.")
            return redirect("journal:session-detail", session.pk)
    return render(request, "journal/session_form.html", context)


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_owned_or_404(request.user, _sessions(request), pk=pk)
    return confirm_delete(
        request,
        session,
        what="this session",
        cancel_url_name="journal:session-detail",
        delete=lambda: services.delete_session(
            patient=request.user, session=session, ip=client_ip(request)
        ),
        message="Session deleted, with its report and readings.",
        done=("journal:session-list",),
        consequence="Its post-session report and blood pressure readings are deleted too.",
    )
