"""The security layer as its own app config so its signal receivers are wired once."""

from __future__ import annotations

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "journal.security"
    label = "journal_security"
    verbose_name = "Aftercare security"

    def ready(self) -> None:
        from journal.security import receivers  # noqa: F401  (connects the audit receivers)
