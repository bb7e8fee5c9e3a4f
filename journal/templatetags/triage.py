"""The triage table's rows, rendered in Python: 50 rows of a dozen template lookups each were
the largest part of the triage page's time (BENCHMARKS.md has the figures). Markup is built
with f-strings and `html.escape` (what the template's autoescape does) on every value that is
not an int: `format_html` per value cost about three times as much.

Absolute times are the patient's, with the zone written (`journal.timefmt.local_stamp`); ages
("2 days ago") are counted from the `now` the view read the list at. On phones each row is a
stacked block: every cell carries its column's name in `data-label`, shown by app.css."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from django import template
from django.core.signing import TimestampSigner
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from journal.idempotency import FIELD_NAME, new_submission_token, submission_signer
from journal.models import FlagSeverity, User
from journal.reads.provider import TriageRow
from journal.timefmt import local_stamp

register = template.Library()

_SEVERITY = {int(level): level for level in FlagSeverity}


@dataclass(frozen=True)
class _Words:
    """The table's fixed words in one language (`_words`), looked up once, not per row."""

    just_now: str
    minutes: str
    hours: str
    none_open: str
    not_shared: str
    none_yet: str
    no_baseline: str
    baseline_only: str
    no_sessions: str
    no_entries: str
    last_reported: str
    last_not_reported: str
    reported: str
    more_open: str
    by_severity: str
    what_did_you_do: str
    choose: str
    acknowledge: str
    patient: str
    top_flag: str
    last_entry: str
    last_session: str
    shares: str
    # Severity id: its badge's label; "N days ago" by N (filled as met).
    severity: dict[int, str]
    days: dict[int, str] = field(default_factory=dict)


_WORDS: dict[str | None, _Words] = {}


def _words() -> _Words:
    """`_Words` of the active language (built on first use in each language)."""
    language = get_language()
    found = _WORDS.get(language)
    if found is None:
        found = _WORDS[language] = _Words(
            just_now=_("just now"),
            minutes=_("%(minutes)s min ago"),
            hours=_("%(hours)s h ago"),
            none_open=escape(_("None open")),
            not_shared=escape(_("Not shared")),
            none_yet=escape(_("None yet")),
            no_baseline=escape(_("(no baseline)")),
            baseline_only=escape(_("(baseline only)")),
            no_sessions=_("No sessions yet"),
            no_entries=_("No entries yet"),
            last_reported=_("Last session reported"),
            last_not_reported=_("Last session not reported"),
            reported=_("%(reported)s of last %(sessions)s sessions reported"),
            more_open=escape(_("and %(count)s more open")),
            by_severity=escape(_("Open flags by severity")),
            what_did_you_do=escape(_("What did you do?")),
            choose=escape(_("Choose…")),
            acknowledge=escape(_("Acknowledge")),
            patient=escape(_("Patient")),
            top_flag=escape(_("Top open flag")),
            last_entry=escape(_("Last entry")),
            last_session=escape(_("Last session")),
            shares=escape(_("Shares")),
            severity={int(level): escape(str(level.label)) for level in FlagSeverity},
        )
    return found


