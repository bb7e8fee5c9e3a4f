"""Password reset pages, audited (request and completion) and kept out of caches."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from journal.http import client_ip
from journal.security.forms import RecipientLanguagePasswordResetForm
from journal.services import security as security_services


class AuditedPasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, plus an audit row (the typed address only as a keyed hash)."""

    extra_email_context = {"site_name": "Aftercare"}
    # The email is written in the account's language, not the language of the page it was
    # asked from.
    form_class = RecipientLanguagePasswordResetForm

    def form_valid(self, form) -> HttpResponse:
        security_services.record_password_reset_request(
            email=form.cleaned_data["email"], ip=client_ip(self.request)
        )
        return super().form_valid(form)


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's set-new-password step; afterwards every session ends and locks lift."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        security_services.complete_password_reset(user=form.user, ip=client_ip(self.request))
        return response
