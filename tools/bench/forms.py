"""Filling the real post-session report form the way a person would (for the submit load)."""

from __future__ import annotations

from tools.bench.httpload import Form

NUMBERS = {"mood": "6", "anxiety": "3", "pain": "2"}
# Two readings: before the dose and about 40 minutes after.
READINGS = (
    {"systolic": "128", "diastolic": "82", "pulse": "72"},
    {"systolic": "141", "diastolic": "88", "pulse": "78"},
)


def fill_report_form(form: Form) -> tuple[dict[str, str | list[str]], int]:
    """The POST fields of a filled-in report form and how many ratings it answers.

    Every radio group (symptom severities and overall bother) gets "Mild" (1) when offered;
    mood 6; the first two reading rows get plausible values; everything else keeps the value
    the page rendered (CSRF and submission tokens, date and time defaults, reading contexts).
    """
    fields: dict[str, str | list[str]] = dict(form.fields)
    ratings = 0
    for name, (kind, options) in form.controls.items():
        if kind == "radio" and name in NUMBERS:
            fields[name] = NUMBERS[name]
        elif kind == "radio":
            fields[name] = "1" if "1" in options else options[0]
            ratings += 1
        elif kind == "checkbox":
            fields.pop(name, None)
    for name in list(fields):
        base = name.rsplit("-", 1)[-1]
        if base in NUMBERS and not fields[name]:
            fields[name] = NUMBERS[base]
        for index, values in enumerate(READINGS):
            prefix = f"-{index}-"
            if prefix in name and base in values:
                fields[name] = values[base]
    _keep_two_reading_rows(fields)
    return fields, ratings


def _keep_two_reading_rows(fields: dict[str, str | list[str]]) -> None:
    """Send two reading rows: the third rendered row is left out of the POST altogether.

    (The report form renders its three rows as formset *initial* forms, which Django does not
    allow to be blank, so a browser sending an empty third row gets "Please check blood
    pressure reading 3". Dropping the row sends exactly what a form with two rows would.)
    """
    for key in [k for k in fields if k.endswith("-TOTAL_FORMS")]:
        prefix = key.removesuffix("-TOTAL_FORMS")
        total = fields[key]
        assert isinstance(total, str)  # the management form's hidden input
        if int(total or 0) > len(READINGS):
            for index in range(len(READINGS), int(total)):
                for name in [n for n in fields if n.startswith(f"{prefix}-{index}-")]:
                    del fields[name]
            fields[key] = str(len(READINGS))
