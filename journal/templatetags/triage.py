"""The triage table's rows, rendered in Python: 50 rows of a dozen template lookups each were
the largest part of the triage page's time (BENCHMARKS.md has the figures). Markup is built with
`format_html`/`format_html_join`, which escape every value; the markup is the same as the
template's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from journal.models import FlagSeverity
from journal.reads.provider import TriageRow

register = template.Library()


def _when(value: datetime | None, empty: str) -> str:
    # Same as `{{ value|date:"Y-m-d H:i"|default:empty }}` in the viewer's time zone.
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else empty


def _flags_cell(row: TriageRow) -> SafeString | str:
    if not row.open_count:
        return "None open"
    counts = ((level, int(getattr(row, level.name.lower()))) for level in FlagSeverity)
    items = format_html_join(
        "",
        '<li><span class="badge {} flag-badge">{}</span> {}</li>',
        ((level.badge, level.label, count) for level, count in counts if count),
    )
    return format_html('<ul class="list-unstyled mb-0 small">{}</ul>', items)


def _phq9_cell(row: TriageRow) -> SafeString | str:
    """Latest PHQ-9 against its baseline, with the status in words (never colour alone)."""
    o = row.phq9
    if o is None:
        return "Not shared"
    if o.latest is None:
        return "None yet"
    if o.baseline is None:
        return format_html('{} <span class="small">(no baseline)</span>', o.latest.total)
    if not o.measured:
        return format_html('{} <span class="small">(baseline only)</span>', o.baseline.total)
    change = o.percent_change
    pct = (
        ""
        if change is None
        else f" ({'−' if change > 0 else '+' if change < 0 else '±'}{abs(change)} %)"
    )
    return format_html(
        '{} → {}{}<br><span class="badge border text-body outcome-badge">{}</span>',
        o.baseline.total,
        o.latest.total,
        pct,
        o.status_words,
    )


@register.simple_tag
def triage_rows(rows: Iterable[TriageRow]) -> SafeString:
    """The `<tr>` of each triage row: patient link, open flags by severity, PHQ-9 against
    baseline, latest flag, last entry, shared categories."""
    # One reverse for the whole table; the patient id is the only part that changes.
    url = reverse("journal:provider-patient", args=[0]).replace("/0/", "/{}/")
    return format_html_join(
        "\n",
        '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td><td>{}</td><td>{}</td>'
        '<td>{}</td><td class="small">{}</td></tr>',
        (
            (
                url.format(int(row.patient.pk)),
                row.patient.display_name,
                _flags_cell(row),
                _phq9_cell(row),
                _when(row.latest_flag_at, "—"),
                _when(row.last_entry_at, "No entries yet"),
                ", ".join(row.categories),
            )
            for row in rows
        ),
    )
