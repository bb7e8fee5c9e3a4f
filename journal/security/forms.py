"""Input shape for the security pages (no permission checks, no writes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from journal.forms import LanguageField, TimeZoneField
from journal.models import User

CODE_HELP = _("The 6-digit code from your authenticator app, or one of your recovery codes.")
PASSWORD_HELP = _(
    "At least 12 characters. A few unrelated words make a strong, memorable password."
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=32,
        help_text=CODE_HELP,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"}
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown in your authenticator app"),
        max_length=10,
        help_text=_("Six digits. The code changes every 30 seconds."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, with_code: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_code:
            self.fields["code"] = forms.CharField(
                label=_("Verification code"),
                max_length=32,
                help_text=CODE_HELP,
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
            )


def idle_choices() -> list[tuple[str, str]]:
    """Idle-timeout options a patient may pick (minutes), up to the configured maximum."""
    options = [15, 30, 60, 120, 240, 480, 720]
    allowed = [m for m in options if m <= settings.PATIENT_MAX_IDLE_MINUTES]
    labels = [
        (
            str(m),
            ngettext("%(count)s minute", "%(count)s minutes", m) % {"count": m}
            if m < 60
            else _("%(hours)s h") % {"hours": m // 60},
        )
        for m in allowed
    ]
    return [("", gettext("The clinic's default")), *labels]


class AccountSettingsForm(forms.Form):
    display_name = forms.CharField(label=_("Your name as shown in Aftercare"), max_length=150)
    time_zone = TimeZoneField()
    language = LanguageField()
    idle_timeout_minutes = forms.TypedChoiceField(
        label=_("Log me out after this long without activity"),
        choices=idle_choices,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("A shorter time is safer on a shared phone or computer."),
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not user.is_patient:
            del self.fields["idle_timeout_minutes"]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewPasswordForm(SetPasswordForm):
    """New password twice, checked by the configured validators (no composition rules)."""

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP


class CurrentPasswordChangeForm(PasswordChangeForm):
    """The current password, then the new one twice. The current one is checked through
    `authenticate()` (django-axes), so guessing it here counts toward the log-in lock."""

    def __init__(self, user: User, *args, request: HttpRequest | None = None, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.fields["old_password"].label = _("Your current password")
        self.fields["new_password1"].help_text = PASSWORD_HELP

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        same = authenticate(self.request, username=self.user.email, password=old_password)
        if same is None or same.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class RecipientLanguagePasswordResetForm(PasswordResetForm):
    """Django's reset request; the email (subject and body) is written in the recipient's own
    language (`User.language`), whoever asked for it and in whatever language."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
