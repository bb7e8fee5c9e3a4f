"""Security notices mailed to the account's own address. They carry no health information:
only what happened to the account, when, and what to do if it was not the person."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from journal.models import User


def password_changed_message(user: User, at: datetime) -> tuple[str, str]:
    """Subject and body of the notice that the password was changed at `at`."""
    local = at.astimezone(user.zone)
    reset = settings.SITE_URL + reverse("password_reset")
    body = (
        "Hello,\n\n"
        "The password of your Aftercare account was changed on "
        f"{local:%-d %B %Y at %H:%M} ({user.time_zone} time). Other phones and computers "
        "signed in to your account were logged out.\n\n"
        "If this was you, there is nothing to do.\n\n"
        "If it was not you, someone else may be using your account: choose a new password "
        f"now at {reset} and tell your clinic straight away.\n"
    )
    return "Your Aftercare password was changed", body


def send_password_changed(user: User, at: datetime) -> None:
    """Mail the password-changed notice to the user's own address (best effort)."""
    subject, body = password_changed_message(user, at)
    send_mail(subject, body, from_email=None, recipient_list=[user.email], fail_silently=True)
