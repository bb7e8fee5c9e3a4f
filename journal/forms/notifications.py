"""Reminder and alert preferences (input shape only: no permission checks, no writes)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy, ngettext

from journal.models import Channel, ClinicSettings
from journal.notifications.schedule import Quiet, in_quiet


def _time_field(label: str, help_text: str = "") -> forms.TimeField:
    return forms.TimeField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


REMINDER_KINDS = (
    ("report", "report_reminder_time"),
    ("checkin", "checkin_reminder_time"),
    ("questionnaire", "questionnaire_reminder_time"),
)
# Each kind's three labels: whether, when, how (whole labels: word order differs by language).
REMINDER_LABELS = {
    "report": (
        gettext_lazy("Post-session report: remind me"),
        gettext_lazy("Post-session report: time"),
        gettext_lazy("Post-session report: how"),
    ),
    "checkin": (
        gettext_lazy("Daily check-in: remind me"),
        gettext_lazy("Daily check-in: time"),
        gettext_lazy("Daily check-in: how"),
    ),
    "questionnaire": (
        gettext_lazy("PHQ-9 and GAD-7: remind me"),
        gettext_lazy("PHQ-9 and GAD-7: time"),
        gettext_lazy("PHQ-9 and GAD-7: how"),
    ),
}


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


class ProviderAlertForm(forms.Form):
    alert_channel = forms.ChoiceField(
        label=gettext_lazy("Flag alerts"),
        choices=Channel.choices,
        help_text=gettext_lazy(
            "How you hear that a flag awaits your review. Alerts always appear in the app."
        ),
    )


class ReminderPreferencesForm(forms.Form):
    """A patient's reminders; an empty time means the clinic's default (named in the help)."""

    paused = forms.BooleanField(label=gettext_lazy("Pause all reminders"), required=False)

    def __init__(self, clinic: ClinicSettings, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        for kind, default_field in REMINDER_KINDS:
            default = _hm(getattr(clinic, default_field))
            remind_me, when, how = REMINDER_LABELS[kind]
            self.fields[f"{kind}_enabled"] = forms.BooleanField(label=remind_me, required=False)
            self.fields[f"{kind}_time"] = _time_field(
                str(when),
                gettext("Your local time. Leave empty for the clinic's default (%(default)s).")
                % {"default": default},
            )
            self.fields[f"{kind}_channel"] = forms.ChoiceField(label=how, choices=Channel.choices)
        days = clinic.questionnaire_interval_days
        self.fields["questionnaire_enabled"].help_text = ngettext(
            "Every %(days)s day from your first session (and once when you join, as a starting "
            "point). When they are due you are asked that day and on the next two days, three "
            "asks in all, until you have filled them in.",
            "Every %(days)s days from your first session (and once when you join, as a starting "
            "point). When they are due you are asked that day and on the next two days, three "
            "asks in all, until you have filled them in.",
            days,
        ) % {"days": days}
        quiet = f"{_hm(clinic.quiet_start)}–{_hm(clinic.quiet_end)}"
        self.fields["quiet_start"] = _time_field(
            gettext("Quiet hours start"),
            gettext("No reminder is sent in quiet hours. Empty: the clinic's (%(quiet)s).")
            % {"quiet": quiet},
        )
        self.fields["quiet_end"] = _time_field(gettext("Quiet hours end"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start = cleaned.get("quiet_start") or self.clinic.quiet_start
        end = cleaned.get("quiet_end") or self.clinic.quiet_end
        if "quiet_start" in cleaned and "quiet_end" in cleaned and start == end:
            self.add_error(
                "quiet_end", gettext("Quiet hours must end at a different time than they start.")
            )
            return cleaned
        quiet = Quiet(start=start, end=end)
        for kind, _field in REMINDER_KINDS:
            chosen = cleaned.get(f"{kind}_time")
            if chosen is not None and in_quiet(chosen, quiet):
                self.add_error(
                    f"{kind}_time",
                    gettext(
                        "%(time)s is inside your quiet hours (%(quiet)s). Choose a time outside "
                        "them, or change the quiet hours."
                    )
                    % {"time": _hm(chosen), "quiet": f"{_hm(start)}–{_hm(end)}"},
                )
        return cleaned
