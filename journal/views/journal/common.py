"""Small helpers shared by the journal views."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from journal.http import AuthenticatedHttpRequest
from journal.models import EntryRevision, Flag
from journal.permissions import owned_by
from journal.reads.patient import describe_snapshot, edit_history
from journal.services import StaleEdit

# Rows per page of the check-in and session lists: a patient scrolling their history on a phone.
LIST_PAGE_SIZE = 50

# Service field names that differ from the form's.
FIELD_ALIASES = {"ratings": None, "readings": None, "answers": None, "instrument": None}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's validation errors on the matching form fields (else on the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        target = field if field in form.fields and field not in FIELD_ALIASES else None
        for message in errors:
            form.add_error(target, message)


def with_version(request: AuthenticatedHttpRequest, version: int) -> dict[str, Any]:
    """The submitted data with the version replaced (to save over a conflict knowingly)."""
    data = request.POST.copy()
    data["version"] = str(version)
    return data


def conflict_context(exc: StaleEdit) -> dict[str, Any]:
    """Template context describing what is saved now, for the conflict notice."""
    return {"conflict": describe_snapshot(exc.current), "conflict_version": exc.current_version}


def history(request: AuthenticatedHttpRequest, entry_type: str, entry_id: int) -> list:
    """The signed-in patient's earlier versions of one entry."""
    return edit_history(owned_by(request.user, EntryRevision.objects.all()), entry_type, entry_id)


def now_initial(*names: str) -> dict[str, Any]:
    """Initial values for date/time fields: now (shown in the patient's zone)."""
    now = timezone.now()
    return dict.fromkeys(names, now)


def flags_with_acknowledgement() -> QuerySet[Flag]:
    """Flags with the acknowledging provider joined in (shown next to each flag, no N+1)."""
    return Flag.objects.select_related("acknowledged_by")


def confirm_delete(
    request: AuthenticatedHttpRequest,
    entry: object,
    *,
    what: str,
    cancel_url_name: str,
    delete: Callable[[], None],
    message: str,
    done: tuple[Any, ...],
    consequence: str = "",
) -> HttpResponse:
    """GET: the confirmation page for `entry`; POST: call `delete`, say `message`, redirect
    to `done` (a URL name and its arguments)."""
    if request.method == "POST":
        delete()
        messages.success(request, message)
        return redirect(*done)
    context = {
        "entry": entry,
        "what": what,
        "consequence": consequence,
        "cancel_url_name": cancel_url_name,
    }
    return render(request, "journal/entry_confirm_delete.html", context)


def edit_entry(
    request: AuthenticatedHttpRequest,
    *,
    form_class: Callable[..., forms.Form],
    initial: dict[str, Any],
    context: dict[str, Any],
    save: Callable[[Any, int], object],
    template: str,
    message: str,
    done: tuple[Any, ...],
) -> HttpResponse:
    """GET: the form with `initial` (the entry's values and version); POST: `save(form,
    expected_version)`, say `message`, redirect to `done` (a URL name and its arguments). A stale
    version answers 409 with what is saved now; the service's validation errors go onto the form.
    `form_class` may be a `functools.partial` carrying the form's extra arguments."""
    form_class = partial(form_class, patient=request.user)
    form = form_class(request.POST or None, initial=initial)
    context = {"form": form, **context}
    if request.method == "POST" and form.is_valid():
        try:
            save(form, form.cleaned_data["version"] or 0)  # no version: show the conflict
        except StaleEdit as exc:
            context.update(conflict_context(exc))
            context["form"] = form_class(with_version(request, exc.current_version))
            return render(request, template, context, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(*done)
    return render(request, template, context)
