"""Provider workspace: triage list, patient summary (screen and print), flag acknowledgement.

Every page asks `journal.permissions` for the active share on each request, and every read of
patient data writes an access event the patient can see.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from journal import services
from journal.http import client_ip
from journal.permissions import get_shared_flag_or_404, get_shared_patient_or_404, provider_required
from journal.provider_queries import (
    DEFAULT_PERIOD,
    KIND_LABELS,
    PERIODS,
    kind_label,
    patient_summary,
    triage,
)


@provider_required
@require_GET
def provider_home(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in KIND_LABELS:
        kind = ""
    rows = triage(request.user, kind=kind or None)
    services.record_list_access(
        actor=request.user,
        shares=[row.share for row in rows],
        what="patient list (flag counts)",
        path=request.get_full_path(),
        ip=client_ip(request),
    )
    context = {
        "rows": rows,
        "kind": kind,
        "kind_label": kind_label(kind) if kind else "",
        "kinds": sorted(KIND_LABELS.items(), key=lambda item: item[1]),
    }
    return render(request, "journal/provider_home.html", context)


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", DEFAULT_PERIOD)
    return period if period in PERIODS else DEFAULT_PERIOD


def _summary_page(request: HttpRequest, patient_id: int, template: str, what: str) -> HttpResponse:
    patient, share = get_shared_patient_or_404(request.user, patient_id)
    period = _period(request)
    summary = patient_summary(share, period)
    services.record_access(
        actor=request.user,
        patient=patient,
        share=share,
        what=f"{what} ({summary.period_label.lower()})",
        path=request.get_full_path(),
        ip=client_ip(request),
    )
    context = {
        "patient": patient,
        "summary": summary,
        "periods": [(key, label) for key, (label, _) in PERIODS.items()],
    }
    return render(request, template, context)


@provider_required
@require_GET
def provider_patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _summary_page(request, patient_id, "journal/provider_patient.html", "summary")


@provider_required
@require_GET
def provider_patient_print(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _summary_page(
        request, patient_id, "journal/provider_patient_print.html", "printable summary"
    )


@provider_required
@require_POST
def provider_flag_acknowledge(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag, share = get_shared_flag_or_404(request.user, flag_id)
    if services.acknowledge_flag(provider=request.user, flag=flag):
        messages.success(request, "Flag acknowledged. The patient can see that you saw it.")
    else:
        messages.info(request, f"This flag was already acknowledged by {flag.acknowledged_by}.")
    url = reverse("journal:provider-patient", args=[share.patient_id])
    period = request.POST.get("period", "")
    if period in PERIODS:
        url += f"?period={period}"
    return redirect(f"{url}#flags")
