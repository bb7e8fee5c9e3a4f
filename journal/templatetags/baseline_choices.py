"""The options of a provider's "Change the baseline" select, rendered in Python: one option per
shared questionnaire (about 26 a year for each instrument), each a local date, a score and the
session it followed, cost more than the rest of the outcome section in the template. The markup
is the template loop's; dates are in the current time zone (the summary renders inside
`{% timezone patient.time_zone %}`), as the `date` filter writes them."""

from __future__ import annotations

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from journal.reads.provider import OutcomeView

register = template.Library()


@register.simple_tag
def baseline_options(item: OutcomeView) -> SafeString:
    baseline = item.outcome.baseline
    chosen = baseline.id if baseline is not None else None
    options = []
    # Looked up once, not per option.
    after = " " + escape(_("(after session %(number)s)"))
    before = " " + escape(_("(before the first session)"))
    for score in item.choices:
        day = timezone.localtime(score.completed_at).strftime("%Y-%m-%d")
        when = after % {"number": int(score.session_number)} if score.session_number else before
        selected = " selected" if score.id == chosen else ""
        options.append(
            f'<option value="{int(score.id)}"{selected}>{escape(day)} — {int(score.total)}'
            f"{when}</option>"
        )
    return mark_safe("".join(options))  # noqa: S308 (ints, a formatted date and escaped words)
