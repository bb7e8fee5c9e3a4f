"""Journal entry forms: sessions, post-session reports, check-ins, readings, questionnaires.

Input shape only. Times are entered in the patient's zone (activated by the middleware);
symptom fields come from `journal.catalogue`; writes happen in `journal.services`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import dateformat, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from journal.catalogue import (
    POST_SESSION,
    SYMPTOMS,
    Questionnaire,
    Symptom,
    check_in_symptoms,
    post_session_symptoms,
)
from journal.forms.fields import (
    LocalDateTimeField,
    PlainDecimalField,
    PlainIntegerField,
    ScaleWidget,
    answer_field,
    earliest_entry_time,
    score_field,
    severity_field,
)
from journal.models import ReadingContext, Route, TreatmentSession, User
from journal.timefmt import day_words

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = str

NOTE_MAX = 5000
SYMPTOM_PREFIX = "sym_"


def _note_field(label: StrOrPromise | None = None) -> forms.CharField:
    return forms.CharField(
        label=_("Note (optional)") if label is None else label,
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("Keep the note to %(limit_value)d characters (it has %(show_value)d).")
        },
    )


def _share_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Share this note with providers I share notes with"),
        required=False,
        help_text=_("Notes are private unless you tick this and a share includes notes."),
    )


class EntryForm(forms.Form):
    """Common behaviour: Bootstrap classes, the version an edit started from, and dates no
    earlier than the history window before the patient joined."""

    version = PlainIntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, patient: User | None = None, **kwargs: Any) -> None:
        self.patient = patient
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.patient is None:
            return cleaned
        earliest = earliest_entry_time(self.patient.date_joined)
        for name, field in self.fields.items():
            value = cleaned.get(name)
            # An older entry keeps its date on edit (the form shows it to the minute).
            before = self.initial.get(name)
            unchanged = isinstance(before, dt.datetime) and value == before.replace(
                second=0, microsecond=0
            )
            if (
                isinstance(field, LocalDateTimeField)
                and value
                and value < earliest
                and not unchanged
            ):
                first_day = timezone.localtime(earliest).date() + dt.timedelta(days=1)
                self.add_error(
                    name,
                    gettext(
                        "Entries can go back to %(day)s, a year before you joined Aftercare. "
                        "Keep older history with your clinic: your care team can add it to "
                        "your records."
                    )
                    % {"day": day_words(first_day)},
                )
        return cleaned

    def entry_fields(self) -> list[forms.BoundField]:
        """The visible fields except symptom ratings (rendered as their own group)."""
        return [f for f in self.visible_fields() if not f.name.startswith(SYMPTOM_PREFIX)]


class SymptomRatingsMixin(forms.Form):
    """Adds one None…Very severe field per catalogue symptom."""

    symptoms: list[Symptom]

    def add_symptom_fields(self, symptoms: list[Symptom]) -> None:
        self.symptoms = symptoms
        for symptom in symptoms:
            if symptom.is_severity:
                field = severity_field(symptom.label, symptom.help_text)
            else:
                field = answer_field(symptom.label, symptom.options, symptom.help_text)
            self.fields[SYMPTOM_PREFIX + symptom.code] = field

    def symptom_fields(self) -> list[forms.BoundField]:
        return [self[SYMPTOM_PREFIX + s.code] for s in self.symptoms]

    def ratings(self) -> dict[str, int]:
        """Severity items default to None (0); other items are stored only when answered; a
        follow-up ("still present now?") only when the effect it follows was felt."""
        ratings: dict[str, int] = {}
        for s in self.symptoms:
            value = self.cleaned_data.get(SYMPTOM_PREFIX + s.code)
            if s.is_severity:
                ratings[s.code] = value or 0
            elif value is not None:
                ratings[s.code] = value
        for s in self.symptoms:
            if s.follows and not ratings.get(s.follows):
                ratings.pop(s.code, None)
        return ratings

    @staticmethod
    def rating_initial(ratings: dict[str, int]) -> dict[str, int]:
        return {SYMPTOM_PREFIX + code: severity for code, severity in ratings.items()}


# --- Blood pressure ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _BloodPressureWords:
    """A blood-pressure field's label and error messages, whole sentences each."""

    label: StrOrPromise
    required: StrOrPromise
    invalid: StrOrPromise
    out_of_range: StrOrPromise  # with %(low)s and %(high)s


