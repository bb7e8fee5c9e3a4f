"""The log-in page: Django's LoginView with one addition for accounts waiting for erasure.

A patient who asked to delete their account is deactivated for a grace period. Logging in
again with the right password during that period cancels the deletion. The check runs before
authentication (a deactivated account cannot authenticate) and after django-axes' lock-out
check, so a locked-out guesser can neither cancel an erasure nor learn anything from trying:
every failure still ends in the one generic log-in error.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.utils.translation import gettext, gettext_noop

from journal.http import client_ip
from journal.services import data_rights

# English here (tests compare it); shown in the reader's language.
ERASURE_CANCELLED = gettext_noop(
    "Welcome back. Your request to delete your account is cancelled: your account is active "
    "again and your journal is kept. You can ask for deletion again from your account page."
)


class LoginForm(AuthenticationForm):
    """Email and password; cancels a pending erasure when the credentials are right."""

    erasure_cancelled = False

    def clean_username(self) -> str:
        # Addresses are stored in lower case; phones capitalise the first letter. Normalising
        # here keeps the log-in, the erasure check and the axes account name in agreement.
        return (self.cleaned_data.get("username") or "").strip().lower()

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        request = self.request
        # Same credentials axes counts (it normalises the name itself); a lock means no lookup.
        if (
            username
            and password
            and request is not None
            and AxesProxyHandler.is_allowed(request, {"username": username})
        ):
            self.erasure_cancelled = data_rights.cancel_erasure_for_credentials(
                email=username, password=password, ip=client_ip(request)
            )
        return super().clean()


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        if isinstance(form, LoginForm) and form.erasure_cancelled:  # always a LoginForm
            messages.success(self.request, gettext(ERASURE_CANCELLED))
        return response
