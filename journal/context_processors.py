"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from journal.models import ClinicSettings


def clinic(request: HttpRequest) -> dict[str, object]:
    """The clinic settings row, loaded only when a page shows it (safety notice, footer)."""
    return {"clinic": SimpleLazyObject(ClinicSettings.load)}
