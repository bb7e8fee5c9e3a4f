"""`{% submission_token %}`: a fresh one-time token for the form being rendered."""

from __future__ import annotations

from django import template

from journal.idempotency import new_submission_token

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_token(context: template.Context) -> str:
    """A new signed submission token for the signed-in user of this request."""
    request = context.get("request")
    return new_submission_token(getattr(request, "user", None))
