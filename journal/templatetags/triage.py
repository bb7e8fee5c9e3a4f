"""The triage table's rows, rendered in Python: 50 rows of a dozen template lookups each were
the largest part of the triage page's time (BENCHMARKS.md has the figures). Markup is built
with f-strings and `html.escape` (what the template's autoescape does) on every value that is
not an int: `format_html` per value cost about three times as much.

Absolute times are the patient's, with the zone written (`journal.timefmt.local_stamp`); ages
("2 days ago") are counted from the `now` the view read the list at. On phones each row is a
stacked block: every cell carries its column's name in `data-label`, shown by app.css."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

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


def _when_cell(row: TriageRow, moment: datetime | None, now: datetime, empty: str) -> str:
    if moment is None:
        return escape(empty)
    return (
        f'{escape(ago(moment, now))}<br><span class="small">'
        f"{escape(local_stamp(moment, row.patient.zone))}</span>"
    )


def _counts(row: TriageRow) -> str:
    items = "".join(
        f'<li><span class="badge {escape(level.badge)} flag-badge">{escape(level.label)}</span>'
        f" {count}</li>"
        for level in FlagSeverity
        if (count := int(getattr(row, level.name.lower())))
    )
    return (
        '<ul class="list-unstyled mb-0 small triage-counts" aria-label="Open flags by severity">'
        f"{items}</ul>"
    )


@dataclass(frozen=True)
class _Ack:
    """What every row's acknowledgement form shares (built once per table), escaped."""

    url: str  # with "{}" for the flag id
    csrf: str
    user: User | None
    back: str
    options: str


def _ack_form(row: TriageRow, ack: _Ack) -> str:
    """A compact form acknowledging the row's top flag; it comes back to this list page."""
    flag = row.top_flag
    assert flag is not None
    pk, patient, title = int(flag.pk), int(row.patient.pk), escape(flag.title)
    return (
        f'<form method="post" action="{ack.url.format(pk)}" '
        'class="flag-ack-form triage-ack mt-2">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{ack.csrf}">'
        f'<input type="hidden" name="{FIELD_NAME}" '
        f'value="{escape(new_submission_token(ack.user))}">'
        f'<input type="hidden" name="next" value="{ack.back}">'
        f'<label class="form-label small mb-0" for="disposition-{pk}">What did you do?'
        f'<span class="visually-hidden"> ({title})</span></label>'
        '<div class="d-flex flex-wrap gap-2">'
        f'<select class="form-select form-select-sm w-auto" name="disposition" '
        f'id="disposition-{pk}" aria-describedby="patient-name-{patient}" required>'
        f'<option value="">Choose…</option>{ack.options}'
        '</select><button type="submit" class="btn btn-outline-primary btn-sm"'
        f' aria-describedby="patient-name-{patient}">Acknowledge'
        f'<span class="visually-hidden"> {title}</span></button></div></form>'
    )


def _flag_cell(row: TriageRow, now: datetime, ack: _Ack | None) -> str:
    """The top open flag in words with its value and age, how many more, the counts by
    severity, and the form acknowledging that flag."""
    flag = row.top_flag
    if flag is None:
        return "None open"
    level = _SEVERITY.get(flag.severity)
    badge = (
        f'<span class="badge {escape(level.badge)} flag-badge">{escape(level.label)}</span> '
        if level
        else ""
    )
    more = (
        f'<br><span class="small">and {int(row.more_open)} more open</span>'
        if row.more_open
        else ""
    )
    return (
        f'<p class="mb-1">{badge}<span class="fw-semibold">{escape(flag.title)}</span> · '
        f'{escape(ago(flag.raised_at, now))}<br><span class="small">'
        f"{escape(local_stamp(flag.raised_at, row.patient.zone))}</span>{more}</p>"
        f"{_counts(row)}{_ack_form(row, ack) if ack else ''}"
    )


def _phq9_cell(row: TriageRow) -> str:
    """Latest PHQ-9 against its baseline, with the status in words (never colour alone)."""
    o = row.phq9
    if o is None:
        return "Not shared"
    if o.latest is None:
        return "None yet"
    if o.baseline is None:
        return f'{int(o.latest.total)} <span class="small">(no baseline)</span>'
    if not o.measured:
        return f'{int(o.baseline.total)} <span class="small">(baseline only)</span>'
    change = o.percent_change
    pct = (
        ""
        if change is None
        else f" ({'−' if change > 0 else '+' if change < 0 else '±'}{abs(change)} %)"
    )
    return (
        f"{int(o.baseline.total)} → {int(o.latest.total)}{pct}<br>"
        f'<span class="badge border text-body outcome-badge">{escape(o.status_words)}</span>'
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


def _session_cell(row: TriageRow, now: datetime) -> str:
    if not row.shows_sessions:
        return "Not shared"
    when = _when_cell(row, row.last_session_at, now, "No sessions yet")
    adherence = adherence_text(row)
    if not adherence or row.last_session_at is None:
        return when
    return f'{when}<br><span class="small">{escape(adherence)}</span>'


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
            url=escape(
                reverse("journal:provider-flag-acknowledge", args=[0]).replace("/0/", "/{}/")
            ),
            csrf=escape(str(context.get("csrf_token", ""))),
            user=getattr(request, "user", None),
            back=escape(context.get("back") or "triage"),
            options="".join(
                f'<option value="{escape(value)}">{escape(label)}</option>'
                for value, label in dispositions
            ),
        )
    url = escape(url)
    return mark_safe(  # noqa: S308 (every value is escaped above or here)
        "\n".join(
            f'<tr id="patient-{int(row.patient.pk)}"><th scope="row" data-label="Patient" '
            f'id="patient-name-{int(row.patient.pk)}">'
            f'<a href="{url.format(int(row.patient.pk))}">{escape(row.patient.display_name)}</a>'
            f'</th><td data-label="Top open flag">{_flag_cell(row, now, ack)}</td>'
            f'<td data-label="PHQ-9">{_phq9_cell(row)}</td>'
            f'<td data-label="Last entry">'
            f"{_when_cell(row, row.last_entry_at, now, 'No entries yet')}</td>"
            f'<td data-label="Last session">{_session_cell(row, now)}</td>'
            f'<td class="small" data-label="Shares">{escape(", ".join(row.categories))}</td></tr>'
            for row in rows
        )
    )
