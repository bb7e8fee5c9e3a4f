"""Presentation of phone numbers: `tel:` links that a phone can dial."""

from __future__ import annotations

import re

from django import template

register = template.Library()


@register.filter
def tel_uri(number: str) -> str:
    """The number as a `tel:` URI without spaces or punctuation ('+1 555 0100': 'tel:+15550100')."""
    number = str(number or "").strip()
    return "tel:" + ("+" if number.startswith("+") else "") + re.sub(r"[^0-9*#]", "", number)
