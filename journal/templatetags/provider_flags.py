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
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.core.cache import cache
from django.utils.html import avoid_wrapping
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS
from django.utils.timezone import now as current_time
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journal.chartdata import CHART_CACHE_SECONDS
from journal.reads.provider import FlagView
from journal.timefmt import local_stamp

register = template.Library()


@dataclass(frozen=True)
class _Words:
    """The fixed words of a flag in the active language, escaped: looked up once per list of
    flags rather than once per flag."""

    withdrawn: str
    ago: str
    someone: str
    acknowledged: str
    note: str


def _words() -> _Words:
    return _Words(
        withdrawn=escape(_("Withdrawn by the patient")),
        ago=_("%(time)s ago"),
        someone=_("a provider"),
        acknowledged=escape(_("Acknowledged by %(name)s on %(when)s")),
        note=escape(_("Note: %(note)s")),
    )


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


def _age(moment: datetime, now: datetime, words: _Words, seen: dict[tuple[str, int], str]) -> str:
    """ "3 days ago", escaped: `timesince(moment, now, depth=1)` in the active language, its
    words looked up once per distinct age in `seen` (a list of flags has few)."""
    unit = _age_unit(moment, now)
    text = seen.get(unit)
    if text is None:
        time = avoid_wrapping(TIME_STRINGS[unit[0]] % {"num": unit[1]})
        text = seen[unit] = escape(words.ago % {"time": time})
    return text


def head(
    item: FlagView, patient: Any, printing: bool, now: datetime, words: _Words | None = None
) -> str:
    """The flag's `<li>` up to where its own acknowledgement form goes."""
    words = words or _words()
    before, after = _head_parts(item, patient, printing, words)
    return before + _age(item.flag.raised_at, now, words, {}) + after


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


@register.simple_tag
def flag_head(item: FlagView, patient: Any, printing: bool = False) -> SafeString:
    return mark_safe(head(item, patient, bool(printing), current_time()))  # noqa: S308 (escaped)


@register.simple_tag
def flag_tail(item: FlagView, patient: Any, printing: bool = False) -> SafeString:
    return mark_safe(tail(item, patient, bool(printing)))  # noqa: S308 (escaped)


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
    seen: dict[tuple[str, int], str] = {}
    return mark_safe(  # noqa: S308 (every value is escaped)
        "\n".join(
            before
            + _age(item.flag.raised_at, now, words, seen)
            + after
            + tail(item, patient, printing, words)
            for item, (before, after) in zip(items, parts, strict=True)
        )
    )
