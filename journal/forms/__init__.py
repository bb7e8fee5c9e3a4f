"""Input shape only: no permission checks, no writes. One module per area."""

from journal.forms.accounts import (
    EnrollmentForm,
    LanguageField,
    TimeZoneField,
    time_zone_choices,
)
from journal.forms.fields import LocalDateTimeField, local_to_utc
from journal.forms.journal import (
    CheckInForm,
    QuestionnaireForm,
    ReadingForm,
    ReportForm,
    ReportReadingFormSet,
    SessionForm,
    SessionReportForm,
)

__all__ = [
    "CheckInForm",
    "EnrollmentForm",
    "LanguageField",
    "LocalDateTimeField",
    "QuestionnaireForm",
    "ReadingForm",
    "ReportForm",
    "ReportReadingFormSet",
    "SessionForm",
    "SessionReportForm",
    "TimeZoneField",
    "local_to_utc",
    "time_zone_choices",
]
