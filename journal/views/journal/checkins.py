"""Check-ins between sessions: list, detail, create, edit, delete."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from journal import services
from journal.catalogue import answer_label, symptom_label
from journal.forms import CheckInForm
from journal.http import AuthenticatedHttpRequest, client_ip
from journal.idempotency import idempotent
from journal.models import CheckIn
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


def _checkins(request: AuthenticatedHttpRequest):
    return owned_by(request.user, CheckIn.objects.prefetch_related("ratings"))


class _CheckInFields(TypedDict):
    recorded_at: datetime
    mood: int
    anxiety: int | None
    pain: int | None
    ratings: dict[str, int]
    note: str
    note_shareable: bool


def _save_kwargs(form: CheckInForm) -> _CheckInFields:
    data = form.cleaned_data
    return {
        "recorded_at": data["recorded_at"],
        "mood": data["mood"],
        "anxiety": data["anxiety"],
        "pain": data["pain"],
        "ratings": form.ratings(),
        "note": data["note"],
        "note_shareable": data["note_shareable"],
    }


@patient_required
def checkin_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The list shows no ratings: loading them (a query and 4 objects a row) was a third of
    # the page's cost.
    rows = owned_by(request.user, CheckIn.objects.all())
    page = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "journal/checkin_list.html",
        {"page": page, "rows": [(c, scores_line(c)) for c in page.object_list]},
    )


def scores_line(checkin: CheckIn) -> str:
    """ "Mood 6/10 · anxiety 3/10 · pain 2/10" in the reader's language. Built here rather than
    by three `{% blocktranslate %}` a row: those were a fifth of the 50-row list's cost."""
    parts = [_("Mood %(mood)s/10") % {"mood": checkin.mood}]
    if checkin.anxiety is not None:
        parts.append(_("anxiety %(anxiety)s/10") % {"anxiety": checkin.anxiety})
    if checkin.pain is not None:
        parts.append(_("pain %(pain)s/10") % {"pain": checkin.pain})
    return " · ".join(parts)


@patient_required
def checkin_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    checkin = get_owned_or_404(request.user, _checkins(request), pk=pk)
    flag_rows = owned_by(request.user, flags_with_acknowledgement().filter(checkin=checkin))
    ratings = [
        (symptom_label(r.code), answer_label(r.code, r.severity), r.severity)
        for r in checkin.ratings.all()
    ]
    return render(
        request,
        "journal/checkin_detail.html",
        {
            "checkin": checkin,
            "ratings": ratings,
            "flags": flag_views(flag_rows),
            "history": history(request, "checkin", checkin.pk),
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def checkin_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CheckInForm(
        request.POST or None, initial=now_initial("recorded_at"), patient=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            checkin = services.log_checkin(patient=request.user, **_save_kwargs(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Check-in saved."))
            return redirect("journal:checkin-detail", checkin.pk)
    return render(request, "journal/checkin_form.html", {"form": form})


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def checkin_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    checkin = get_owned_or_404(request.user, _checkins(request), pk=pk)
    initial = {
        "recorded_at": checkin.recorded_at,
        "mood": checkin.mood,
        "anxiety": "" if checkin.anxiety is None else checkin.anxiety,
        "pain": "" if checkin.pain is None else checkin.pain,
        "note": checkin.note,
        "note_shareable": checkin.note_shareable,
        "version": checkin.version,
        **CheckInForm.rating_initial({r.code: r.severity for r in checkin.ratings.all()}),
    }
    return edit_entry(
        request,
        form_class=CheckInForm,
        initial=initial,
        context={"checkin": checkin},
        save=lambda form, version: services.edit_checkin(
            patient=request.user, checkin=checkin, expected_version=version, **_save_kwargs(form)
        ),
        template="journal/checkin_form.html",
        message=_("Check-in updated."),
        done=("journal:checkin-detail", checkin.pk),
    )


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def checkin_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    checkin = get_owned_or_404(request.user, _checkins(request), pk=pk)
    return confirm_delete(
        request,
        checkin,
        what=_("this check-in"),
        cancel_url_name="journal:checkin-detail",
        delete=lambda: services.delete_checkin(
            patient=request.user, checkin=checkin, ip=client_ip(request)
        ),
        message=_("Check-in deleted."),
        done=("journal:checkin-list",),
    )
