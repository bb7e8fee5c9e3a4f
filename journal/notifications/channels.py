"""Delivering a notification: the words (no journal content, ever) and the channels.

Every message is written from the notification's kind alone: it never names a mood, symptom,
score, medicine, note or person. Emails carry a one-click unsubscribe (RFC 8058): a signed,
single-purpose link per recipient and kind (for the clinic's on-call address, which is no
account: per address, stopping on-call alerts only), in the body and in `List-Unsubscribe`.
Every message is in the recipient's language (`User.language`; the clinic's on-call address,
which is no account, gets the clinic's default, `settings.LANGUAGE_CODE`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from journal.models import Channel, FlagSeverity, Notification, NotificationKind
from journal.notifications import push
from journal.notifications.schedule import BOTH_INSTRUMENTS

UNSUBSCRIBE_SALT = "aftercare.notifications.unsubscribe"
# The clinic's on-call address is no account: its token names the address and can only stop
# on-call alerts to it.
ON_CALL_UNSUBSCRIBE_SALT = "aftercare.notifications.on-call-unsubscribe"
NOT_MONITORED = gettext_lazy(
    "Aftercare is not monitored in real time. In an emergency call your local emergency number."
)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def _reminder(kind: str) -> Message:
    """A reminder's words, in the active language."""
    if kind == NotificationKind.REPORT_EVENING:
        return Message(
            _("Aftercare: time for this evening's report"),
            _("When you feel ready, please fill in your report about today's session."),
        )
    if kind == NotificationKind.REPORT_MORNING:
        return Message(
            _("Aftercare: your session report is still open"),
            _("Good morning. Your report about yesterday's session is still waiting for you."),
        )
    if kind == NotificationKind.CHECKIN:
        return Message(
            _("Aftercare: time for this evening's check-in"),
            _("A short check-in helps you and your care team see how things are going."),
        )
    if kind == NotificationKind.QUESTIONNAIRE:
        return Message(
            _("Aftercare: a questionnaire is due"),
            _("Your regular questionnaire is due. It takes a few minutes."),
        )
    raise KeyError(kind)


def both_questionnaires() -> Message:
    """PHQ-9 and GAD-7 due together: one message, not two (in the active language)."""
    return Message(
        _("Aftercare: two short questionnaires are due"),
        _("Your two regular questionnaires are due. Each takes a few minutes."),
    )


def recipient_language(row: Notification) -> str:
    """The language a notification is written in: its recipient's, or for the clinic's
    on-call address (no account) the clinic's default, `settings.LANGUAGE_CODE`."""
    recipient = row.recipient if row.recipient_id is not None else None
    language = getattr(recipient, "language", "") if recipient is not None else ""
    return language or settings.LANGUAGE_CODE


@contextmanager
def in_language_of(row: Notification) -> Iterator[None]:
    """Write what is built inside in the language of `row`'s recipient."""
    with translation.override(recipient_language(row)):
        yield


def message_for(rows: list[Notification]) -> Message:
    """The words of one message for `rows` (several rows only for grouped alerts), in the
    active language (`deliver` and `build_email` make it the recipient's)."""
    kind = rows[0].kind
    if kind == NotificationKind.QUESTIONNAIRE and rows[0].due_key.startswith(BOTH_INSTRUMENTS):
        return both_questionnaires()
    if kind != NotificationKind.FLAG_ALERT:
        return _reminder(NotificationKind(kind))
    urgent = any(r.flag is not None and r.flag.severity == FlagSeverity.URGENT for r in rows)
    if len(rows) == 1:
        if urgent:
            return Message(
                _("Aftercare: an urgent flag awaits review"),
                _("An urgent flag in Aftercare awaits your review."),
            )
        return Message(
            _("Aftercare: a flag awaits review"),
            _("A flag in Aftercare awaits your review."),
        )
    count = {"count": len(rows)}
    subject = ngettext(
        "Aftercare: %(count)d flag awaits review",
        "Aftercare: %(count)d flags await review",
        len(rows),
    )
    if urgent:
        body = ngettext(
            "%(count)d flag, at least one urgent, in Aftercare awaits your review.",
            "%(count)d flags, at least one urgent, in Aftercare await your review.",
            len(rows),
        )
    else:
        body = ngettext(
            "%(count)d flag in Aftercare awaits your review.",
            "%(count)d flags in Aftercare await your review.",
            len(rows),
        )
    return Message(subject % count, body % count)


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed token that turns off one kind of email for one person (nothing else)."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The (user id, kind) a token names, or None when it is not ours or was altered."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if data.get("k") not in NotificationKind.values:
        return None
    return data["u"], data["k"]


def unsubscribe_url(user_id: int, kind: str) -> str:
    return settings.SITE_URL + reverse(
        "journal:notifications-unsubscribe", kwargs={"token": unsubscribe_token(user_id, kind)}
    )


def on_call_unsubscribe_token(address: str) -> str:
    """A signed token that stops the clinic's on-call alerts to `address` (nothing else)."""
    return signing.dumps({"a": address.lower()}, salt=ON_CALL_UNSUBSCRIBE_SALT, compress=True)


def read_on_call_unsubscribe_token(token: str) -> str | None:
    """The address an on-call token names, or None when it is not ours or was altered."""
    try:
        data = signing.loads(token, salt=ON_CALL_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), str) or "@" not in data["a"]:
        return None
    return data["a"]


def on_call_unsubscribe_url(address: str) -> str:
    return settings.SITE_URL + reverse(
        "journal:notifications-unsubscribe-on-call",
        kwargs={"token": on_call_unsubscribe_token(address)},
    )


def build_email(rows: list[Notification]) -> EmailMessage:
    """The email for `rows`: subject, a body with the link, unsubscribe headers; in the
    recipient's language."""
    with in_language_of(rows[0]):
        return _build_email(rows)


def _build_email(rows: list[Notification]) -> EmailMessage:
    first = rows[0]
    message = message_for(rows)
    link = settings.SITE_URL + (first.link or "/")
    lines = [
        message.body,
        "",
        _("Open Aftercare: %(link)s") % {"link": link},
        "",
        str(NOT_MONITORED),
    ]
    headers = {"Auto-Submitted": "auto-generated"}
    if first.recipient_id is not None:
        url = unsubscribe_url(first.recipient_id, first.kind)
    else:
        url = on_call_unsubscribe_url(first.address)
    lines += ["", _("Stop these emails: %(link)s") % {"link": url}]
    headers["List-Unsubscribe"] = f"<{url}>"
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    to = first.recipient.email if first.recipient is not None else first.address
    return EmailMessage(
        subject=message.subject,
        body="\n".join(lines) + "\n",
        to=[to],
        headers=headers,
    )


def deliver(rows: list[Notification]) -> None:
    """Send `rows` (one recipient, one kind) on their channel; raises when the send failed.
    In-app notifications need no delivery: the row itself is what the person sees (and so is
    a push with no subscription left, or on a server without a VAPID key)."""
    first = rows[0]
    if first.channel == Channel.EMAIL:
        build_email(rows).send(fail_silently=False)
    elif first.channel == Channel.PUSH and first.recipient_id is not None and push.enabled():
        with in_language_of(first):
            message = message_for(rows)
        push.send(first.recipient_id, message.subject, message.body, first.link or "/")
