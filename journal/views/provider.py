"""Provider workspace: triage list, patient summary (screen and print), flag acknowledgement,
clinic outcomes.

Every page asks `journal.permissions` for the active share on each request, and every read of
patient data writes an access event the patient can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from journal import services
from journal.access_wording import CLINIC_OUTCOMES, CLINIC_OUTCOMES_CHART
from journal.chartdata import PERIODS, PROVIDER_DEFAULT_PERIOD
from journal.charts import PRINT_CHARTS
from journal.charts.cohort import cohort_chart, cohort_chart_title
from journal.cohort import MIN_CELL, MIN_WEEKS, CohortFigures, curve_summary, curve_table
from journal.forms.sharing import FlagAcknowledgeForm
from journal.forms.triage import TriageQueryForm
from journal.http import AuthenticatedHttpRequest, reader
from journal.idempotency import idempotent
from journal.models import FlagDisposition, Instrument
from journal.outcomes import OUTCOME_SOURCE
from journal.permissions import (
    get_shared_flag_or_404,
    get_shared_patient_or_404,
    provider_required,
    share_scope,
)
from journal.provider_charts import (
    provider_chart_svg,
    provider_panels,
    provider_period,
)
from journal.reads import outcomes as outcome_reads
from journal.reads.cohort import INSTRUMENTS, clinic_outcomes
from journal.reads.provider import (
    TRIAGE_ORDERS,
    kind_label,
    patient_summary,
    triage_page,
)
from journal.services import outcomes as outcome_services
from journal.summaries import Table
from journal.views.dashboard import svg_response


@provider_required
@require_GET
def provider_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TriageQueryForm(request.GET)
    query = form.query()
    now = timezone.now()
    # Ranked over every sharing patient, rendered (and access-logged) one page at a time.
    page = triage_page(request.user, number=request.GET.get("page"), now=now, query=query)
    services.record_list_access(
        **reader(request),
        shares=[row.share for row in page],
        what="patient list (flag counts)",
    )
    params = TriageQueryForm.params(query)
    here = urlencode({**params, "page": str(page.number)} if page.number > 1 else params)
    context = {
        "form": form,
        "rows": page.object_list,
        "page": page,
        "page_query": urlencode(params) + "&" if params else "",
        "filtered": bool(params.keys() - {"sort"}),
        "kind": query.kind or "",
        "kind_label": kind_label(query.kind) if query.kind else "",
        "order_label": TRIAGE_ORDERS[query.order],
        "now": now,
        # Where an acknowledgement from a row comes back to: this page of the list.
        "back": reverse("journal:provider-home") + (f"?{here}" if here else ""),
        "dispositions": FlagDisposition.choices,
    }
    return render(request, "journal/provider_home.html", context)


def _triage_return(request: AuthenticatedHttpRequest) -> str | None:
    """The triage list URL a row's acknowledgement form asked to come back to (`next`), or
    None: only a local path to the list itself is followed, never another site or page."""
    target = request.POST.get("next", "")
    home = reverse("journal:provider-home")
    if target == "triage":
        return home
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path != home:
        return None
    # Re-encoded, so that only well-formed parameters reach the Location header.
    query = QueryDict(parts.query).urlencode()
    return home + (f"?{query}" if query else "")


def _period(request: AuthenticatedHttpRequest) -> str:
    period = request.GET.get("period", PROVIDER_DEFAULT_PERIOD)
    return period if period in PERIODS else PROVIDER_DEFAULT_PERIOD


def _summary_page(
    request: AuthenticatedHttpRequest, patient_id: int, template: str, what: str
) -> HttpResponse:
    patient, share = get_shared_patient_or_404(request.user, patient_id)
    period = _period(request)
    summary = patient_summary(share, period)
    services.record_access(
        **reader(request),
        patient=patient,
        share=share,
        what=f"{what} ({summary.period_label.lower()})",
    )
    printing = template.endswith("_print.html")
    scope = share_scope(share)
    chart_period = provider_period(scope, summary.period)
    drawn = outcome_reads.curves(
        [item.outcome for item in summary.outcomes],
        "provider",
        lambda name, axis: reverse("journal:provider-outcome-chart", args=[patient.pk, name, axis]),
    )
    context = {
        "patient": patient,
        "summary": summary,
        "periods": [(key, p.title) for key, p in PERIODS.items()],
        "chart_period": chart_period,
        "panels": provider_panels(scope, chart_period, PRINT_CHARTS if printing else None),
        "dispositions": FlagDisposition.choices,
        "outcome_source": OUTCOME_SOURCE,
        "outcomes": [(item, drawn.get(item.instrument)) for item in summary.outcomes],
    }
    return render(request, template, context)


@provider_required
@require_GET
def provider_patient(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    return _summary_page(request, patient_id, "journal/provider_patient.html", "summary")


@provider_required
@require_GET
def provider_patient_print(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    return _summary_page(
        request, patient_id, "journal/provider_patient_print.html", "printable summary"
    )


@provider_required
@require_POST
@idempotent
def provider_flag_acknowledge(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    flag, share = get_shared_flag_or_404(request.user, flag_id)
    url = reverse("journal:provider-patient", args=[share.patient_id])
    period = request.POST.get("period", "")
    if period in PERIODS:
        url += f"?period={period}"
    triage = _triage_return(request)
    form = FlagAcknowledgeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Not acknowledged: {error}")
        if triage:
            return redirect(f"{triage}#patient-{share.patient_id}")
        return redirect(f"{url}#flag-{flag.pk}")
    done = services.acknowledge_flag(
        provider=request.user,
        flag=flag,
        disposition=form.cleaned_data["disposition"],
        note=form.cleaned_data["note"],
    )
    if done:
        messages.success(
            request, "Flag acknowledged. The patient sees that their care team has seen it."
        )
    else:
        who = flag.acknowledged_by.display_name if flag.acknowledged_by else "another provider"
        messages.info(request, f"This flag was already acknowledged by {who}.")
    if triage:
        return redirect(f"{triage}#patient-{share.patient_id}")
    return redirect(f"{url}#flags")


@provider_required
@require_POST
@idempotent
def provider_baseline(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Mark a shared PHQ-9 / GAD-7 as the patient's baseline, or go back to the automatic one."""
    _patient, share = get_shared_patient_or_404(request.user, patient_id)
    url = reverse("journal:provider-patient", args=[patient_id])
    period = request.POST.get("period", "")
    if period in PERIODS:
        url += f"?period={period}"
    try:
        clear = request.POST.get("clear", "")
        if clear:
            if clear not in dict(Instrument.choices):
                raise ValidationError("Choose PHQ-9 or GAD-7.")
            if outcome_services.clear_baseline(
                provider=request.user, share=share, instrument=clear
            ):
                messages.success(request, "Baseline set back to the automatic one.")
        else:
            raw = request.POST.get("questionnaire", "")
            if not raw.isdigit():
                raise ValidationError("Choose one of this patient's shared questionnaires.")
            mark = outcome_services.mark_baseline(
                provider=request.user, share=share, questionnaire_id=int(raw)
            )
            messages.success(
                request,
                f"Baseline marked ({mark.questionnaire.get_instrument_display()} of "
                f"{mark.questionnaire.completed_at.astimezone(share.patient.zone):%Y-%m-%d}). "
                "The patient sees that you chose it.",
            )
    except PermissionDenied:
        raise Http404("No such patient") from None
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, f"Baseline not changed: {text}")
    return redirect(f"{url}#outcome")


