"""`{{ moment|patient_time:patient }}`: a patient's time in their zone, with the zone written
(`journal.timefmt.local_stamp`), for pages a provider in another zone reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from journal.timefmt import local_stamp

register = template.Library()


@register.filter
def patient_time(moment: datetime | None, patient: Any) -> str:
    return local_stamp(moment, patient.zone)


@register.filter
def ago(moment: datetime | None) -> str:
    """ "2 weeks ago": the largest unit only, for a line that must stay short (the exact time
    is written next to it)."""
    if moment is None:
        return ""
    return _("%(time)s ago") % {"time": timesince(moment, depth=1)}
