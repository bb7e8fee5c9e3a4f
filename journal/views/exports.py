"""Exports (patient and provider) and the patient's data rights (download everything, delete).

Downloads are attachments that are never cached (`Cache-Control: no-store`); a provider's
export is limited to the share's categories and writes an access event the patient sees.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from journal import services
from journal.chartdata import parse_period
from journal.exports.archive import everything_zip, export_filename
from journal.exports.chart_images import pdf_chart_images, pdf_layout_memo
from journal.exports.csv_export import csv_zip
from journal.exports.data import ExportData, cached_export_data, read_export_data
from journal.exports.fhir import fhir_json
from journal.exports.history import README as HISTORY_README
from journal.exports.history import history_files, read_history
from journal.exports.pdf import summary_pdf
from journal.forms.exports import DeleteAccountForm, ExportPeriodForm
from journal.http import AuthenticatedHttpRequest, client_ip, reader
from journal.idempotency import idempotent
from journal.models import ClinicSettings, User
from journal.permissions import (
    Scope,
    get_shared_patient_or_404,
    own_scope,
    patient_required,
    provider_required,
    share_scope,
)
from journal.security import no_store, recent_auth_required
from journal.services import data_rights
from journal.services.downloads import record_everything_download

# Without dates, the PDF summarises the last 90 days; CSV and FHIR hold everything.
PDF_DEFAULT_DAYS = 90
KINDS = {
    "pdf": ("summary", "pdf", "application/pdf"),
    "csv": ("csv", "zip", "application/zip"),
    "fhir": ("fhir", "json", "application/fhir+json"),
    "all": ("everything", "zip", "application/zip"),
}


def _attachment(body: bytes, kind: str, data: ExportData) -> HttpResponse:
    name, ext, content_type = KINDS[kind]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(name, data, ext)}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _render(
    kind: str, data: ExportData, scope: Scope, history: dict[str, bytes] | None = None
) -> bytes:
    if kind == "csv":
        return csv_zip(data)
    if kind == "fhir":
        return fhir_json(data)
    clinic = ClinicSettings.load()
    thresholds = clinic.thresholds()
    charts = pdf_chart_images(scope, data)
    if kind == "pdf":
        return summary_pdf(
            data,
            clinic_name=clinic.clinic_name,
            thresholds=thresholds,
            charts=charts,
            layout=pdf_layout_memo(scope, data, clinic.clinic_name, charts),
        )
    return everything_zip(
        data,
        clinic_name=clinic.clinic_name,
        thresholds=thresholds,
        charts=charts,
        extra=history,
        extra_readme=HISTORY_README if history else "",
    )


def _period(
    form: ExportPeriodForm, kind: str, patient: User
) -> tuple[dt.date | None, dt.date | None]:
    """Dates given win; else a named period ("30", "all") as the summary page reads it, in the
    patient's local days; else (PDF only) the last `PDF_DEFAULT_DAYS` days."""
    start, end = form.dates()
    if start is not None or end is not None:
        return start, end
    key = form.period_key()
    if key:
        period = parse_period(key, patient.zone)
        return period.first_day, period.last_day
    if kind == "pdf":
        end = dt.datetime.now(patient.zone).date()
        start = end - dt.timedelta(days=PDF_DEFAULT_DAYS - 1)
    return start, end


@patient_required
@require_GET
@no_store
def export_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ExportPeriodForm(request.GET or None)
    return render(request, "journal/export.html", _page_context(form))


def _page_context(form: ExportPeriodForm) -> dict[str, object]:
    return {
        "form": form,
        "pdf_default_days": PDF_DEFAULT_DAYS,
        "grace_days": ClinicSettings.load().erasure_grace_days,
    }


def _patient_export(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    form = ExportPeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "journal/export.html", _page_context(form), status=400)
    start, end = _period(form, kind, request.user)
    scope = own_scope(request.user)
    read = cached_export_data if kind == "pdf" else read_export_data
    data = read(scope, start=start, end=end)
    return _attachment(_render(kind, data, scope), kind, data)


@patient_required
@require_GET
def export_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _patient_export(request, "pdf")


@patient_required
@require_GET
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _patient_export(request, "csv")


@patient_required
@require_GET
def export_fhir(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _patient_export(request, "fhir")


@patient_required
@require_GET
@recent_auth_required
def export_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient = request.user
    scope = own_scope(patient)
    data = read_export_data(scope)
    history = history_files(read_history(patient))
    body = _render("all", data, scope, history=history)
    record_everything_download(patient=patient, path=request.get_full_path(), ip=client_ip(request))
    return _attachment(body, "all", data)


def _provider_export(request: AuthenticatedHttpRequest, patient_id: int, kind: str) -> HttpResponse:
    patient, share = get_shared_patient_or_404(request.user, patient_id)
    form = ExportPeriodForm(request.GET)
    if not form.is_valid():
        problem = _("Those export dates do not work: %(problem)s") % {"problem": _first_error(form)}
        messages.error(request, problem)
        return redirect("journal:provider-patient", patient_id=patient.pk)
    start, end = _period(form, kind, patient)
    scope = share_scope(share)
    read = cached_export_data if kind == "pdf" else read_export_data
    data = read(scope, start=start, end=end)
    body = _render(kind, data, scope)
    services.record_access(
        **reader(request),
        patient=patient,
        share=share,
        what=f"export {KINDS[kind][0]} ({_period_label(start, end)})",
    )
    return _attachment(body, kind, data)


def _first_error(form: ExportPeriodForm) -> str:
    # An ErrorList yields its messages as text (the stub also allows ValidationError).
    texts = (str(e) for errors in form.errors.values() for e in errors)
    return next(texts, _("check the dates"))


def _period_label(start: dt.date | None, end: dt.date | None) -> str:
    return f"{start or 'start'} to {end or 'today'}"


@provider_required
@require_GET
def provider_export_pdf(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    return _provider_export(request, patient_id, "pdf")


@provider_required
@require_GET
def provider_export_csv(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    return _provider_export(request, patient_id, "csv")


@provider_required
@require_GET
def provider_export_fhir(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    return _provider_export(request, patient_id, "fhir")


@patient_required
@require_http_methods(["GET", "POST"])
@recent_auth_required
@no_store
@idempotent
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    grace_days = ClinicSettings.load().erasure_grace_days
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            due = data_rights.request_erasure(
                user=user, password=form.cleaned_data["password"], ip=client_ip(request)
            )
        except ValidationError as exc:
            form.add_error("password" if hasattr(exc, "error_dict") else None, exc.messages)
        else:
            logout(request)
            # Added after log-out, so it reaches the log-in page (a redirect lets
            # @idempotent send a resubmission there instead of asking again).
            messages.success(request, _erasure_message(due.astimezone(user.zone)))
            return redirect("login")
    context = {"form": form, "grace_days": grace_days}
    return render(
        request, "journal/delete_account.html", context, status=400 if form.errors else 200
    )


def _erasure_message(due: dt.datetime) -> str:
    return _(
        "Your account is closed and you have been logged out. Your journal will be erased on "
        "%(date)s at %(time)s (%(zone)s time). Changed your mind? Log in "
        "before then with your usual email and password: that cancels the erasure and your "
        "journal comes back as it was."
    ) % {
        "date": date_format(due, "j F Y"),
        "time": date_format(due, "H:i"),
        "zone": due.tzinfo,
    }