_SYSTOLIC = _BloodPressureWords(
    _("Systolic (upper number, mmHg)"),
    _("Enter the upper number (systolic)."),
    _("Enter the upper number (systolic) as a whole number."),
    _("The upper number (systolic) must be between %(low)s and %(high)s."),
)
_DIASTOLIC = _BloodPressureWords(
    _("Diastolic (lower number, mmHg)"),
    _("Enter the lower number (diastolic)."),
    _("Enter the lower number (diastolic) as a whole number."),
    _("The lower number (diastolic) must be between %(low)s and %(high)s."),
)
_PULSE = _BloodPressureWords(
    _("Pulse (beats per minute, optional)"),
    _("Enter the pulse."),
    _("Enter the pulse as a whole number."),
    _("The pulse must be between %(low)s and %(high)s."),
)


def _out_of_range_text(words: _BloodPressureWords, low: int, high: int) -> str:
    return str(words.out_of_range) % {"low": low, "high": high}


# Made lazy once (`lazy()` builds a proxy class on every call), read in the reader's language.
_out_of_range = lazy(_out_of_range_text, str)


def _bp_field(words: _BloodPressureWords, low: int, high: int, *, required: bool) -> forms.Field:
    message = _out_of_range(words, low, high)
    return PlainIntegerField(
        label=words.label,
        required=required,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": words.required,
            "invalid": words.invalid,
            "min_value": message,
            "max_value": message,
        },
    )


