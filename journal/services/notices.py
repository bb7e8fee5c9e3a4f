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


SHARING_UPDATE_SUBJECT = "An update about your sharing in Aftercare"


def send_sharing_update(patients: set[User] | list[User]) -> None:
    """Tell patients that something changed about who can see their journal; the details
    (which provider, what changed) are shown only after they log in."""
    body = (
        "Hello,\n\n"
        "Something changed about who can see the journal you share from Aftercare. Log in and "
        f"open Sharing to see what changed and what you can do: {settings.SITE_URL}"
        f"{reverse('journal:share-list')}\n\n"
        "If you have questions, call your clinic.\n"
    )
    for patient in patients:
        send_mail(
            SHARING_UPDATE_SUBJECT,
            body,
            from_email=None,
            recipient_list=[patient.email],
            fail_silently=True,
        )
