"""Account forms: enrollment (input shape only: no permission checks, no writes)."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from journal.models import User


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """IANA zones, common ones (Region/City) only, sorted."""
    zones = sorted(
        z
        for z in zoneinfo.available_timezones()
        if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return [("UTC", "UTC")] + [(z, z.replace("_", " ")) for z in zones]


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Your time zone"))
        kwargs.setdefault(
            "help_text", _("Times you enter and see are in this zone. You can change it later.")
        )
        super().__init__(choices=time_zone_choices, **kwargs)


class LanguageField(forms.ChoiceField):
    """The language a person reads the app in. Each language is named in itself ("Español"),
    so anyone can find their own whatever the page is in. Left out of a form sent, it keeps the
    current one (enrollment: the page's)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Language"))
        kwargs.setdefault("required", False)
        super().__init__(choices=settings.LANGUAGES, **kwargs)


class EnrollmentForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            gettext_lazy(
                "At least 12 characters. A few unrelated words make a strong, memorable password."
            )
        ),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    time_zone = TimeZoneField()
    language = LanguageField()

    def __init__(self, user: User, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password2(self) -> str | None:
        p1 = self.cleaned_data.get("password1")
        p2 = self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords do not match."))
        return p2

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password = cleaned.get("password1")
        if password:
            try:
                password_validation.validate_password(password, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
