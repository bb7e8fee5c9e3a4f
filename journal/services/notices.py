"""Security notices mailed to the account's own address. They carry no health information:
only what happened to the account, when, and what to do if it was not the person. Each is
written in the recipient's own language (`User.language`), subject and body."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journal.models import User
from journal.timefmt import day_words


def password_changed_message(user: User, at: datetime) -> tuple[str, str]:
    """Subject and body of the notice that the password was changed at `at`, in the
    recipient's language."""
    local = at.astimezone(user.zone)
    reset = settings.SITE_URL + reverse("password_reset")
    with translation.override(user.language):
        body = _(
            "Hello,\n\n"
            "The password of your Aftercare account was changed on %(day)s at %(time)s "
            "(%(zone)s time). Other phones and computers signed in to your account were logged "
            "out.\n\n"
            "If this was you, there is nothing to do.\n\n"
            "If it was not you, someone else may be using your account: choose a new password "
            "now at %(reset)s and tell your clinic straight away.\n"
        ) % {
            "day": day_words(local),
            "time": f"{local:%H:%M}",
            "zone": user.time_zone,
            "reset": reset,
        }
        return _("Your Aftercare password was changed"), body


def send_password_changed(user: User, at: datetime) -> None:
    """Mail the password-changed notice to the user's own address (best effort)."""
    subject, body = password_changed_message(user, at)
    send_mail(subject, body, from_email=None, recipient_list=[user.email], fail_silently=True)


SHARING_UPDATE_SUBJECT = gettext_lazy("An update about your sharing in Aftercare")


def sharing_update_message(patient: User) -> tuple[str, str]:
    """Subject and body of the sharing update, in the patient's language (no details: they
    are shown only after logging in)."""
    with translation.override(patient.language):
        body = _(
            "Hello,\n\n"
            "Something changed about who can see the journal you share from Aftercare. Log in "
            "and open Sharing to see what changed and what you can do: %(link)s\n\n"
            "If you have questions, call your clinic.\n"
        ) % {"link": f"{settings.SITE_URL}{reverse('journal:share-list')}"}
        return str(SHARING_UPDATE_SUBJECT), body


def send_sharing_update(patients: set[User] | list[User]) -> None:
    """Tell patients that something changed about who can see their journal; the details
    (which provider, what changed) are shown only after they log in."""
    for patient in patients:
        subject, body = sharing_update_message(patient)
        send_mail(
            subject,
            body,
            from_email=None,
            recipient_list=[patient.email],
            fail_silently=True,
        )