class BloodPressureFields(forms.Form):
    """Systolic / diastolic / pulse with plausibility limits; alarming values pass."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        required = getattr(self, "bp_required", True)
        self.fields["context"] = forms.ChoiceField(
            label=_("When was it taken?"), choices=ReadingContext.choices, initial="home"
        )
        self.fields["systolic"] = _bp_field(_SYSTOLIC, 40, 300, required=required)
        self.fields["diastolic"] = _bp_field(_DIASTOLIC, 20, 200, required=required)
        self.fields["pulse"] = _bp_field(_PULSE, 20, 250, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        systolic, diastolic = cleaned.get("systolic"), cleaned.get("diastolic")
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error(
                "diastolic", _("The lower number (diastolic) must be below the upper (systolic).")
            )
        return cleaned


class ReadingForm(BloodPressureFields, EntryForm):
    """A standalone reading, optionally tied to one of the patient's sessions."""

    def __init__(
        self, *args: Any, sessions: QuerySet[TreatmentSession] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_at"] = LocalDateTimeField(label=_("Measured at"))
        self.fields["session"] = SessionChoiceField(
            label=_("Session (optional)"),
            queryset=sessions if sessions is not None else TreatmentSession.objects.none(),
            required=False,
            empty_label=_("Not linked to a session"),
            help_text=_("Link before-dose, after-dose and discharge readings to their session."),
        )
        self.order_fields(["measured_at", "context", "systolic", "diastolic", "pulse", "session"])
        _style(self)


class SessionChoiceField(forms.ModelChoiceField):
    """A session named by route and local start time."""

    def label_from_instance(self, obj: TreatmentSession) -> str:
        local = timezone.localtime(obj.started_at)
        return f"{obj.get_route_display()}, {dateformat.format(local, 'j M Y H:i')}"


def _style(form: forms.Form) -> None:
    """Apply Bootstrap classes to fields added after `EntryForm.__init__` ran."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
            continue
        if isinstance(widget, forms.MultiWidget):
            for sub in widget.widgets:
                sub.attrs.setdefault("class", "form-control")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


READING_CONTEXTS_SHORT = [
    (ReadingContext.BEFORE_DOSE.value, _("Before dose")),
    (ReadingContext.AFTER_DOSE.value, _("40 min after")),
    (ReadingContext.DISCHARGE.value, _("At discharge")),
    (ReadingContext.HOME.value, _("At home")),
]


class ReportReadingForm(BloodPressureFields):
    """One of up to three readings entered with a report; a row left blank is skipped."""

    bp_required = True
    VALUE_FIELDS = ("systolic", "diastolic", "pulse")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left blank, the time defaults by context (`services.default_reading_time`).
        self.fields["measured_at"] = LocalDateTimeField(label=_("Measured at"), required=False)
        self.fields["systolic"].label = _("Systolic")
        self.fields["diastolic"].label = _("Diastolic")
        self.fields["pulse"].label = _("Pulse")
        self.fields["context"].label = _("Taken")
        # Short enough to read in full next to "Reading 1" on a phone.
        cast(forms.ChoiceField, self.fields["context"]).choices = READING_CONTEXTS_SHORT
        number = (self.prefix or "").rsplit("-", 1)[-1]
        if number.isdigit():
            self.fields["measured_at"].label = gettext("Reading %(number)s: when was it taken?") % {
                "number": int(number) + 1
            }
        self.order_fields(["context", "systolic", "diastolic", "pulse", "measured_at"])
        _style(self)

    def has_changed(self) -> bool:
        # Only the numbers decide whether a row was used; context and time have defaults.
        return any(self[name].value() not in (None, "") for name in self.VALUE_FIELDS)


class BaseReportReadingFormSet(forms.BaseFormSet):
    def initial_form_count(self) -> int:
        # Every row is a new reading; `initial` only pre-fills context and time. Counted as
        # "initial" forms, rows would lose `empty_permitted` and a blank row would have to be
        # filled in (whatever INITIAL_FORMS a page posts).
        return 0

    def non_empty_forms(self) -> list[ReportReadingForm]:
        return [f for f in self.forms if f.has_changed() and f.is_valid()]


# formset_factory builds a subclass of `formset`; its stub only promises a BaseFormSet.
ReportReadingFormSet = cast(
    type[BaseReportReadingFormSet],
    forms.formset_factory(
        ReportReadingForm,
        formset=BaseReportReadingFormSet,
        extra=3,
        max_num=3,
        absolute_max=3,
        validate_max=True,
    ),
)


# --- Sessions, reports, check-ins -------------------------------------------------------------


class SessionForm(EntryForm):
    started_at = LocalDateTimeField(label=_("When did the session start?"))
    route = forms.ChoiceField(
        label=_("How was it given?"),
        choices=Route.choices,
        widget=ScaleWidget,
        initial=Route.IV,
    )
    dose_mg = PlainDecimalField(
        label=_("Dose in mg (if you know it)"),
        required=False,
        min_value=0,
        max_value=2000,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={"invalid": _("Enter the dose as a number, for example 56 or 0.5.")},
    )
    note = _note_field(_("Clinic note (optional)"))


# "Any side effects?": None stores every side effect as None in one tap; Yes opens the list.
NO_SIDE_EFFECTS, SOME_SIDE_EFFECTS = 0, 1


class ReportForm(SymptomRatingsMixin, EntryForm):
    reported_at = LocalDateTimeField(label=_("When are you writing this?"))
    mood = score_field(_("Mood right now"), help_text=_("0 = worst, 10 = best."))
    any_side_effects = forms.TypedChoiceField(
        label=_("Any side effects since the session?"),
        choices=[(NO_SIDE_EFFECTS, _("None")), (SOME_SIDE_EFFECTS, _("Yes"))],
        coerce=int,
        required=False,  # unanswered: the ratings are taken as given (None unless changed)
        empty_value=None,
        widget=ScaleWidget,
        error_messages={"invalid_choice": _("Choose None or Yes.")},
    )
    overall_bother = severity_field(_("Overall, how much did side effects bother you?"))
    note = _note_field()
    note_shareable = _share_field()

    def __init__(
        self, *args: Any, route: str | None = None, any_route: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if any_route:  # the route is chosen on the same page: route-only items are shown by it
            symptoms = [s for s in SYMPTOMS if s.asked == POST_SESSION]
        else:
            symptoms = post_session_symptoms(route)
        self.add_symptom_fields(symptoms)

    @staticmethod
    def side_effects_initial(ratings: dict[str, int]) -> dict[str, int]:
        """How an existing report answers "Any side effects?"."""
        felt = any(v for c, v in ratings.items() if c in _SEVERITY_CODES)
        return {"any_side_effects": SOME_SIDE_EFFECTS if felt else NO_SIDE_EFFECTS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("any_side_effects") == NO_SIDE_EFFECTS:
            cleaned["overall_bother"] = 0
        return cleaned

    def ratings(self) -> dict[str, int]:
        ratings = super().ratings()
        if self.cleaned_data.get("any_side_effects") == NO_SIDE_EFFECTS:
            for s in self.symptoms:
                if s.is_severity:
                    ratings[s.code] = 0
                if s.follows:
                    ratings.pop(s.code, None)
        return ratings

    def ratings_for_route(self, route: str) -> dict[str, int]:
        """The ratings asked after a session of `route` (the others were hidden)."""
        asked = {s.code for s in post_session_symptoms(route)}
        return {code: value for code, value in self.ratings().items() if code in asked}

    def side_effect_rows(self) -> list[SideEffectRow]:
        """Each side effect shown after "Yes", with its "still present now?" follow-up."""
        follow_ups = {s.follows: self[SYMPTOM_PREFIX + s.code] for s in self.symptoms if s.follows}
        return [
            SideEffectRow(
                self[SYMPTOM_PREFIX + s.code],
                follow_ups.get(s.code),
                " ".join(sorted(s.routes or ())),
            )
            for s in self.symptoms
            if s.is_severity
        ]

    def after_home_fields(self) -> list[forms.BoundField]:
        """The optional questions about the hours after leaving the clinic."""
        return [self[SYMPTOM_PREFIX + s.code] for s in self.symptoms if _after_home(s)]

    def after_home_answered(self) -> bool:
        return any(f.value() not in (None, "") or f.errors for f in self.after_home_fields())


@dataclass(frozen=True)
class SideEffectRow:
    field: forms.BoundField
    follow_up: forms.BoundField | None
    routes: str  # "" for every route


_SEVERITY_CODES = frozenset(s.code for s in SYMPTOMS if s.is_severity)


def _after_home(symptom: Symptom) -> bool:
    """A post-session item that is neither a side effect nor its follow-up: how long until
    back to normal, breathing or waking, driving; about the hours after leaving the clinic."""
    return not symptom.is_severity and not symptom.follows


# "I just had a session" started earlier: home offers these start times (minutes before now), so
# the evening after a session costs one tap, not an edit of the date and time; the exact pair
# stays on the form, filled in with the chosen time.
STARTED_EARLIER: tuple[tuple[int, StrOrPromise], ...] = (
    (30, _("30 min ago")),
    (60, _("1 h ago")),
    (120, _("2 h ago")),
    (180, _("3 h ago")),
)


def started_minutes_ago(value: str | None) -> int:
    """The minutes of a `?started=` start-time choice from home; 0 (now) for anything else."""
    return next((minutes for minutes, _ in STARTED_EARLIER if str(minutes) == value), 0)


class SessionReportForm(ReportForm):
    """One screen for "I just had a session": the session and its report. The report is
    written now; the route's own items are shown once the route is chosen."""

    started_at = LocalDateTimeField(label=_("When did the session start?"))
    route = forms.ChoiceField(
        label=_("How was it given?"),
        choices=Route.choices,
        widget=ScaleWidget,
        initial=Route.IV,
    )
    dose_mg = SessionForm.base_fields["dose_mg"]
    session_note = _note_field(_("Clinic note (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, any_route=True, **kwargs)
        del self.fields["reported_at"]


class CheckInForm(SymptomRatingsMixin, EntryForm):
    recorded_at = LocalDateTimeField(label=_("When"))
    mood = score_field(_("Mood"), help_text=_("0 = worst, 10 = best."))
    anxiety = score_field(
        _("Anxiety (optional)"), required=False, help_text=_("0 = none, 10 = worst.")
    )
    pain = score_field(_("Pain (optional)"), required=False, help_text=_("0 = none, 10 = worst."))
    note = _note_field()
    note_shareable = _share_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_symptom_fields(check_in_symptoms())


# --- Questionnaires ---------------------------------------------------------------------------


class QuestionnaireForm(EntryForm):
    """Every item of a PHQ-9 or GAD-7 as written in the catalogue; all items required."""

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for index, item in enumerate(questionnaire.items):
            self.fields[f"item_{index}"] = forms.TypedChoiceField(
                label=f"{index + 1}. {item}",
                choices=questionnaire.options,
                coerce=int,
                widget=ScaleWidget,
                error_messages={
                    "required": _("Choose one answer for this question."),
                    "invalid_choice": _("Choose one of the four answers."),
                },
            )
        self.fields["difficulty"] = forms.TypedChoiceField(
            label=questionnaire.difficulty_question,
            choices=[("", _("Skip")), *questionnaire.difficulty_options],
            coerce=int,
            required=False,
            empty_value=None,
            widget=ScaleWidget,
            error_messages={"invalid_choice": _("Choose one of the four answers.")},
        )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{i}"] for i in range(len(self.questionnaire.items))]

    @staticmethod
    def answer_initial(answers: list[int], difficulty: int | None) -> dict[str, Any]:
        initial: dict[str, Any] = {f"item_{i}": a for i, a in enumerate(answers)}
        initial["difficulty"] = "" if difficulty is None else difficulty
        return initial
