"""A flag on the provider summary, rendered in Python: a patient with a hundred open flags
made `_provider_flag.html` (a dozen lookups per flag, included once per flag) the largest part
of the summary's time (BENCHMARKS.md). Every value is escaped (`html.escape`, as the
template's autoescape; plain strings because `format_html` per value cost three times as
much); the markup is the template's.

`_provider_flag.html` keeps the one part that needs the request (a flag's own acknowledgement
form) and calls `flag_head` / `flag_tail` around it; the flags that carry no form (the ones
behind "N more open flags", acknowledged ones, printing) are rendered as a whole list by
`flag_items`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import avoid_wrapping
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS
from django.utils.timezone import now as current_time
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from journal.chartdata import CHART_CACHE_SECONDS
from journal.idempotency import FIELD_NAME, new_submission_token
from journal.reads.provider import FlagView
from journal.timefmt import local_stamp

register = template.Library()


@dataclass(frozen=True)
class _Words:
    """The fixed words of a flag and its form in one language, escaped where they are used
    whole: looked up once per language (`_words`), not once per flag."""

    withdrawn: str
    ago: str
    someone: str
    acknowledged: str
    note: str
    only_this: str
    which: str
    acknowledge: str
    what_did_you_do: str
    choose: str
    care_team_note: str
    # "3 days ago" by (unit, count), escaped (filled as met by `_age`).
    ages: dict[tuple[str, int], str] = field(default_factory=dict)


_WORDS: dict[str | None, _Words] = {}


def _words() -> _Words:
    """`_Words` of the active language (built on first use in each language)."""
    language = get_language()
    found = _WORDS.get(language)
    if found is None:
        found = _WORDS[language] = _Words(
            withdrawn=escape(_("Withdrawn by the patient")),
            ago=_("%(time)s ago"),
            someone=_("a provider"),
            acknowledged=escape(_("Acknowledged by %(name)s on %(when)s")),
            note=escape(_("Note: %(note)s")),
            only_this=escape(_("Acknowledge only this")),
            which=_("flag (%(title)s)"),
            acknowledge=escape(_("Acknowledge")),
            what_did_you_do=_("What did you do?"),
            choose=escape(_("Choose…")),
            care_team_note=escape(
                _("Note for the care team (optional; the patient does not see it)")
            ),
        )
    return found


def _history(item: FlagView) -> str:
    count = len(item.history)
    versions = "\n".join(
        f'<p class="mb-0 mt-1 fw-semibold">{escape(rev.label)}</p>\n<ul class="mb-1">'
        + "".join(f"<li>{escape(str(key))}: {escape(str(value))}</li>" for key, value in rev.rows)
        + "</ul>"
        for rev in item.history
    )
    return (
        '\n<details class="small flag-more">\n'
        "<summary>"
        + escape(
            ngettext(
                "Edit history of this entry (%(count)s version)",
                "Edit history of this entry (%(count)s versions)",
                count,
            )
            % {"count": count}
        )
        + f"</summary>\n{versions}\n</details>"
    )


def _head_parts(item: FlagView, patient: Any, printing: bool, words: _Words) -> tuple[str, str]:
    """The flag's `<li>` up to where its own acknowledgement form goes, in two parts: before
    and after its age ("3 days ago"), the one part that changes with the clock."""
    flag = item.flag
    pk = int(flag.pk)
    control = not printing and item.is_open
    box = (
        '<input class="form-check-input me-1 flex-shrink-0" type="checkbox" name="flag" '
        f'value="{pk}" form="flag-bulk-form" id="select-flag-{pk}">'
        if control
        else ""
    )
    withdrawn = (
        '\n<p class="small mb-1 mt-1 w-100"><span class="badge text-bg-light border">'
        f"{words.withdrawn}</span> {escape(item.withdrawn)}</p>"
        if item.withdrawn
        else ""
    )
    label_for = f' for="select-flag-{pk}"' if control else ""
    before = (
        '<li class="border-bottom py-1 d-flex flex-wrap column-gap-2 align-items-baseline '
        f'flag-item" id="flag-{pk}" data-flag-block>\n'
        f'<span class="flag-head">{box}\n<span><label{label_for}>'
        f'<span class="badge {escape(flag.severity_level.badge)} flag-badge">'
        f"{escape(item.severity_name)}</span>\n"
        f'<span class="fw-semibold">{escape(item.title)}</span></label>\n'
        f'<span class="small">— {escape(local_stamp(flag.raised_at, patient.zone))}, '
    )
    after = (
        f"</span></span></span>{withdrawn}{_history(item) if item.history and not printing else ''}"
    )
    return before, after


# Django's `timesince` steps below a month, largest first.
_STEPS = (("week", 7 * 24 * 3600), ("day", 24 * 3600), ("hour", 3600), ("minute", 60))


def _age_unit(moment: datetime, now: datetime) -> tuple[str, int]:
    """The one unit and count `timesince(moment, now, depth=1)` names ("day", 3), by its own
    arithmetic (calendar months and years, then weeks to minutes) without looking up its
    words: `tests/test_provider_flag_items.py` holds the two equal over two years of ages."""
    now = now.astimezone(moment.tzinfo)
    delta = now - moment
    if delta.days * 24 * 3600 + delta.seconds <= 0:
        return "minute", 0
    months = (now.year - moment.year) * 12 + (now.month - moment.month)
    if moment.day > now.day or (moment.day == now.day and moment.time() > now.time()):
        months -= 1
    if months:
        years, months = divmod(months, 12)
        return ("year", years) if years else ("month", months)
    remaining = delta.total_seconds()
    for name, seconds in _STEPS:
        count = int(remaining // seconds)
        if count:
            return name, count
    return "minute", 0


def _age(moment: datetime, now: datetime, words: _Words) -> str:
    """ "3 days ago", escaped: `timesince(moment, now, depth=1)` in `words`' language, its
    words looked up once per distinct age (there are a few hundred at most)."""
    unit = _age_unit(moment, now)
    text = words.ages.get(unit)
    if text is None:
        time = avoid_wrapping(TIME_STRINGS[unit[0]] % {"num": unit[1]})
        text = words.ages[unit] = escape(words.ago % {"time": time})
    return text


def head(
    item: FlagView, patient: Any, printing: bool, now: datetime, words: _Words | None = None
) -> str:
    """The flag's `<li>` up to where its own acknowledgement form goes."""
    words = words or _words()
    before, after = _head_parts(item, patient, printing, words)
    return before + _age(item.flag.raised_at, now, words) + after


