"""The security layer as its own app config so its signal receivers are wired once."""

from __future__ import annotations

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "journal.security"
    label = "journal_security"
    verbose_name = "Aftercare security"

    def ready(self) -> None:
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from journal.security import receivers  # noqa: F401  (connects the audit receivers)

        # The clinic console shows account metadata only; MFA secrets never appear there.
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)

        # Like django_otp.admin.OTPAdminSite: the console also demands a verified second
        # factor itself, not only through MFARequiredMiddleware (defence in depth).
        role_check = admin.site.has_permission

        def has_permission(request) -> bool:
            verified = getattr(request.user, "is_verified", lambda: False)()
            return bool(role_check(request) and verified)

        admin.site.has_permission = has_permission  # type: ignore[method-assign]  # on this site only
