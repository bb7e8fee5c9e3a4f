"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from journal.models import ClinicSettings
from journal.navigation import nav_for
from journal.reads.notifications import cached_unread


def clinic(request: HttpRequest) -> dict[str, object]:
    """The clinic settings row, loaded only when a page shows it (safety notice, footer)."""
    return {"clinic": SimpleLazyObject(ClinicSettings.load)}


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation section and item of this page (empty on 404s, which resolve nothing)."""
    return {"nav": nav_for(getattr(request, "resolver_match", None))}


def notifications(request: HttpRequest) -> dict[str, object]:
    """The signed-in person's unread notification count as remembered in the cache (None when
    not known): the navigation shows it without a database query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: cached_unread(user.pk))}
