"""Provider workspace: triage list, patient summary (screen and print), flag acknowledgement,
clinic outcomes.

Every page asks `journal.permissions` for the active share on each request, and every read of
patient data writes an access event the patient can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from journal import services
from journal.access_wording import CLINIC_OUTCOMES, CLINIC_OUTCOMES_CHART
from journal.chartdata import CHART_CACHE_SECONDS, PERIODS, PROVIDER_DEFAULT_PERIOD
from journal.charts import PRINT_CHARTS, variant_srcs
from journal.charts.cohort import cohort_chart, cohort_chart_title
from journal.cohort import MIN_CELL, MIN_WEEKS, CohortFigures, curve_summary, curve_table
from journal.forms.sharing import FlagAcknowledgeForm
from journal.forms.triage import TriageQueryForm
from journal.http import AuthenticatedHttpRequest, reader
from journal.idempotency import idempotent
from journal.models import Flag, FlagDisposition, Instrument, Share
from journal.outcomes import OUTCOME_SOURCE
from journal.permissions import (
    Scope,
    get_shared_flag_or_404,
    get_shared_patient_or_404,
    provider_required,
    share_scope,
    shared_flags,
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
    Summary,
    kind_label,
    open_flag_count,
    patient_summary,
    shared_flag_views,
    triage_page,
)
from journal.services import outcomes as outcome_services
from journal.summaries import Table
from journal.views.dashboard import chart_variant, svg_response


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
        "order": query.order,
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


# Rows per page of each entries table on the summary (each table has its own GET parameter).
ENTRIES_PAGE_SIZE = 20


@dataclass(frozen=True)
class EntriesTable:
    """One paginated entries table: `key` names its GET parameter (`<key>_page`) and anchor."""

    key: str
    page: Page
    newer_url: str
    older_url: str
    opened: bool


def _entries_table(request: AuthenticatedHttpRequest, key: str, rows: list) -> EntriesTable:
    param = f"{key}_page"
    page = Paginator(rows, ENTRIES_PAGE_SIZE).get_page(request.GET.get(param))

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}#entries-{key}"

    return EntriesTable(
        key=key,
        page=page,
        newer_url=url(page.previous_page_number()) if page.has_previous() else "",
        older_url=url(page.next_page_number()) if page.has_next() else "",
        opened=param in request.GET,
    )


def _charts_html(summary: Summary, scope: Scope, printing: bool) -> tuple[str, list]:
    """The summary's "Charts" section (pictures, sentences, tables), and the panels when they
    were built: the section is made only of the cached summary's data, so it is cached under the
    same key (with printing, which draws fewer pictures); the print page also needs the panels
    for its tables."""
    key = f"{summary.cache_key}:charts:{int(printing)}"
    cached = cache.get(key) if summary.cache_key else None
    if cached is not None and not printing:
        return mark_safe(cached), []  # noqa: S308 (rendered by our template, autoescaped)
    panels = provider_panels(scope, summary.chart_period, data=summary.data)
    if cached is None:
        cached = render_to_string(
            "journal/_provider_charts.html",
            {
                "panels": panels,
                "chart_period": summary.chart_period,
                "print_charts": PRINT_CHARTS,
                "printing": printing,
            },
        )
        if summary.cache_key:
            cache.set(key, cached, CHART_CACHE_SECONDS)
    return mark_safe(cached), panels  # noqa: S308 (rendered by our template, autoescaped)


def _summary_page(
    request: AuthenticatedHttpRequest,
    patient_id: int,
    template: str,
    what: str,
    printing: bool = False,
) -> HttpResponse:
    patient, share = get_shared_patient_or_404(request.user, patient_id)
    summary = patient_summary(share, _period(request))
    with translation.override("en"):  # a stored code, in English whatever the reader's language
        period_code = str(PERIODS[summary.period].title).lower()
    services.record_access(
        **reader(request),
        patient=patient,
        share=share,
        what=f"{what} ({period_code})",
    )
    scope = share_scope(share)
    drawn = outcome_reads.curves(
        [item.outcome for item in summary.outcomes],
        "provider",
        lambda name, axis: reverse("journal:provider-outcome-chart", args=[patient.pk, name, axis]),
        # The outcomes are the cached summary's, so their tables are cached with it.
        cache_key=summary.cache_key,
    )
    charts_html, panels = _charts_html(summary, scope, printing)
    tables = {}
    if summary.mood is not None:
        tables["mood"] = _entries_table(request, "mood", summary.mood["rows"])
    if summary.side_effects is not None:
        tables["sessions"] = _entries_table(request, "sessions", summary.side_effects["sessions"])
        tables["symptoms"] = _entries_table(request, "symptoms", summary.side_effects["checkins"])
    if summary.notes is not None:
        tables["notes"] = _entries_table(request, "notes", summary.notes)
    context = {
        "patient": patient,
        "summary": summary,
        "periods": [(key, p.title) for key, p in PERIODS.items()],
        "chart_period": summary.chart_period,
        # Every shared chart's sentence and table (print draws only PRINT_CHARTS' pictures).
        "charts_html": charts_html,
        "panels": panels,
        "tables": tables,
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
        request, patient_id, "journal/provider_patient_print.html", "printable summary", True
    )


def _wants_fragment(request: AuthenticatedHttpRequest) -> bool:
    """A script's submission (`flag_ack.js`): answer with the updated part of the page."""
    return request.headers.get("X-Requested-With") == "fetch" or "text/html-fragment" in (
        request.headers.get("Accept", "")
    )


