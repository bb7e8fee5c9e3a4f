"""The triage table's rows, rendered in Python: 50 rows of a dozen template lookups each were
the largest part of the triage page's time (BENCHMARKS.md has the figures). Markup is built with
`format_html`/`format_html_join`, which escape every value.

Absolute times are the patient's, with the zone written (`journal.timefmt.local_stamp`); ages
("2 days ago") are counted from the `now` the view read the list at. On phones each row is a
stacked block: every cell carries its column's name in `data-label`, shown by app.css."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from journal.idempotency import FIELD_NAME, new_submission_token
from journal.models import FlagSeverity, User
from journal.reads.provider import TriageRow
from journal.timefmt import local_stamp

register = template.Library()

_SEVERITY = {int(level): level for level in FlagSeverity}


def ago(moment: datetime, now: datetime) -> str:
    """ "just now", "25 min ago", "5 h ago", "1 day ago", "3 days ago" (from `now`)."""
    seconds = max((now - moment).total_seconds(), 0)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def _when_cell(row: TriageRow, moment: datetime | None, now: datetime, empty: str) -> SafeString:
    if moment is None:
        return format_html("{}", empty)
    return format_html(
        '{}<br><span class="small">{}</span>',
        ago(moment, now),
        local_stamp(moment, row.patient.zone),
    )


def _counts(row: TriageRow) -> SafeString:
    counts = ((level, int(getattr(row, level.name.lower()))) for level in FlagSeverity)
    items = format_html_join(
        "",
        '<li><span class="badge {} flag-badge">{}</span> {}</li>',
        ((level.badge, level.label, count) for level, count in counts if count),
    )
    return format_html(
        '<ul class="list-unstyled mb-0 small triage-counts" aria-label="Open flags by severity">'
        "{}</ul>",
        items,
    )


@dataclass(frozen=True)
class _Ack:
    """What every row's acknowledgement form shares (built once per table)."""

    url: str  # with "{}" for the flag id
    csrf: str
    user: User | None
    back: str
    options: SafeString


def _ack_form(row: TriageRow, ack: _Ack) -> SafeString:
    """A compact form acknowledging the row's top flag; it comes back to this list page."""
    flag = row.top_flag
    assert flag is not None
    return format_html(
        '<form method="post" action="{}" class="flag-ack-form triage-ack mt-2">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="{}" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<label class="form-label small mb-0" for="disposition-{}">What did you do?'
        '<span class="visually-hidden"> ({})</span></label>'
        '<div class="d-flex flex-wrap gap-2">'
        '<select class="form-select form-select-sm w-auto" name="disposition" id="disposition-{}"'
        ' aria-describedby="patient-name-{}" required><option value="">Choose…</option>{}'
        '</select><button type="submit" class="btn btn-outline-primary btn-sm"'
        ' aria-describedby="patient-name-{}">Acknowledge'
        '<span class="visually-hidden"> {}</span></button></div></form>',
        ack.url.format(int(flag.pk)),
        ack.csrf,
        FIELD_NAME,
        new_submission_token(ack.user),
        ack.back,
        flag.pk,
        flag.title,
        flag.pk,
        row.patient.pk,
        ack.options,
        row.patient.pk,
        flag.title,
    )


def _flag_cell(row: TriageRow, now: datetime, ack: _Ack | None) -> SafeString:
    """The top open flag in words with its value and age, how many more, the counts by
    severity, and the form acknowledging that flag."""
    flag = row.top_flag
    if flag is None:
        return format_html("{}", "None open")
    level = _SEVERITY.get(flag.severity)
    badge = (
        format_html('<span class="badge {} flag-badge">{}</span> ', level.badge, level.label)
        if level
        else ""
    )
    more = (
        format_html('<br><span class="small">and {} more open</span>', row.more_open)
        if row.more_open
        else ""
    )
    return format_html(
        '<p class="mb-1">{}<span class="fw-semibold">{}</span> · {}'
        '<br><span class="small">{}</span>{}</p>{}{}',
        badge,
        flag.title,
        ago(flag.raised_at, now),
        local_stamp(flag.raised_at, row.patient.zone),
        more,
        _counts(row),
        _ack_form(row, ack) if ack else "",
    )


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


def adherence_text(row: TriageRow) -> str:
    """ "4 of last 5 sessions reported"; "" when the share does not show sessions and reports."""
    a = row.adherence
    if a is None:
        return ""
    if a.sessions == 0:
        return "No sessions yet"
    if a.sessions == 1:
        return "Last session reported" if a.reported else "Last session not reported"
    return f"{a.reported} of last {a.sessions} sessions reported"


def _session_cell(row: TriageRow, now: datetime) -> SafeString:
    if not row.shows_sessions:
        return format_html("{}", "Not shared")
    when = _when_cell(row, row.last_session_at, now, "No sessions yet")
    adherence = adherence_text(row)
    if not adherence or row.last_session_at is None:
        return when
    return format_html('{}<br><span class="small">{}</span>', when, adherence)


@register.simple_tag(takes_context=True)
def triage_rows(context: template.Context, rows: Iterable[TriageRow], now: datetime) -> SafeString:
    """The `<tr>` of each triage row: patient link, top open flag (with its acknowledgement
    form), PHQ-9 against baseline, last entry, last session and adherence, shared categories."""
    # One reverse for the whole table; the patient id is the only part that changes.
    url = reverse("journal:provider-patient", args=[0]).replace("/0/", "/{}/")
    request = context.get("request")
    dispositions: Sequence[tuple[str, str]] = context.get("dispositions") or ()
    ack = None
    if request is not None and dispositions:
        ack = _Ack(
            url=reverse("journal:provider-flag-acknowledge", args=[0]).replace("/0/", "/{}/"),
            csrf=str(context.get("csrf_token", "")),
            user=getattr(request, "user", None),
            back=context.get("back") or "triage",
            options=format_html_join("", '<option value="{}">{}</option>', dispositions),
        )
    return format_html_join(
        "\n",
        '<tr id="patient-{}"><th scope="row" data-label="Patient" id="patient-name-{}">'
        '<a href="{}">{}</a></th>'
        '<td data-label="Top open flag">{}</td><td data-label="PHQ-9">{}</td>'
        '<td data-label="Last entry">{}</td><td data-label="Last session">{}</td>'
        '<td class="small" data-label="Shares">{}</td></tr>',
        (
            (
                int(row.patient.pk),
                int(row.patient.pk),
                url.format(int(row.patient.pk)),
                row.patient.display_name,
                _flag_cell(row, now, ack),
                _phq9_cell(row),
                _when_cell(row, row.last_entry_at, now, "No entries yet"),
                _session_cell(row, now),
                ", ".join(row.categories),
            )
            for row in rows
        ),
    )