@provider_required
@require_GET
def provider_chart(request: AuthenticatedHttpRequest, patient_id: int, name: str) -> HttpResponse:
    patient, share = get_shared_patient_or_404(request.user, patient_id)
    scope = share_scope(share)
    period = provider_period(scope, _period(request))
    try:
        svg = provider_chart_svg(scope, name, period)
    except (KeyError, PermissionDenied):
        # Unknown chart or a category not shared: the same answer, so nothing is revealed.
        raise Http404("No such chart") from None
    services.record_access(
        **reader(request),
        patient=patient,
        share=share,
        what=f"chart:{name}",
    )
    return svg_response(svg)


@dataclass(frozen=True)
class OutcomeSection:
    figures: CohortFigures
    chart_title: str
    chart_src: str
    summary: str
    table: Table


@provider_required
@require_GET
def provider_outcome_chart(
    request: AuthenticatedHttpRequest, patient_id: int, instrument: str, axis: str
) -> HttpResponse:
    """A shared patient's response curve (mood & questionnaires only; 404 otherwise)."""
    patient, share = get_shared_patient_or_404(request.user, patient_id)
    found = outcome_reads.for_scope(share_scope(share))
    if instrument not in found or axis not in outcome_reads.AXES:
        raise Http404("No such chart")
    services.record_access(
        **reader(request), patient=patient, share=share, what=f"chart:outcome-{instrument}"
    )
    return svg_response(outcome_reads.curve_svg(patient, found[instrument], axis))


@provider_required
@require_GET
def provider_outcomes(request: AuthenticatedHttpRequest) -> HttpResponse:
    report = clinic_outcomes(request.user)
    # Every patient whose scores were read (cohort or left out) sees the read in their log.
    services.record_list_access(**reader(request), shares=report.shares, what=CLINIC_OUTCOMES)
    sections = [
        OutcomeSection(
            figures=figures,
            chart_title=cohort_chart_title(figures),
            chart_src=reverse("journal:provider-outcomes-chart", args=[figures.instrument]),
            summary=curve_summary(figures),
            table=curve_table(figures),
        )
        for figures in report.sections
    ]
    context = {
        "sharing": report.sharing,
        "sections": sections,
        "min_cell": MIN_CELL,
        "min_weeks": MIN_WEEKS,
        "outcome_source": OUTCOME_SOURCE,
    }
    return render(request, "journal/provider_outcomes.html", context)


@provider_required
@require_GET
def provider_outcomes_chart(request: AuthenticatedHttpRequest, instrument: str) -> HttpResponse:
    if instrument not in INSTRUMENTS:
        raise Http404("No such chart")
    report = clinic_outcomes(request.user)
    svg = cohort_chart(report.section(instrument))
    services.record_list_access(**reader(request), shares=report.shares, what=CLINIC_OUTCOMES_CHART)
    return svg_response(svg)