def _summary_url(patient_id: int, request: AuthenticatedHttpRequest) -> str:
    url = reverse("journal:provider-patient", args=[patient_id])
    period = request.POST.get("period", "")
    return f"{url}?period={period}" if period in PERIODS else url


def _ack_answer(
    request: AuthenticatedHttpRequest,
    *,
    url: str,
    share: Share,
    acknowledged: list[Flag],
    message: str,
    level: str,
    triage: bool = False,
) -> HttpResponse:
    """Redirect back with a message, or (for a script) the updated flag blocks and the message
    as a fragment; a fragment that reports success names the page in `Content-Location`, so
    `@idempotent` remembers it as it remembers a redirect."""
    if not _wants_fragment(request):
        getattr(messages, level)(request, message)
        return redirect(url)
    patient = share.patient
    items = [] if triage else shared_flag_views(share, [flag.pk for flag in acknowledged])
    open_count = 0 if triage else open_flag_count(share)
    context = {
        "patient": patient,
        "items": items,
        "triage": triage,
        "acknowledged": acknowledged,
        "message": message,
        "level": "danger" if level == "error" else level,
        "period": request.POST.get("period", ""),
        "open_count": open_count,
        "dispositions": FlagDisposition.choices,
    }
    response = render(
        request,
        "journal/_flag_ack_result.html",
        context,
        status=400 if level == "error" else 200,
    )
    response["X-Fragment"] = "flag-ack"
    if level != "error":
        response["Content-Location"] = url
    return response


def _form_errors(form: FlagAcknowledgeForm) -> str:
    return " ".join(
        _("Not acknowledged: %(error)s") % {"error": e}
        for errors in form.errors.values()
        for e in errors
    )


