"""Plain-language wording for the `what` codes of access events ("Who viewed my data").

Codes are written by `services.record_access` / `record_list_access` callers in
`journal/views/provider.py` (patient list, summary, printable summary, chart images, clinic
outcomes) and
`journal/views/exports.py` (provider downloads). A new code needs its wording here; one this
module does not know is shown as it was written, never hidden.
"""

from __future__ import annotations

import re

# The patient list shows only a patient's name and open-flag counts.
PATIENT_LIST = "patient list (flag counts)"
CHART_PREFIX = "chart:"
# Clinic outcomes count a patient's shared questionnaires in figures without names.
CLINIC_OUTCOMES = "clinic outcomes"
CLINIC_OUTCOMES_CHART = "clinic outcomes chart"

# Page codes are written as "<page> (<period>)", e.g. "summary (last 90 days)".
PAGE_LABELS: dict[str, str] = {
    "summary": "Your summary",
    "printable summary": "Your printable summary",
    "export summary": "PDF summary download",
    "export csv": "Spreadsheet (CSV) download",
    "export fhir": "Health-record file (FHIR) download",
    "export everything": "Download of everything",
}
# Chart images, by chart name (`journal.chartdata`); lower case because they are listed.
CHART_LABELS: dict[str, str] = {
    "mood": "mood chart",
    "durability": "mood after each session chart",
    "questionnaires": "questionnaire scores chart",
    "side-effects": "side effects chart",
    "symptoms": "between-session symptoms chart",
    "blood-pressure": "blood pressure chart",
    "outcome-phq9": "PHQ-9 response curve",
    "outcome-gad7": "GAD-7 response curve",
}
EXACT_LABELS: dict[str, str] = {
    PATIENT_LIST: "Your name and flag counts in their patient list",
    CLINIC_OUTCOMES: "Your shared questionnaire scores, counted without your name in their "
    "clinic outcome figures",
    CLINIC_OUTCOMES_CHART: "Your shared questionnaire scores, counted without your name in "
    "their clinic outcome chart",
}

_WITH_DETAIL = re.compile(r"^(?P<page>[^()]+?) \((?P<detail>[^()]*)\)$")


def chart_label(what: str) -> str | None:
    """The lower-case name of the chart a `chart:<name>` code refers to, or None."""
    if not what.startswith(CHART_PREFIX):
        return None
    return CHART_LABELS.get(what.removeprefix(CHART_PREFIX))


def describe_access(what: str) -> str:
    """What was viewed, in plain words; an unknown code comes back unchanged."""
    if what in EXACT_LABELS:
        return EXACT_LABELS[what]
    chart = chart_label(what)
    if chart is not None:
        return capitalize_first(chart)
    match = _WITH_DETAIL.match(what)
    if match and match["page"] in PAGE_LABELS:
        detail = match["detail"]
        if detail.startswith("start to "):
            detail = "from the start to " + detail.removeprefix("start to ")
        return f"{PAGE_LABELS[match['page']]} ({detail})"
    if what in PAGE_LABELS:
        return PAGE_LABELS[what]
    return what


def capitalize_first(text: str) -> str:
    """`text` with its first letter in upper case (the rest untouched: "PDF" stays "PDF")."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """`text` with a leading capital lowered for use mid-sentence, unless it is an acronym."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
