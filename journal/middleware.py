"""Request middleware: the signed-in user's time zone and language are active for the whole
request."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserTimeZoneMiddleware:
    """Activate the user's IANA zone so forms and templates show local times."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class UserLanguageMiddleware:
    """Activate the signed-in person's own language (`User.language`) over the browser's.

    `LocaleMiddleware` (earlier in the chain) picked the browser's language for everyone, which
    is what the log-in and enrollment pages show; once someone is signed in, their account
    setting wins on every device. The language stays active while the response goes back out,
    so `LocaleMiddleware` names it in `Content-Language`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in self.supported:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
