"""Web Push (RFC 8030/8291/8292) through pywebpush: the payload is encrypted for each
subscription (aes128gcm) and signed with the server's VAPID key. A push service answering
404 or 410 means the subscription is gone: it is removed. Other failures raise, so the
dispatcher retries."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone
from pywebpush import WebPushException, webpush

from journal.models import PushSubscription

GONE = {404, 410}
TTL_SECONDS = 12 * 60 * 60
TIMEOUT_SECONDS = 10


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def enabled() -> bool:
    """Whether the server has a VAPID key (push is offered only then)."""
    return bool(settings.VAPID_PRIVATE_KEY)


def new_private_key() -> str:
    """A fresh VAPID private key in the form VAPID_PRIVATE_KEY takes."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key() -> str:
    """The application server key browsers subscribe with (uncompressed point, base64url)."""
    raw = base64.urlsafe_b64decode(settings.VAPID_PRIVATE_KEY + "==")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def send(user_id: int, title: str, body: str, url: str) -> int:
    """Push one notification to every subscription of the user; returns how many accepted
    it. Gone subscriptions are removed; any other failure raises after trying them all."""
    payload = json.dumps({"title": title, "body": body, "url": url})
    delivered = 0
    failure: WebPushException | None = None
    for sub in PushSubscription.objects.filter(user_id=user_id):
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        try:
            webpush(
                info,
                data=payload,
                vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=TTL_SECONDS,
                timeout=TIMEOUT_SECONDS,
            )
        except WebPushException as exc:
            if exc.status_code in GONE:
                sub.delete()
            else:
                failure = exc
            continue
        delivered += 1
        PushSubscription.objects.filter(pk=sub.pk).update(last_used_at=timezone.now())
    if failure is not None and not delivered:
        raise failure
    return delivered
