"""Post-session reports: create (for a session, with up to three readings), detail, edit,
delete."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import TypedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from journal import services
from journal.catalogue import answer_label, symptom_label
from journal.forms import ReportForm, ReportReadingFormSet, SessionReportForm
from journal.forms.journal import BaseReportReadingFormSet, started_minutes_ago
from journal.http import AuthenticatedHttpRequest, client_ip
from journal.idempotency import idempotent
from journal.models import BloodPressureReading, PostSessionReport, Route, TreatmentSession
from journal.permissions import get_owned_or_404, owned_by, patient_required
from journal.reads.patient import flag_views, last_route
from journal.views.journal.common import (
    add_service_errors,
    confirm_delete,
    edit_entry,
    flags_with_acknowledgement,
    history,
    now_initial,
)

READING_DEFAULT_CONTEXTS = ("before", "after40", "discharge")


def _reports(request: AuthenticatedHttpRequest):
    return owned_by(
        request.user,
        PostSessionReport.objects.select_related("session").prefetch_related("ratings"),
    )


class _ReportFields(TypedDict):
    reported_at: datetime
    mood: int
    ratings: dict[str, int]
    overall_bother: int
    note: str
    note_shareable: bool


def _save_kwargs(form: ReportForm) -> _ReportFields:
    data = form.cleaned_data
    return {
        "reported_at": data["reported_at"],
        "mood": data["mood"],
        "ratings": form.ratings(),
        "overall_bother": data["overall_bother"],
        "note": data["note"],
        "note_shareable": data["note_shareable"],
    }


def _reading_formset(request: AuthenticatedHttpRequest) -> BaseReportReadingFormSet:
    # Readings are usually taken in clinic: before the dose, about 40 minutes after, at
    # discharge. A row's time left blank is the usual time for its context, from the start.
    initial = [{"context": c} for c in READING_DEFAULT_CONTEXTS]
    return ReportReadingFormSet(request.POST or None, initial=initial, prefix="readings")


def _readings(formset: BaseReportReadingFormSet) -> list[services.ReadingInput]:
    return [
        services.ReadingInput(
            measured_at=r.cleaned_data["measured_at"],
            systolic=r.cleaned_data["systolic"],
            diastolic=r.cleaned_data["diastolic"],
            context=r.cleaned_data["context"],
            pulse=r.cleaned_data["pulse"],
        )
        for r in formset.non_empty_forms()
    ]


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def report_create(request: AuthenticatedHttpRequest, session_pk: int) -> HttpResponse:
    sessions = owned_by(request.user, TreatmentSession.objects.select_related("report"))
    session = get_owned_or_404(request.user, sessions, pk=session_pk)
    if getattr(session, "report", None) is not None:
        messages.info(request, _("This session already has a report; you can edit it here."))
        return redirect("journal:report-edit", session.report.pk)
    form = ReportForm(
        request.POST or None,
        route=session.route,
        initial=now_initial("reported_at"),
        patient=request.user,
    )
    formset = _reading_formset(request)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            report = services.submit_report(
                patient=request.user,
                session=session,
                readings=_readings(formset),
                **_save_kwargs(form),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Report saved. Thank you."))
            return redirect("journal:report-detail", report.pk)
    return render(
        request,
        "journal/report_form.html",
        {"form": form, "formset": formset, "session": session},
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def session_report_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "I just had a session": the session and its report on one screen, saved together."""
    remembered = last_route(owned_by(request.user, TreatmentSession.objects.all()))
    # From home, "started 2 h ago" (`?started=120`) fills in that start time instead of now.
    ago = timedelta(minutes=started_minutes_ago(request.GET.get("started")))
    initial = {"started_at": timezone.now() - ago, "route": remembered or Route.IV}
    form = SessionReportForm(request.POST or None, initial=initial, patient=request.user)
    formset = _reading_formset(request)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            report = services.log_session_with_report(
                patient=request.user,
                started_at=data["started_at"],
                route=data["route"],
                dose_mg=data["dose_mg"],
                session_note=data["session_note"],
                reported_at=max(timezone.now(), data["started_at"]),
                mood=data["mood"],
                ratings=form.ratings_for_route(data["route"]),
                overall_bother=data["overall_bother"],
                readings=_readings(formset),
                note=data["note"],
                note_shareable=data["note_shareable"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Session and report saved. Thank you."))
            return redirect("journal:report-detail", report.pk)
    context = {
        "form": form,
        "formset": formset,
        "remembered_route": remembered,
        "route_label": dict(Route.choices).get(form["route"].value(), Route.IV.label),
    }
    return render(request, "journal/session_report_form.html", context)


@patient_required
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_owned_or_404(request.user, _reports(request), pk=pk)
    readings = owned_by(request.user, BloodPressureReading.objects.filter(report=report))
    flag_rows = owned_by(request.user, flags_with_acknowledgement().filter(report=report))
    reading_flags = owned_by(
        request.user, flags_with_acknowledgement().filter(reading__report=report)
    )
    ratings = [
        (symptom_label(r.code), answer_label(r.code, r.severity), r.severity)
        for r in report.ratings.all()
    ]
    return render(
        request,
        "journal/report_detail.html",
        {
            "report": report,
            "ratings": ratings,
            "readings": readings.order_by("measured_at", "id"),
            "flags": flag_views([*flag_rows, *reading_flags]),
            "history": history(request, "report", report.pk),
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def report_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_owned_or_404(request.user, _reports(request), pk=pk)
    ratings = {r.code: r.severity for r in report.ratings.all()}
    initial = {
        "reported_at": report.reported_at,
        "mood": report.mood,
        "overall_bother": report.overall_bother,
        "note": report.note,
        "note_shareable": report.note_shareable,
        "version": report.version,
        **ReportForm.rating_initial(ratings),
        **ReportForm.side_effects_initial(ratings),
    }
    return edit_entry(
        request,
        form_class=partial(ReportForm, route=report.session.route),
        initial=initial,
        context={"report": report, "session": report.session},
        save=lambda form, version: services.edit_report(
            patient=request.user, report=report, expected_version=version, **_save_kwargs(form)
        ),
        template="journal/report_form.html",
        message=_("Report updated."),
        done=("journal:report-detail", report.pk),
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def report_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_owned_or_404(request.user, _reports(request), pk=pk)
    return confirm_delete(
        request,
        report,
        what=_("this post-session report"),
        cancel_url_name="journal:report-detail",
        delete=lambda: services.delete_report(
            patient=request.user, report=report, ip=client_ip(request)
        ),
        message=_("Report deleted. Its readings stay with the session."),
        done=(
            "journal:session-detail",
            report.session_id,
        ),
        consequence=_("Blood pressure readings stay with the session."),
    )
