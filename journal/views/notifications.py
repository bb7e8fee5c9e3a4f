"""Notifications: one-click unsubscribe from emails, the in-app list, preferences."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journal.forms.notifications import ProviderAlertForm, ReminderPreferencesForm
from journal.http import AuthenticatedHttpRequest
from journal.models import ClinicSettings, NotificationKind
from journal.notifications import push
from journal.notifications.channels import (
    read_on_call_unsubscribe_token,
    read_unsubscribe_token,
)
from journal.permissions import not_found
from journal.reads import notifications as reads
from journal.services import notifications as service

PAGE = 50


@login_not_required
@csrf_exempt  # RFC 8058: mail clients POST the one-click unsubscribe without a form token.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST (the button, or the mail client's one-click) stops the emails.
    The signed token is the only credential, and it can do nothing else."""
    named = read_unsubscribe_token(token)
    if named is None:
        raise not_found()
    user_id, kind = named
    label = NotificationKind(kind).label
    if request.method == "POST":
        if service.unsubscribe(user_id=user_id, kind=kind) is None:
            raise not_found()
        return render(request, "notifications/unsubscribed.html", {"label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label})


@login_not_required
@csrf_exempt  # RFC 8058, as above.
@require_http_methods(["GET", "POST"])
def on_call_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The clinic's on-call address stops its alert emails: GET asks, POST clears it from the
    clinic settings (the clinic admin can set an address again)."""
    address = read_on_call_unsubscribe_token(token)
    if address is None:
        raise not_found()
    label = "urgent flag alerts to the clinic's on-call address"
    if request.method == "POST":
        service.stop_on_call_alerts(address=address)
        return render(request, "notifications/unsubscribed.html", {"label": label, "on_call": True})
    return render(request, "notifications/unsubscribe.html", {"label": label, "on_call": True})


@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's reminders and alerts, newest first, with the unread count."""
    user = request.user
    return render(
        request,
        "notifications/notification_list.html",
        {
            "notifications": list(reads.shown_to(user)[:PAGE]),
            "unread": reads.unread_count(user),
        },
    )


@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark everything in the list as read."""
    service.mark_all_read(user=request.user)
    return redirect("journal:notification-list")


@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reminder choices (patients) or alert channel (providers); clinic admins get none."""
    user = request.user
    pref = service.preferences_of(user)
    form: forms.Form | None = None
    data = request.POST if request.method == "POST" else None
    if user.is_patient:
        initial = {name: getattr(pref, name) for name in service.PREFERENCE_FIELDS}
        form = ReminderPreferencesForm(ClinicSettings.load(), data, initial=initial)
    elif user.is_provider:
        form = ProviderAlertForm(data, initial={"alert_channel": pref.alert_channel})
    if form is not None and data is not None and form.is_valid():
        service.save_preferences(user=user, values=form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("journal:notification-settings")
    if data is not None and form is None:
        raise PermissionDenied("Clinic admin accounts get no reminders.")
    offer_push = push.enabled() and not user.is_clinic_admin
    return render(
        request,
        "notifications/notification_settings.html",
        {"form": form, "push_key": push.public_key() if offer_push else ""},
    )


def _json(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@require_POST
def push_subscribe(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Store this browser's push subscription (JSON from PushSubscription.toJSON())."""
    if not push.enabled() or request.user.is_clinic_admin:
        raise not_found()
    data = _json(request)
    raw_keys = data.get("keys")
    keys: dict = raw_keys if isinstance(raw_keys, dict) else {}
    try:
        service.save_push_subscription(
            user=request.user,
            endpoint=str(data.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
        )
    except ValidationError:
        return JsonResponse({"ok": False}, status=400)
    return JsonResponse({"ok": True}, status=201)


@require_POST
def push_unsubscribe(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Forget this browser's push subscription."""
    endpoint = str(_json(request).get("endpoint", ""))
    service.remove_push_subscription(user=request.user, endpoint=endpoint)
    return JsonResponse({"ok": True})
