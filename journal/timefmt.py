"""Times a reader in another zone cannot misread (issue 19): a patient's local time with its
zone's abbreviation, or its UTC offset where the zone has no letters ("+13" style names such
as Pacific/Auckland's are shown as "UTC+13").
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.translation import pgettext


def zone_label(moment: datetime, zone: ZoneInfo) -> str:
    """ "PST", "NZDT", "CET"; "UTC+13" / "UTC−3:30" where tzdata has only numbers."""
    local = moment.astimezone(zone)
    name = local.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def local_stamp(moment: datetime | None, zone: ZoneInfo, empty: str = "—") -> str:
    """ "2026-12-03 01:40 NZDT": the moment in `zone`, with the zone written."""
    if moment is None:
        return empty
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(moment, zone)}"


def local_words(moment: datetime, zone: ZoneInfo) -> str:
    """ "3 Dec 2026 01:40 NZDT": the same, for a sentence (month in the reader's language)."""
    local = moment.astimezone(zone)
    return f"{dateformat.format(local, 'j M Y H:i')} {zone_label(moment, zone)}"


def day_words(value: date | datetime) -> str:
    """ "3 December 2026" ("3 de diciembre de 2026"): a day in words, in the reader's
    language (no conversion: give it a local time)."""
    return dateformat.format(value, pgettext("date in a sentence (Django date format)", "j F Y"))
