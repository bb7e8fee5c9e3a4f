"""Reusable form fields: a local date + time pair, and big-touch-target scales."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from journal.catalogue import SEVERITY_LABELS
from journal.timefmt import day_words

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = str

# Phones and servers disagree by a little; anything further ahead is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=2)
# Nothing in a treatment journal predates this; earlier years are typing slips.
EARLIEST_DATE = dt.date(2000, 1, 1)
# History a patient brings from before joining (sessions, readings, questionnaires they kept
# elsewhere) may be entered up to this long before their account was created; nothing older.
HISTORY_BEFORE_JOINING = dt.timedelta(days=365)


def earliest_entry_time(joined: dt.datetime) -> dt.datetime:
    """The earliest moment an entry may be dated for someone who joined at `joined`."""
    return joined - HISTORY_BEFORE_JOINING


# Digits only: Python's int()/Decimal() would also read "1_20" as 120. Any script's decimal digits
# count (an Arabic-Indic "١٢٠" or full-width "１２０" typed on a phone keyboard is 120); separators,
# spaces inside, exponents and underscores are refused.
_PLAIN_INTEGER = re.compile(r"[-+]?\d+")
_PLAIN_DECIMAL = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")


class PlainIntegerField(forms.IntegerField):
    """An integer typed as digits only (any script), never Python's `1_20` literal syntax."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip() and not _PLAIN_INTEGER.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class PlainDecimalField(forms.DecimalField):
    """A decimal typed as digits and at most one point, never `0_5` or `5e1`."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip() and not _PLAIN_DECIMAL.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def local_to_utc(naive: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """Attach `zone` to a wall-clock time, refusing times a DST change skips or repeats."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    when = {"time": f"{naive:%H:%M}", "day": day_words(naive)}
    back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise forms.ValidationError(
            gettext(
                "%(time)s on %(day)s does not exist in your time zone: the clocks went forward "
                "then. Enter the time as your clock showed it (for example one hour later)."
            )
            % when,
            code="nonexistent",
        )
    if first.utcoffset() != second.utcoffset():
        raise forms.ValidationError(
            gettext(
                "%(time)s on %(day)s happened twice in your time zone because the clocks went "
                "back. Enter a time just before or after that hour so it is clear which one you "
                "mean."
            )
            % when,
            code="ambiguous",
        )
    return first.astimezone(dt.UTC)


class DateTimePairWidget(forms.MultiWidget):
    """Separate native date and time inputs, each with its own visible label."""

    template_name = "journal/widgets/date_time_pair.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = (
            forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        )
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [local.date(), local.time().replace(second=0, microsecond=0)]
        return [None, None]


class LocalDateTimeField(forms.MultiValueField):
    """A date and a time in the active (patient's) zone, cleaned to an aware UTC instant.

    Times that do not exist or are ambiguous because of a DST change get a clear error, and so
    do future times unless `allow_future`.
    """

    widget = DateTimePairWidget
    default_error_messages = {
        "incomplete": _("Enter both a date and a time."),
        "future": _("This time is in the future. Enter when it happened."),
        "too_early": _("Enter a date from 2000 onwards."),
    }

    def __init__(self, *, allow_future: bool = False, **kwargs: Any) -> None:
        self.allow_future = allow_future
        fields = (
            forms.DateField(error_messages={"invalid": _("Enter a date, for example 2025-03-14.")}),
            forms.TimeField(error_messages={"invalid": _("Enter a time, for example 14:30.")}),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)
        for field in self.fields:
            field.required = self.required

    def compress(self, data_list: list[Any]) -> dt.datetime | None:
        if not data_list or all(v in self.empty_values for v in data_list):
            return None
        day, clock = data_list
        if day in self.empty_values or clock in self.empty_values:
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        if day < EARLIEST_DATE:
            raise forms.ValidationError(self.error_messages["too_early"], code="too_early")
        naive = dt.datetime.combine(day, clock.replace(second=0, microsecond=0))
        zone = timezone.get_current_timezone()
        if not isinstance(zone, zoneinfo.ZoneInfo | dt.timezone):
            zone = dt.UTC
        try:
            value = local_to_utc(naive, zone)
        except OverflowError as exc:
            raise forms.ValidationError(_("Enter a real date."), code="invalid") from exc
        if not self.allow_future and value > timezone.now() + CLOCK_SKEW:
            raise forms.ValidationError(self.error_messages["future"], code="future")
        return value


class ScaleWidget(forms.RadioSelect):
    """Radio buttons drawn as large buttons in a row that wraps (readable without colour)."""

    template_name = "journal/widgets/scale.html"
    option_template_name = "journal/widgets/scale_option.html"


def score_field(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.Field:
    """A 0–10 scale as eleven touch-sized radio buttons (optional scales add 'Skip')."""
    choices: list[tuple[Any, StrOrPromise]] = [(i, str(i)) for i in range(11)]
    if not required:
        choices = [("", _("Skip")), *choices]
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        required=required,
        empty_value=None,
        widget=ScaleWidget,
        help_text=help_text,
        error_messages={
            "required": _("Choose a number from 0 to 10."),
            "invalid_choice": _("Choose a number from 0 to 10."),
        },
    )


def _choose_one_of_text(options: tuple[tuple[int, StrOrPromise], ...]) -> str:
    labels = [str(label) for _value, label in options]
    if len(labels) == 1:
        return gettext("Choose %(option)s.") % {"option": labels[0]}
    return gettext("Choose %(options)s or %(last)s.") % {
        "options": ", ".join(labels[:-1]),
        "last": labels[-1],
    }


# Made lazy once: `lazy()` builds a proxy class on every call (about 0.1 ms), and a report form
# has a dozen such fields.
_choose_one_of_lazy = lazy(_choose_one_of_text, str)


def _choose_one_of(options: tuple[tuple[int, StrOrPromise], ...]) -> StrOrPromise:
    """ "Choose No or Yes." in the reader's language (the options are read when shown)."""
    return _choose_one_of_lazy(options)


def answer_field(
    label: StrOrPromise, options: tuple[tuple[int, StrOrPromise], ...], help_text: StrOrPromise = ""
) -> forms.Field:
    """A yes/no or pick-one catalogue item: nothing preselected, and no answer is stored as
    no answer (never as "No")."""
    return forms.TypedChoiceField(
        label=label,
        choices=list(options),
        coerce=int,
        required=False,
        empty_value=None,
        widget=ScaleWidget,
        help_text=help_text,
        error_messages={"invalid_choice": _choose_one_of(options)},
    )


def severity_field(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.Field:
    """None…Very severe (0–4) with None preselected; a missing answer counts as None."""
    return forms.TypedChoiceField(
        label=label,
        choices=list(SEVERITY_LABELS.items()),
        coerce=int,
        required=False,
        empty_value=0,  # type: ignore[arg-type]  # any value is allowed; the stub says str | None
        initial=0,
        widget=ScaleWidget,
        help_text=help_text,
        error_messages={"invalid_choice": _("Choose None, Mild, Moderate, Severe or Very severe.")},
    )