@provider_required
@require_POST
@idempotent
def provider_flag_acknowledge(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    flag, share = get_shared_flag_or_404(request.user, flag_id)
    back = _triage_return(request)
    triage = back is not None
    url = (
        f"{back}#patient-{share.patient_id}"
        if back is not None
        else _summary_url(share.patient_id, request)
    )
    form = FlagAcknowledgeForm(request.POST)
    if not form.is_valid():
        return _ack_answer(
            request,
            url=url if triage else f"{url}#flag-{flag.pk}",
            share=share,
            acknowledged=[],
            message=_form_errors(form),
            level="error",
            triage=triage,
        )
    done = services.acknowledge_flag(
        provider=request.user,
        flag=flag,
        disposition=form.cleaned_data["disposition"],
        note=form.cleaned_data["note"],
    )
    if done:
        message = _("Flag acknowledged. The patient sees that their care team has seen it.")
    else:
        who = flag.acknowledged_by.display_name if flag.acknowledged_by else _("another provider")
        message = _("This flag was already acknowledged by %(name)s.") % {"name": who}
    return _ack_answer(
        request,
        url=url if triage else f"{url}#flags",
        share=share,
        acknowledged=[flag],
        message=message,
        level="success" if done else "info",
        triage=triage,
    )


@provider_required
@require_POST
@idempotent
def provider_flags_acknowledge(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Acknowledge the chosen flags of one patient with one disposition and note, all or
    nothing; a flag this provider may not see (or not this patient's) answers 404."""
    _patient, share = get_shared_patient_or_404(request.user, patient_id)
    url = _summary_url(patient_id, request) + "#flags"
    raw = request.POST.getlist("flag")
    if not all(value.isdigit() for value in raw):
        raise Http404("No such flag")
    chosen = list(shared_flags(share).filter(pk__in={int(value) for value in raw}))
    if len(chosen) != len(set(raw)):
        raise Http404("No such flag")
    form = FlagAcknowledgeForm(request.POST)
    if not chosen or not form.is_valid():
        text = _form_errors(form) if chosen else _("Not acknowledged: choose at least one flag.")
        return _ack_answer(
            request, url=url, share=share, acknowledged=[], message=text, level="error"
        )
    try:
        done = services.acknowledge_flags(
            provider=request.user,
            flags=chosen,
            disposition=form.cleaned_data["disposition"],
            note=form.cleaned_data["note"],
        )
    except PermissionDenied:
        raise Http404("No such flag") from None
    skipped = len(chosen) - len(done)
    message = ngettext(
        "%(count)s flag acknowledged.", "%(count)s flags acknowledged.", len(done)
    ) % {"count": len(done)}
    if skipped:
        message += " " + ngettext(
            "%(count)s had already been acknowledged by another provider.",
            "%(count)s had already been acknowledged by another provider.",
            skipped,
        ) % {"count": skipped}
    message += " " + _("The patient sees that their care team has seen them.")
    return _ack_answer(
        request, url=url, share=share, acknowledged=chosen, message=message, level="success"
    )


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
                raise ValidationError(_("Choose PHQ-9 or GAD-7."))
            if outcome_services.clear_baseline(
                provider=request.user, share=share, instrument=clear
            ):
                messages.success(request, _("Baseline set back to the automatic one."))
        else:
            raw = request.POST.get("questionnaire", "")
            if not raw.isdigit():
                raise ValidationError(_("Choose one of this patient's shared questionnaires."))
            mark = outcome_services.mark_baseline(
                provider=request.user, share=share, questionnaire_id=int(raw)
            )
            day = mark.questionnaire.completed_at.astimezone(share.patient.zone)
            text = _(
                "Baseline marked (%(instrument)s of %(day)s). The patient sees that you chose it."
            ) % {
                "instrument": mark.questionnaire.get_instrument_display(),
                "day": f"{day:%Y-%m-%d}",
            }
            messages.success(request, text)
    except PermissionDenied:
        raise Http404("No such patient") from None
    except ValidationError as error:
        for text in error.messages:
            refused = _("Baseline not changed: %(reason)s") % {"reason": text}
            messages.error(request, refused)
    return redirect(f"{url}#outcome")


@provider_required
@require_GET
def provider_chart(request: AuthenticatedHttpRequest, patient_id: int, name: str) -> HttpResponse:
    patient, share = get_shared_patient_or_404(request.user, patient_id)
    scope = share_scope(share)
    period = provider_period(scope, _period(request))
    variant = chart_variant(request)
    try:
        svg = provider_chart_svg(scope, name, period, variant)
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

    @property
    def srcs(self) -> dict[str, str]:
        """The phone and dark drawings' URLs (`charts.variant_srcs`)."""
        return variant_srcs(self.chart_src)


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
    variant = chart_variant(request)
    services.record_access(
        **reader(request), patient=patient, share=share, what=f"chart:outcome-{instrument}"
    )
    return svg_response(outcome_reads.curve_svg(patient, found[instrument], axis, variant))


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
    variant = chart_variant(request)
    report = clinic_outcomes(request.user)
    svg = cohort_chart(report.section(instrument), variant=variant)
    services.record_list_access(**reader(request), shares=report.shares, what=CLINIC_OUTCOMES_CHART)
    return svg_response(svg)
