"""Which navigation section and item a page belongs to, looked up by its URL name.

The navigation templates mark the open section (`active`) and the current item
(`aria-current="page"`) from `nav_for()`, never by slicing URL names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import ResolverMatch


@dataclass(frozen=True)
class Nav:
    """The menu section a page sits in and the menu item that names it ('' for none)."""

    section: str = ""
    item: str = ""


def _entries(kind: str, list_item: str) -> dict[str, tuple[str, str]]:
    # An entry type's pages: "create" is its own item; the others belong to its list.
    return {
        f"journal:{kind}-create": ("log", f"{kind}-create"),
        **{f"journal:{kind}-{page}": ("log", list_item) for page in ("detail", "edit", "delete")},
    }


# URL name -> (section, item). Pages not listed here open no section.
NAV_ITEMS: dict[str, tuple[str, str]] = {
    "journal:patient-home": ("home", "patient-home"),
    "journal:log-something": ("log", "log-something"),
    "journal:flag-list": ("log", "flag-list"),
    "journal:entry-list": ("log", "entry-list"),
    "journal:checkin-list": ("log", "checkin-list"),
    **_entries("checkin", "checkin-list"),
    "journal:session-list": ("log", "session-list"),
    **_entries("session", "session-list"),
    **_entries("report", "session-list"),
    "journal:session-report-create": ("log", "session-list"),
    "journal:reading-list": ("log", "reading-list"),
    **_entries("reading", "reading-list"),
    "journal:questionnaire-list": ("log", "questionnaire-list"),
    **_entries("questionnaire", "questionnaire-list"),
    "journal:dashboard": ("trends", "dashboard"),
    "journal:share-list": ("sharing", "share-list"),
    "journal:share-create": ("sharing", "share-list"),
    "journal:share-edit": ("sharing", "share-list"),
    "journal:share-revoke": ("sharing", "share-list"),
    "journal:provider-home": ("patients", "provider-home"),
    "journal:provider-outcomes": ("outcomes", "provider-outcomes"),
    "journal:admin-home": ("clinic", "admin-home"),
    "journal:account-settings": ("account", "account-settings"),
    "journal:account-devices": ("account", "account-settings"),
    "journal:notification-settings": ("account", "account-settings"),
    "journal:notification-list": ("account", "notification-list"),
    "journal:export": ("account", "export"),
    "journal:account-delete": ("account", "export"),
    "journal:access-log": ("account", "access-log"),
}


def nav_for(match: ResolverMatch | None) -> Nav:
    """The section and item of the page `match` resolved to (none for 404s and unlisted pages)."""
    if match is None or match.view_name not in NAV_ITEMS:
        return Nav()
    section, item = NAV_ITEMS[match.view_name]
    if item == "questionnaire-create":
        # One menu item per instrument.
        item = f"questionnaire-create-{match.kwargs.get('instrument', '')}"
    return Nav(section, item)
