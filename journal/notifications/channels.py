"""Delivering a notification: the words (no journal content, ever) and the channels.

Every message is written from the notification's kind alone: it never names a mood, symptom,
score, medicine, note or person. Emails carry a one-click unsubscribe (RFC 8058): a signed,
single-purpose link per recipient and kind (for the clinic's on-call address, which is no
account: per address, stopping on-call alerts only), in the body and in `List-Unsubscribe`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse

from journal.models import Channel, FlagSeverity, Notification, NotificationKind
from journal.notifications import push
from journal.notifications.schedule import BOTH_INSTRUMENTS

UNSUBSCRIBE_SALT = "aftercare.notifications.unsubscribe"
# The clinic's on-call address is no account: its token names the address and can only stop
# on-call alerts to it.
ON_CALL_UNSUBSCRIBE_SALT = "aftercare.notifications.on-call-unsubscribe"
NOT_MONITORED = (
    "Aftercare is not monitored in real time. In an emergency call your local emergency number."
)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


_REMINDERS = {
    NotificationKind.REPORT_EVENING: Message(
        "Aftercare: time for this evening's report",
        "When you feel ready, please fill in your report about today's session.",
    ),
    NotificationKind.REPORT_MORNING: Message(
        "Aftercare: your session report is still open",
        "Good morning. Your report about yesterday's session is still waiting for you.",
    ),
    NotificationKind.CHECKIN: Message(
        "Aftercare: time for this evening's check-in",
        "A short check-in helps you and your care team see how things are going.",
    ),
    NotificationKind.QUESTIONNAIRE: Message(
        "Aftercare: a questionnaire is due",
        "Your regular questionnaire is due. It takes a few minutes.",
    ),
}
# PHQ-9 and GAD-7 due together: one message, not two.
BOTH_QUESTIONNAIRES = Message(
    "Aftercare: two short questionnaires are due",
    "Your two regular questionnaires are due. Each takes a few minutes.",
)


def message_for(rows: list[Notification]) -> Message:
    """The words of one message for `rows` (several rows only for grouped alerts)."""
    kind = rows[0].kind
    if kind == NotificationKind.QUESTIONNAIRE and rows[0].due_key.startswith(BOTH_INSTRUMENTS):
        return BOTH_QUESTIONNAIRES
    if kind != NotificationKind.FLAG_ALERT:
        return _REMINDERS[NotificationKind(kind)]
    urgent = any(r.flag is not None and r.flag.severity == FlagSeverity.URGENT for r in rows)
    what = "an urgent flag" if urgent else "a flag"
    if len(rows) == 1:
        return Message(
            f"Aftercare: {what} awaits review",
            f"{what.capitalize()} in Aftercare awaits your review.",
        )
    some = f"{len(rows)} flags, at least one urgent," if urgent else f"{len(rows)} flags"
    return Message(
        f"Aftercare: {len(rows)} flags await review",
        f"{some} in Aftercare await your review.",
    )


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
    """The email for `rows`: subject, a body with the link, unsubscribe headers."""
    first = rows[0]
    message = message_for(rows)
    link = settings.SITE_URL + (first.link or "/")
    lines = [message.body, "", f"Open Aftercare: {link}", "", NOT_MONITORED]
    headers = {"Auto-Submitted": "auto-generated"}
    if first.recipient_id is not None:
        url = unsubscribe_url(first.recipient_id, first.kind)
    else:
        url = on_call_unsubscribe_url(first.address)
    lines += ["", f"Stop these emails: {url}"]
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
        message = message_for(rows)
        push.send(first.recipient_id, message.subject, message.body, first.link or "/")
