"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from journal.models import ClinicSettings
from journal.navigation import nav_for


def clinic(request: HttpRequest) -> dict[str, object]:
    """The clinic settings row, loaded only when a page shows it (safety notice, footer)."""
    return {"clinic": SimpleLazyObject(ClinicSettings.load)}


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation section and item of this page (empty on 404s, which resolve nothing)."""
    return {"nav": nav_for(getattr(request, "resolver_match", None))}
