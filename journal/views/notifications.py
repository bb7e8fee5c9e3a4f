"""Notifications: one-click unsubscribe from emails, the in-app list, preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journal.forms.notifications import ProviderAlertForm, ReminderPreferencesForm
from journal.http import AuthenticatedHttpRequest
from journal.models import ClinicSettings, NotificationKind
from journal.notifications.channels import read_unsubscribe_token
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
        messages.success(request, "Your notification settings are saved.")
        return redirect("journal:notification-settings")
    if data is not None and form is None:
        raise PermissionDenied("Clinic admin accounts get no reminders.")
    return render(request, "notifications/notification_settings.html", {"form": form})
