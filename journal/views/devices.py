"""Devices: the signed-in person's open sessions, and ending them (every role)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_GET, require_POST

from journal.http import AuthenticatedHttpRequest, client_ip
from journal.idempotency import idempotent
from journal.permissions import get_own_device_or_404, own_devices
from journal.reads.devices import devices_page
from journal.services import devices as device_services
from journal.user_agents import device_label


@require_GET
def devices(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = devices_page(own_devices(request.user), current_key=request.session.session_key)
    return render(request, "security/devices.html", context)


@require_POST
@idempotent
def device_end(request: AuthenticatedHttpRequest, device_id: int) -> HttpResponse:
    device = get_own_device_or_404(request.user, device_id)
    try:
        device_services.end_session(
            user=request.user,
            device=device,
            keep_session_key=request.session.session_key,
            ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{device_label(device.user_agent)} is logged out.")
    return redirect("journal:account-devices")


@require_POST
@idempotent
def devices_end_others(request: AuthenticatedHttpRequest) -> HttpResponse:
    ended = device_services.end_all_sessions(
        actor=request.user,
        user=request.user,
        keep_session_key=request.session.session_key,
        ip=client_ip(request),
    )
    if ended:
        messages.success(request, f"Logged out of {ended} other session{pluralize(ended)}.")
    else:
        messages.info(request, "You were not logged in anywhere else.")
    return redirect("journal:account-devices")
