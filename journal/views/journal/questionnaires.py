"""PHQ-9 and GAD-7: fill in, result page (with crisis resources when needed), edit, delete."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from journal import services
from journal.catalogue import PHQ9_SELF_HARM_ITEM, QUESTIONNAIRES, SCREENING_NOTICE
from journal.forms import QuestionnaireForm
from journal.http import AuthenticatedHttpRequest, client_ip
from journal.idempotency import idempotent
from journal.models import QuestionnaireResponse
from journal.permissions import get_owned_or_404, not_found, owned_by, patient_required
from journal.reads.patient import flag_views, instrument_or_none
from journal.views.journal.common import (
    add_service_errors,
    confirm_delete,
    edit_entry,
    flags_with_acknowledgement,
    history,
)


def _responses(request: AuthenticatedHttpRequest):
    return owned_by(request.user, QuestionnaireResponse.objects.all())


@patient_required
def questionnaire_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(_responses(request), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "journal/questionnaire_list.html",
        {"page": page, "questionnaires": list(QUESTIONNAIRES.values())},
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def questionnaire_create(request: AuthenticatedHttpRequest, instrument: str) -> HttpResponse:
    if instrument_or_none(instrument) is None:
        raise not_found()
    questionnaire = QUESTIONNAIRES[instrument]
    form = QuestionnaireForm(
        request.POST or None, questionnaire=questionnaire, patient=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            response = services.submit_questionnaire(
                patient=request.user,
                instrument=instrument,
                answers=form.answers(),
                difficulty=form.cleaned_data["difficulty"],
                completed_at=timezone.now(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("journal:questionnaire-detail", response.pk)
    return render(
        request,
        "journal/questionnaire_form.html",
        {"form": form, "questionnaire": questionnaire, "screening_notice": SCREENING_NOTICE},
    )


@patient_required
def questionnaire_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = get_owned_or_404(request.user, _responses(request), pk=pk)
    questionnaire = QUESTIONNAIRES[response.instrument]
    flag_rows = owned_by(request.user, flags_with_acknowledgement().filter(questionnaire=response))
    options = dict(questionnaire.options)
    items = [
        (item, options.get(answer, answer))
        for item, answer in zip(questionnaire.items, response.answers, strict=False)
    ]
    self_harm = (
        response.instrument == "phq9"
        and len(response.answers) > PHQ9_SELF_HARM_ITEM
        and response.answers[PHQ9_SELF_HARM_ITEM] > 0
    )
    return render(
        request,
        "journal/questionnaire_detail.html",
        {
            "response": response,
            "questionnaire": questionnaire,
            "items": items,
            "difficulty": dict(questionnaire.difficulty_options).get(response.difficulty),
            "self_harm": self_harm,
            "screening_notice": SCREENING_NOTICE,
            "flags": flag_views(flag_rows),
            "history": history(request, "questionnaire", response.pk),
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def questionnaire_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = get_owned_or_404(request.user, _responses(request), pk=pk)
    questionnaire = QUESTIONNAIRES[response.instrument]
    initial = {
        **QuestionnaireForm.answer_initial(list(response.answers), response.difficulty),
        "version": response.version,
    }
    return edit_entry(
        request,
        form_class=partial(QuestionnaireForm, questionnaire=questionnaire),
        initial=initial,
        context={
            "questionnaire": questionnaire,
            "response": response,
            "screening_notice": SCREENING_NOTICE,
        },
        save=lambda form, version: services.edit_questionnaire(
            patient=request.user,
            response=response,
            expected_version=version,
            answers=form.answers(),
            difficulty=form.cleaned_data["difficulty"],
            completed_at=response.completed_at,
        ),
        template="journal/questionnaire_form.html",
        message=_("Answers updated."),
        done=("journal:questionnaire-detail", response.pk),
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def questionnaire_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = get_owned_or_404(request.user, _responses(request), pk=pk)
    return confirm_delete(
        request,
        response,
        what=_("this %(instrument)s") % {"instrument": response.get_instrument_display()},
        cancel_url_name="journal:questionnaire-detail",
        delete=lambda: services.delete_questionnaire(
            patient=request.user, response=response, ip=client_ip(request)
        ),
        message=_("Questionnaire deleted."),
        done=("journal:questionnaire-list",),
    )