def tail(item: FlagView, patient: Any, printing: bool, words: _Words | None = None) -> str:
    """Who acknowledged a closed flag, and how (never for an open one), then `</li>`."""
    flag = item.flag
    if item.is_open:
        return "\n</li>"
    words = words or _words()
    by = (flag.acknowledged_by.display_name if flag.acknowledged_by else "") or words.someone
    how = f": {escape(flag.get_disposition_display().lower())}" if flag.disposition else ""
    note = (
        f'\n<p class="small mb-0">{words.note % {"note": escape(flag.acknowledgement_note)}}</p>'
        if flag.acknowledgement_note and not printing
        else ""
    )
    return (
        '\n<span class="small">· '
        + words.acknowledged
        % {"name": escape(by), "when": escape(local_stamp(flag.acknowledged_at, patient.zone))}
        + f"{how}</span>{note}\n</li>"
    )


def _csrf_input(context: template.Context) -> str:
    """What `{% csrf_token %}` writes: the page's one token (every form of a page shares it)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 (Django's "no token" value)
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


def _token_input(context: template.Context) -> str:
    """What `_submission_token.html` writes: a fresh one-time token for this form."""
    request = context.get("request")
    token = new_submission_token(getattr(request, "user", None))
    return f'<input type="hidden" name="{FIELD_NAME}" value="{escape(token)}">\n'


def _ack_fields(
    suffix: object, label: str, title: str, dispositions: Iterable[tuple[str, str]], words: _Words
) -> str:
    """The disposition and note of an acknowledgement (of one flag, or of the ticked ones):
    `suffix` makes the ids unique, `label` is the visible question, `title` the flag's title
    said to screen readers after it."""
    suffix = escape(str(suffix))
    options = "".join(
        f'<option value="{escape(str(value))}">{escape(str(text))}</option>'
        for value, text in dispositions
    )
    hidden = f'<span class="visually-hidden"> ({escape(title)})</span>' if title else ""
    return (
        '\n<div class="col-12 col-md-4">\n'
        f'  <label class="form-label small mb-0" for="disposition-{suffix}">{escape(label)}'
        f"{hidden}</label>\n"
        '  <select class="form-select form-select-sm" name="disposition" '
        f'id="disposition-{suffix}" required>\n'
        f'    <option value="">{words.choose}</option>\n'
        f"    {options}\n"
        "  </select>\n"
        "</div>\n"
        '<div class="col-12 col-md-5">\n'
        f'  <label class="form-label small mb-0" for="ack-note-{suffix}">'
        f"{words.care_team_note}</label>\n"
        '  <input class="form-control form-control-sm" type="text" name="note" '
        f'maxlength="2000" id="ack-note-{suffix}">\n'
        "</div>\n"
    )


def _own_form(context: template.Context, item: FlagView, words: _Words) -> str:
    """A flag's "Acknowledge only this" disclosure and form."""
    pk = int(item.flag.pk)
    title = escape(item.title)
    action = reverse("journal:provider-flag-acknowledge", args=[pk])
    period = escape(str(context.get("period", "")))
    which = words.which % {"title": title}
    dispositions = context.get("dispositions") or ()
    fields = _ack_fields(pk, words.what_did_you_do, item.title, dispositions, words)
    return (
        '\n    <details class="small flag-more flag-ack-one">\n'
        f'      <summary>{words.only_this}<span class="visually-hidden"> {which}</span></summary>\n'
        f'      <form method="post" action="{action}" class="mt-1 flag-ack-form">\n'
        f"        {_csrf_input(context)}{_token_input(context)}\n"
        f'        <input type="hidden" name="period" value="{period}">\n'
        '        <div class="row g-2 align-items-end">\n'
        f"          {fields}\n"
        '          <div class="col-12 col-md-3">\n'
        '            <button type="submit" class="btn btn-outline-primary btn-sm">'
        f'{words.acknowledge}<span class="visually-hidden"> {title}</span></button>\n'
        "          </div>\n"
        "        </div>\n"
        "      </form>\n"
        "    </details>\n"
    )


