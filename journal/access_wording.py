"""Plain-language wording for the `what` codes of access events ("Who viewed my data").

Codes are written by `services.record_access` / `record_list_access` callers in
`journal/views/provider.py` (patient list, summary, printable summary, chart images, clinic
outcomes) and
`journal/views/exports.py` (provider downloads). A new code needs its wording here; one this
module does not know is shown as it was written, never hidden.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = str

# The patient list shows only a patient's name and open-flag counts.
PATIENT_LIST = "patient list (flag counts)"
CHART_PREFIX = "chart:"
# Clinic outcomes count a patient's shared questionnaires in figures without names.
CLINIC_OUTCOMES = "clinic outcomes"
CLINIC_OUTCOMES_CHART = "clinic outcomes chart"

# Page codes are written as "<page> (<period>)", e.g. "summary (last 90 days)". The words are
# read in the reader's language; the stored codes stay as written.
PAGE_LABELS: dict[str, StrOrPromise] = {
    "summary": gettext_lazy("Your summary"),
    "printable summary": gettext_lazy("Your printable summary"),
    "export summary": gettext_lazy("PDF summary download"),
    "export csv": gettext_lazy("Spreadsheet (CSV) download"),
    "export fhir": gettext_lazy("Health-record file (FHIR) download"),
    "export everything": gettext_lazy("Download of everything"),
}
# Chart images, by chart name (`journal.chartdata`); lower case because they are listed.
CHART_LABELS: dict[str, StrOrPromise] = {
    "mood": gettext_lazy("mood chart"),
    "durability": gettext_lazy("mood after each session chart"),
    "questionnaires": gettext_lazy("questionnaire scores chart"),
    "side-effects": gettext_lazy("side effects chart"),
    "symptoms": gettext_lazy("between-session symptoms chart"),
    "blood-pressure": gettext_lazy("blood pressure chart"),
    "outcome-phq9": gettext_lazy("PHQ-9 response curve"),
    "outcome-gad7": gettext_lazy("GAD-7 response curve"),
}
EXACT_LABELS: dict[str, StrOrPromise] = {
    PATIENT_LIST: gettext_lazy("Your name and flag counts in their patient list"),
    CLINIC_OUTCOMES: gettext_lazy(
        "Your shared questionnaire scores, counted without your name in their clinic outcome "
        "figures"
    ),
    CLINIC_OUTCOMES_CHART: gettext_lazy(
        "Your shared questionnaire scores, counted without your name in their clinic outcome chart"
    ),
}
# Periods written in the codes' brackets (the provider summary's period, in lower case).
PERIOD_DETAILS: dict[str, StrOrPromise] = {
    "everything shared": gettext_lazy("everything shared"),
    "the whole shared journal": gettext_lazy("the whole shared journal"),
}

_WITH_DETAIL = re.compile(r"^(?P<page>[^()]+?) \((?P<detail>[^()]*)\)$")
_LAST_DAYS = re.compile(r"^(?:the )?last (?P<days>\d+) days$")
_RANGE = re.compile(r"^(?P<start>\S+) to (?P<end>\S+)$")


def chart_label(what: str) -> str | None:
    """The lower-case name of the chart a `chart:<name>` code refers to, or None."""
    if not what.startswith(CHART_PREFIX):
        return None
    label = CHART_LABELS.get(what.removeprefix(CHART_PREFIX))
    return None if label is None else str(label)


def _detail(detail: str) -> str:
    """A stored period ("last 90 days", "start to today") in the reader's words."""
    if detail in PERIOD_DETAILS:
        return str(PERIOD_DETAILS[detail])
    last = _LAST_DAYS.match(detail)
    if last:
        days = int(last["days"])
        return ngettext("last %(days)s day", "last %(days)s days", days) % {"days": days}
    span = _RANGE.match(detail)
    if span:
        start, end = span["start"], span["end"]
        if start == "start" and end == "today":
            return _("from the start to today")
        if start == "start":
            return _("from the start to %(end)s") % {"end": end}
        if end == "today":
            return _("%(start)s to today") % {"start": start}
        return _("%(start)s to %(end)s") % {"start": start, "end": end}
    return detail


def describe_access(what: str) -> str:
    """What was viewed, in plain words; an unknown code comes back unchanged."""
    if what in EXACT_LABELS:
        return str(EXACT_LABELS[what])
    chart = chart_label(what)
    if chart is not None:
        return capitalize_first(chart)
    match = _WITH_DETAIL.match(what)
    if match and match["page"] in PAGE_LABELS:
        return _("%(page)s (%(period)s)") % {
            "page": PAGE_LABELS[match["page"]],
            "period": _detail(match["detail"]),
        }
    if what in PAGE_LABELS:
        return str(PAGE_LABELS[what])
    return what


def capitalize_first(text: str) -> str:
    """`text` with its first letter in upper case (the rest untouched: "PDF" stays "PDF")."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """`text` with a leading capital lowered for use mid-sentence, unless it is an acronym."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
