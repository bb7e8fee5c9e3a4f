"""Input shape of the export and account-deletion pages (no permission checks, no writes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from journal.chartdata import PERIODS

MAX_DAYS = 366 * 20


class ExportPeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From (first day)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty to start at your first entry."),
    )
    end = forms.DateField(
        label=gettext_lazy("To (last day)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty to go up to today."),
    )
    # A provider summary's period ("30", "90", …): the PDF link carries the one on screen.
    period = forms.ChoiceField(
        choices=[(key, p.title) for key, p in PERIODS.items()],
        required=False,
        widget=forms.HiddenInput,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", gettext_lazy("The last day must be on or after the first day."))
        if start and end and (end - start).days > MAX_DAYS:
            self.add_error("start", gettext_lazy("Choose a period of at most twenty years."))
        return data

    def dates(self) -> tuple[dt.date | None, dt.date | None]:
        """The chosen (start, end); call after `is_valid()`."""
        return self.cleaned_data.get("start"), self.cleaned_data.get("end")

    def period_key(self) -> str:
        """The named period ("" when none was given); call after `is_valid()`."""
        return self.cleaned_data.get("period") or ""


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("Type your password again to confirm it is you."),
    )
    understood = forms.BooleanField(
        label=gettext_lazy(
            "I understand my account closes now and my journal is erased when the waiting "
            "period ends, unless I log in again before then."
        ),
        required=True,
        error_messages={"required": gettext_lazy("Tick the box to confirm you understand.")},
    )
