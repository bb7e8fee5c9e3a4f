"""Share forms: which provider, which categories, from and until which local dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from journal.models import FlagDisposition, ShareCategory, User
from journal.services.sharing import ACKNOWLEDGEMENT_NOTE_MAX

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = str

CATEGORY_HELP: dict[str, StrOrPromise] = {
    ShareCategory.MOOD: _(
        "Mood scores from check-ins and reports, anxiety and pain scores, and PHQ-9 / GAD-7 "
        "results."
    ),
    ShareCategory.SIDE_EFFECTS: _(
        "Side-effect ratings after sessions and between sessions, with the date, route and "
        "dose of each session."
    ),
    ShareCategory.BLOOD_PRESSURE: _(
        "Blood pressure and pulse readings, with the date, route and dose of each session."
    ),
    ShareCategory.NOTES: _(
        "Only notes you marked as shareable when you wrote them. Notes you kept private are "
        "never shown."
    ),
}


def _category(category: ShareCategory) -> StrOrPromise:
    """A category's label, read in the language of each page that shows it."""
    return lazy(lambda: category.label, str)()


class ShareSettingsForm(forms.Form):
    """Categories and dates; every box starts unchecked (nothing is shared by default)."""

    mood = forms.BooleanField(required=False, label=_category(ShareCategory.MOOD))
    side_effects = forms.BooleanField(required=False, label=_category(ShareCategory.SIDE_EFFECTS))
    blood_pressure = forms.BooleanField(
        required=False, label=_category(ShareCategory.BLOOD_PRESSURE)
    )
    notes = forms.BooleanField(required=False, label=_category(ShareCategory.NOTES))
    starts_on = forms.DateField(
        required=False,
        label=_("Share entries from (optional)"),
        help_text=_("Entries from before this day stay private. Leave empty to share everything."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    expires_on = forms.DateField(
        required=False,
        label=_("Stop sharing after (optional)"),
        help_text=_(
            "Sharing ends at the end of this day, your time. Leave empty to share until "
            "you revoke it."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    category_fields = tuple(ShareCategory.values)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.category_fields:
            self.fields[name].help_text = CATEGORY_HELP[name]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not any(cleaned.get(name) for name in self.category_fields):
            raise forms.ValidationError(_("Choose at least one kind of information to share."))
        starts_on, expires_on = cleaned.get("starts_on"), cleaned.get("expires_on")
        if starts_on and expires_on and expires_on < starts_on:
            self.add_error("expires_on", _("The end date must be on or after the start date."))
        return cleaned

    @property
    def categories(self) -> list[str]:
        return [name for name in self.category_fields if self.cleaned_data.get(name)]

    @property
    def category_boxes(self) -> list[forms.BoundField]:
        return [self[name] for name in self.category_fields]


class NewShareForm(ShareSettingsForm):
    """A new share: pick the provider from the clinic directory or by their short code."""

    provider = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Provider"),
        empty_label=_("Choose a provider…"),
    )
    provider_code = forms.CharField(
        required=False,
        max_length=12,
        label=_("…or your provider's code"),
        help_text=_("A six-character code your provider can give you, for example K7P2QX."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    field_order = ["provider", "provider_code"]

    def __init__(self, *args, providers: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.providers = providers
        provider_field = self.fields["provider"]
        assert isinstance(provider_field, forms.ModelChoiceField)  # declared above
        provider_field.queryset = providers

    def clean_provider_code(self) -> str:
        return "".join(self.cleaned_data.get("provider_code", "").split()).upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen, code = cleaned.get("provider"), cleaned.get("provider_code")
        if chosen and code and chosen.provider_code != code:
            self.add_error("provider_code", _("This code belongs to a different provider."))
        elif not chosen and not code:
            self.add_error("provider", _("Choose a provider from the list or enter their code."))
        elif code and not chosen:
            match = self.providers.filter(provider_code=code).first()
            if match is None:
                self.add_error(
                    "provider_code",
                    _("No active provider has this code. Check it with your clinic."),
                )
            cleaned["provider"] = match
        return cleaned


class FlagAcknowledgeForm(forms.Form):
    """What a provider did about a flag; the note is for the care team, not the patient."""

    disposition = forms.ChoiceField(
        label=_("What did you do?"),
        choices=[("", _("Choose…")), *FlagDisposition.choices],
        error_messages={"required": _("Choose what you did about this flag.")},
    )
    note = forms.CharField(
        label=_("Note for the care team (optional; the patient does not see it)"),
        required=False,
        max_length=ACKNOWLEDGEMENT_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": _("Keep the note to %(limit_value)d characters (it has %(show_value)d).")
        },
    )
