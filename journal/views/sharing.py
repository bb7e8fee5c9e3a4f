"""Patient pages for consent-based sharing: shares, their history, and who viewed my data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from journal import services
from journal.forms.sharing import NewShareForm, ShareSettingsForm
from journal.http import AuthenticatedHttpRequest
from journal.idempotency import idempotent
from journal.models import Share
from journal.permissions import (
    SHARE_FIELD_BY_CATEGORY,
    get_owned_or_404,
    patient_required,
    provider_directory,
    share_status,
)
from journal.reads.sharing import access_log, share_overview
from journal.security.denials import deny


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's validation errors on the form (unknown fields go to the top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _owned_share(request: AuthenticatedHttpRequest, pk: int) -> Share:
    share = get_owned_or_404(request.user, Share.objects.select_related("provider"), pk=pk)
    share.patient = request.user
    return share


@patient_required
def share_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Expiry is noticed lazily: the history gains its "expired" line when the patient looks
    # (and from the `record_expired_shares` command, for cron).
    services.record_expired_shares(patient=request.user)
    return render(request, "journal/share_list.html", share_overview(request.user))


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def share_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = NewShareForm(request.POST or None, providers=provider_directory())
    if request.method == "POST" and form.has_error("provider", "invalid_choice"):
        # The list offers only active providers: another id was put into the form by hand.
        deny(request, status=200, reason="forged grant: not a provider here", kind="provider")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share = services.grant_share(
                patient=request.user,
                provider=data["provider"],
                categories=form.categories,
                starts_on=data["starts_on"],
                expires_on=data["expires_on"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            text = _("You are now sharing with %(name)s.") % {"name": share.provider}
            messages.success(request, text)
            return redirect("journal:share-list")
    return render(request, "journal/share_form.html", {"form": form, "share": None})


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def share_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    share = _owned_share(request, pk)
    if share.revoked_at is not None:
        messages.info(
            request, _("This share was revoked and cannot be changed. Share again instead.")
        )
        return redirect("journal:share-list")
    initial = {name: getattr(share, field) for name, field in SHARE_FIELD_BY_CATEGORY.items()}
    initial.update(starts_on=share.starts_on, expires_on=share.expires_on)
    form = ShareSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_share(
                patient=request.user,
                share=share,
                categories=form.categories,
                starts_on=form.cleaned_data["starts_on"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            text = _("Share updated.") if changed else _("Nothing changed.")
            messages.success(request, text)
            return redirect("journal:share-list")
    context = {"form": form, "share": share, "status": share_status(share)}
    return render(request, "journal/share_form.html", context)


@patient_required
@require_http_methods(["GET", "POST"])
@idempotent
def share_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    share = _owned_share(request, pk)
    if request.method == "POST":
        services.revoke_share(patient=request.user, share=share)
        text = _("%(name)s can no longer see your journal.") % {"name": share.provider}
        messages.success(request, text)
        return redirect("journal:share-list")
    return render(request, "journal/share_revoke.html", {"share": share})


@patient_required
@require_POST
def share_resume(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    share = _owned_share(request, pk)
    try:
        services.resume_share(patient=request.user, share=share)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = _("%(name)s can see what you share again.") % {"name": share.provider}
        messages.success(request, text)
    return redirect("journal:share-list")


@patient_required
def access_log_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "journal/access_log.html", access_log(request.user))