def ago(moment: datetime, now: datetime, words: _Words | None = None) -> str:
    """ "just now", "25 min ago", "5 h ago", "1 day ago", "3 days ago" (from `now`)."""
    words = words or _words()
    seconds = max((now - moment).total_seconds(), 0)
    if seconds < 60:
        return words.just_now
    if seconds < 3600:
        return words.minutes % {"minutes": int(seconds // 60)}
    if seconds < 86400:
        return words.hours % {"hours": int(seconds // 3600)}
    days = int(seconds // 86400)
    text = words.days.get(days)
    if text is None:
        text = words.days[days] = ngettext("%(days)s day ago", "%(days)s days ago", days) % {
            "days": days
        }
    return text


def _when_cell(
    row: TriageRow, moment: datetime | None, now: datetime, empty: str, words: _Words
) -> str:
    if moment is None:
        return escape(empty)
    return (
        f'{escape(ago(moment, now, words))}<br><span class="small">'
        f"{escape(local_stamp(moment, row.patient.zone))}</span>"
    )


def _counts(row: TriageRow, words: _Words) -> str:
    items = "".join(
        f'<li><span class="badge {escape(level.badge)} flag-badge">'
        f"{words.severity[int(level)]}</span>"
        f" {count}</li>"
        for level in FlagSeverity
        if (count := int(getattr(row, level.name.lower())))
    )
    return (
        '<ul class="list-unstyled mb-0 small triage-counts" '
        f'aria-label="{words.by_severity}">{items}</ul>'
    )


@dataclass(frozen=True)
class _Ack:
    """What every row's acknowledgement form shares (built once per table), escaped."""

    url: str  # with "{}" for the flag id
    csrf: str
    user: User | None
    back: str
    options: str
    signer: TimestampSigner


def _ack_form(row: TriageRow, ack: _Ack, words: _Words) -> str:
    """A compact form acknowledging the row's top flag; it comes back to this list page."""
    flag = row.top_flag
    assert flag is not None
    pk, patient, title = int(flag.pk), int(row.patient.pk), escape(flag.title)
    return (
        f'<form method="post" action="{ack.url.format(pk)}" '
        'class="flag-ack-form triage-ack mt-2">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{ack.csrf}">'
        f'<input type="hidden" name="{FIELD_NAME}" '
        f'value="{escape(new_submission_token(ack.user, ack.signer))}">'
        f'<input type="hidden" name="next" value="{ack.back}">'
        f'<label class="form-label small mb-0" for="disposition-{pk}">{words.what_did_you_do}'
        f'<span class="visually-hidden"> ({title})</span></label>'
        '<div class="d-flex flex-wrap gap-2">'
        f'<select class="form-select form-select-sm w-auto" name="disposition" '
        f'id="disposition-{pk}" aria-describedby="patient-name-{patient}" required>'
        f'<option value="">{words.choose}</option>{ack.options}'
        '</select><button type="submit" class="btn btn-outline-primary btn-sm"'
        f' aria-describedby="patient-name-{patient}">{words.acknowledge}'
        f'<span class="visually-hidden"> {title}</span></button></div></form>'
    )


def _flag_cell(row: TriageRow, now: datetime, ack: _Ack | None, words: _Words) -> str:
    """The top open flag in words with its value and age, how many more, the counts by
    severity, and the form acknowledging that flag."""
    flag = row.top_flag
    if flag is None:
        return words.none_open
    level = _SEVERITY.get(flag.severity)
    badge = (
        f'<span class="badge {escape(level.badge)} flag-badge">{words.severity[int(level)]}</span> '
        if level
        else ""
    )
    more = (
        f'<br><span class="small">{words.more_open % {"count": int(row.more_open)}}</span>'
        if row.more_open
        else ""
    )
    return (
        f'<p class="mb-1">{badge}<span class="fw-semibold">{escape(flag.title)}</span> · '
        f'{escape(ago(flag.raised_at, now, words))}<br><span class="small">'
        f"{escape(local_stamp(flag.raised_at, row.patient.zone))}</span>{more}</p>"
        f"{_counts(row, words)}{_ack_form(row, ack, words) if ack else ''}"
    )


def _phq9_cell(row: TriageRow, words: _Words) -> str:
    """Latest PHQ-9 against its baseline, with the status in words (never colour alone)."""
    o = row.phq9
    if o is None:
        return words.not_shared
    if o.latest is None:
        return words.none_yet
    if o.baseline is None:
        return f'{int(o.latest.total)} <span class="small">{words.no_baseline}</span>'
    if not o.measured:
        return f'{int(o.baseline.total)} <span class="small">{words.baseline_only}</span>'
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


def adherence_text(row: TriageRow, words: _Words | None = None) -> str:
    """ "4 of last 5 sessions reported"; "" when the share does not show sessions and reports."""
    a = row.adherence
    if a is None:
        return ""
    words = words or _words()
    if a.sessions == 0:
        return words.no_sessions
    if a.sessions == 1:
        return words.last_reported if a.reported else words.last_not_reported
    return words.reported % {"reported": a.reported, "sessions": a.sessions}


def _session_cell(row: TriageRow, now: datetime, words: _Words) -> str:
    if not row.shows_sessions:
        return words.not_shared
    when = _when_cell(row, row.last_session_at, now, words.no_sessions, words)
    adherence = adherence_text(row, words)
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
            signer=submission_signer(),
        )
    url = escape(url)
    words = _words()
    return mark_safe(  # noqa: S308 (every value is escaped above or here)
        "\n".join(
            f'<tr id="patient-{int(row.patient.pk)}"><th scope="row" data-label="{words.patient}" '
            f'id="patient-name-{int(row.patient.pk)}">'
            f'<a href="{url.format(int(row.patient.pk))}">{escape(row.patient.display_name)}</a>'
            f'</th><td data-label="{words.top_flag}">{_flag_cell(row, now, ack, words)}</td>'
            f'<td data-label="PHQ-9">{_phq9_cell(row, words)}</td>'
            f'<td data-label="{words.last_entry}">'
            f"{_when_cell(row, row.last_entry_at, now, words.no_entries, words)}</td>"
            f'<td data-label="{words.last_session}">{_session_cell(row, now, words)}</td>'
            f'<td class="small" data-label="{words.shares}">'
            f"{escape(', '.join(row.categories))}</td></tr>"
            for row in rows
        )
    )