@register.simple_tag(takes_context=True)
def provider_flag(
    context: template.Context,
    item: FlagView,
    patient: Any,
    printing: bool = False,
    compact: bool = False,
) -> SafeString:
    """One flag, with its own acknowledgement form when it is open and neither printed nor
    compact (the five most urgent on the summary, and what `flag_ack.js` swaps in). Needs
    `dispositions` and `period` in the context, and the request's CSRF token."""
    printing = bool(printing)
    words = _words()
    form = _own_form(context, item, words) if item.is_open and not printing and not compact else ""
    return mark_safe(  # noqa: S308 (every value is escaped)
        head(item, patient, printing, current_time(), words)
        + "\n"
        + form
        + "\n"
        + tail(item, patient, printing, words)
    )


@register.simple_tag(takes_context=True)
def flag_ack_fields(
    context: template.Context, suffix: object, label: str, title: str = ""
) -> SafeString:
    """`_ack_fields` for a template (the bulk form), with the context's `dispositions`."""
    return mark_safe(  # noqa: S308 (every value is escaped)
        _ack_fields(suffix, str(label), str(title), context.get("dispositions") or (), _words())
    )


@register.simple_tag
def flag_items(
    items: Iterable[FlagView], patient: Any, printing: bool = False, cache_key: str = ""
) -> SafeString:
    """Flags without their own acknowledgement form (compact open ones, acknowledged ones,
    printing), one `<li>` each.

    With `cache_key` (the summary's: patient, zone, language, scope, period and data version,
    which covers every flag's fields, acknowledgement, withdrawal and entry edits) each flag's
    markup around its age is cached under it; only the ages ("3 days ago") and who
    acknowledged (a name the data version does not cover) are written per request. A hundred
    open flags had been a quarter of the provider summary's time (BENCHMARKS.md)."""
    items = list(items)
    words = _words()
    printing = bool(printing)
    parts = None
    if cache_key:
        ids = ",".join(str(item.flag.pk) for item in items)
        digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
        key = f"{cache_key}:flag-items:{int(printing)}:{digest}"
        parts = cache.get(key)
    if parts is None:
        parts = [_head_parts(item, patient, printing, words) for item in items]
        if cache_key:
            cache.set(key, parts, CHART_CACHE_SECONDS)
    now = current_time()
    return mark_safe(  # noqa: S308 (every value is escaped)
        "\n".join(
            before
            + _age(item.flag.raised_at, now, words)
            + after
            + tail(item, patient, printing, words)
            for item, (before, after) in zip(items, parts, strict=True)
        )
    )
