"""Devices: the signed-in person's open sessions, and ending them (every role)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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
        ended = _("%(device)s is logged out.") % {"device": device_label(device.user_agent)}
        messages.success(request, ended)
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
        text = ngettext(
            "Logged out of %(count)s other session.",
            "Logged out of %(count)s other sessions.",
            ended,
        ) % {"count": ended}
        messages.success(request, text)
    else:
        messages.info(request, _("You were not logged in anywhere else."))
    return redirect("journal:account-devices")
