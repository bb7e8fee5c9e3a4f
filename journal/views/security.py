"""Account settings and security pages: profile, password, email, MFA, re-authentication."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from journal.http import AuthenticatedHttpRequest, client_ip, is_signed_in
from journal.permissions import home_url_name, must_use_mfa
from journal.security import recent_auth_required
from journal.security.forms import (
    AccountSettingsForm,
    CodeForm,
    CurrentPasswordChangeForm,
    EmailChangeForm,
    ReauthForm,
    SetupCodeForm,
)
from journal.security.mfa import manual_key, qr_svg
from journal.security.sessions import (
    is_verified,
    mark_recent_auth,
    mfa_enrolled,
    set_mfa_enrolled,
)
from journal.services import record_audit
from journal.services import security as security_services

BAD_CODE = gettext_lazy(
    "That code is not right, has already been used, or has expired. Try the next one."
)


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    """The `next` parameter if it points into this site, else `default` (or the home page)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    if default:
        return default
    # Only signed-in pages pass no default (the console's log-in hands its own).
    assert is_signed_in(request)
    return reverse(home_url_name(request.user))


def _throttle_message(check: security_services.CodeCheck) -> str:
    if check.throttled_until is None:
        return str(BAD_CODE)
    return _wait_message(check.throttled_until)


def _wait_message(until: datetime | None) -> str:
    if until is None:
        return _("Too many wrong codes. Wait a few seconds, then try the newest code.")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    return ngettext(
        "Too many wrong codes. Wait %(seconds)s second, then try the newest code.",
        "Too many wrong codes. Wait %(seconds)s seconds, then try the newest code.",
        seconds,
    ) % {"seconds": seconds}


def _start_verified_session(request: AuthenticatedHttpRequest, device) -> None:
    """After a second factor: bind the device and rotate the session key (privilege change)."""
    otp_login(request, device)
    request.session.cycle_key()
    set_mfa_enrolled(request, True)
    mark_recent_auth(request)


@require_http_methods(["GET", "POST"])
def account_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "display_name": user.display_name,
        "time_zone": user.time_zone,
        "language": user.language,
        "idle_timeout_minutes": user.idle_timeout_minutes or "",
    }
    form = AccountSettingsForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            security_services.update_account_settings(
                user=user,
                display_name=form.cleaned_data["display_name"],
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"] or None,
                idle_timeout_minutes=form.cleaned_data.get("idle_timeout_minutes"),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Said in the language just chosen, which the next page is shown in.
            with translation.override(form.cleaned_data["language"] or translation.get_language()):
                messages.success(request, _("Your settings are saved."))
            return redirect("journal:account-settings")
    return render(
        request,
        "security/account_settings.html",
        {
            "form": form,
            "mfa_on": mfa_enrolled(request),
            "mfa_required": must_use_mfa(user),
            "recovery_codes_left": security_services.remaining_recovery_codes(user),
        },
    )


@require_http_methods(["GET", "POST"])
@recent_auth_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CurrentPasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        security_services.change_password(
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session_key=request.session.session_key,
            ip=client_ip(request),
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password is changed. Other devices were logged out."))
        return redirect("journal:account-settings")
    if form.has_error("old_password", "password_incorrect"):
        record_audit(
            action="password.change",
            actor=request.user,
            subject=request.user,
            ip=client_ip(request),
            outcome="failure",
        )
    return render(request, "security/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
@recent_auth_required
def email_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security_services.request_email_change(
                user=request.user,
                new_email=form.cleaned_data["email"],
                confirm_url=lambda token: request.build_absolute_uri(
                    reverse("journal:email-change-confirm", args=[token])
                ),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error("email", " ".join(exc.messages))
        else:
            sent = _(
                "We sent a confirmation link to %(email)s. "
                "Your email address changes when you open that link while logged in. "
                "Until then, keep logging in with your current address."
            ) % {"email": form.cleaned_data["email"].strip().lower()}
            messages.info(request, sent)
            return redirect("journal:account-settings")
    return render(request, "security/email_change.html", {"form": form})


# The emailed link's token, kept in the session once the link is opened, so the page that asks
# for confirmation (and any later Referer, history entry or access-log line) carries no token.
PENDING_EMAIL_TOKEN_KEY = "email_change_token"  # noqa: S105 (a session key name)


@require_http_methods(["GET", "POST"])
def email_change_confirm(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The emailed link: a valid token moves into the session and the person continues at
    `email-change-confirm-pending`; a POST here still confirms (a form posted to the link)."""
    if request.method == "POST":
        return _confirm_email_change(request, token)
    try:
        security_services.pending_email_change(user=request.user, token=token)
    except ValidationError as exc:
        return _email_link_refused(request, exc)
    request.session[PENDING_EMAIL_TOKEN_KEY] = token
    return redirect("journal:email-change-confirm-pending")


@require_http_methods(["GET", "POST"])
def email_change_confirm_pending(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Confirm the change whose link this session opened (404 without one)."""
    token = request.session.get(PENDING_EMAIL_TOKEN_KEY, "")
    if request.method == "POST":
        return _confirm_email_change(request, token)
    try:
        new_email = security_services.pending_email_change(user=request.user, token=token)
    except ValidationError as exc:
        return _email_link_refused(request, exc)
    return render(request, "security/email_change_confirm.html", {"new_email": new_email})


def _confirm_email_change(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    try:
        new_email = security_services.confirm_email_change(
            user=request.user, token=token, ip=client_ip(request)
        )
    except ValidationError as exc:
        return _email_link_refused(request, exc)
    request.session.pop(PENDING_EMAIL_TOKEN_KEY, None)
    changed = _("Your email address is now %(email)s. Use it to log in.") % {"email": new_email}
    messages.success(request, changed)
    return redirect("journal:account-settings")


def _email_link_refused(request: AuthenticatedHttpRequest, exc: ValidationError) -> HttpResponse:
    # The same answer for a forged, expired, spent or someone else's link, and for none.
    context = {"error": " ".join(exc.messages)}
    return render(request, "security/email_change_invalid.html", context, status=404)


@require_http_methods(["GET", "POST"])
def reauth(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    with_code = mfa_enrolled(request)
    form = ReauthForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        # authenticate() goes through django-axes, so guessing here counts toward the lock.
        same = authenticate(request, username=user.email, password=form.cleaned_data["password"])
        ok = same is not None and same.pk == user.pk
        check = None
        if ok and with_code:
            check = security_services.check_second_factor(
                user=user, code=form.cleaned_data["code"], ip=ip, purpose="reauth"
            )
            ok = check.ok
        record_audit(
            action="reauth", actor=user, subject=user, ip=ip, outcome="success" if ok else "failure"
        )
        if ok:
            if check is not None:
                _start_verified_session(request, check.device)
            mark_recent_auth(request)
            return redirect(safe_next(request, reverse("journal:account-settings")))
        form.add_error(
            None,
            _throttle_message(check)
            if check is not None and check.throttled_until
            else _("The password or code is not right."),
        )
    return render(
        request,
        "security/reauth.html",
        {"form": form, "next": safe_next(request, reverse("journal:account-settings"))},
    )


@require_http_methods(["GET", "POST"])
def mfa_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next(request)
    if is_verified(user):
        return redirect(next_url)
    if not security_services.has_mfa(user):
        set_mfa_enrolled(request, False)
        if must_use_mfa(user):
            return redirect(f"{reverse('journal:mfa-setup')}?{urlencode({'next': next_url})}")
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = security_services.check_second_factor(
            user=user, code=form.cleaned_data["code"], ip=client_ip(request)
        )
        if check.device is not None:  # the code was right
            _start_verified_session(request, check.device)
            if check.device.persistent_id.startswith("otp_static."):
                left = security_services.remaining_recovery_codes(user)
                warning = ngettext(
                    "You used a recovery code; %(left)s left. Make new ones in your account "
                    "settings if you are running low.",
                    "You used a recovery code; %(left)s left. Make new ones in your account "
                    "settings if you are running low.",
                    left,
                ) % {"left": left}
                messages.warning(request, warning)
            return redirect(next_url)
        form.add_error("code", _throttle_message(check))
    return render(request, "security/mfa_verify.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
@recent_auth_required
def mfa_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if security_services.confirmed_totp_device(user) is not None:
        messages.info(request, _("Two-step verification is already on."))
        return redirect("journal:account-settings")
    device = security_services.start_totp_setup(user=user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = security_services.confirm_totp_setup(
                user=user,
                token=form.cleaned_data["code"],
                keep_session_key=request.session.session_key,
                ip=client_ip(request),
            )
        except security_services.CodeThrottled as throttled:
            form.add_error("code", _wait_message(throttled.until))
        else:
            if result is not None:
                confirmed, codes = result
                _start_verified_session(request, confirmed)
                return render(
                    request,
                    "security/recovery_codes.html",
                    {"codes": codes, "next": safe_next(request), "just_enabled": True},
                )
            form.add_error("code", BAD_CODE)
    return render(
        request,
        "security/mfa_setup.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url),
            "manual_key": manual_key(device.key),
            "next": safe_next(request),
            "required": must_use_mfa(user),
        },
    )


@require_POST
@recent_auth_required
def mfa_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    security_services.remove_mfa(
        actor=request.user,
        user=request.user,
        keep_session_key=request.session.session_key,
        ip=client_ip(request),
    )
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    set_mfa_enrolled(request, False)
    if must_use_mfa(request.user):
        messages.info(request, _("Your authenticator was removed. Set up the new one now."))
        return redirect("journal:mfa-setup")
    messages.success(request, _("Two-step verification is off."))
    return redirect("journal:account-settings")


@require_POST
@recent_auth_required
def mfa_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        codes = security_services.regenerate_recovery_codes(
            user=request.user, ip=client_ip(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("journal:account-settings")
    return render(
        request,
        "security/recovery_codes.html",
        {"codes": codes, "next": reverse("journal:account-settings"), "just_enabled": False},
    )
