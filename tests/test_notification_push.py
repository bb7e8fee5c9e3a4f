"""Web Push: an encrypted payload (RFC 8291) with VAPID (RFC 8292) to a local push endpoint,
gone subscriptions removed, the subscription endpoints, the manifest and service worker."""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from journal.models import Notification, NotificationStatus, PushSubscription
from journal.notifications import jobs, push
from tests.conftest import client_for


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A local push service: records each POST and answers with `status`."""

    def __init__(self) -> None:
        self.status = 201
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.received.append((self.path, headers, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def vapid(settings) -> str:
    settings.VAPID_PRIVATE_KEY = push.new_private_key()
    settings.VAPID_SUBJECT = "mailto:clinic@example.test"
    return settings.VAPID_PRIVATE_KEY


@pytest.fixture
def service():
    s = PushService()
    yield s
    s.close()


@pytest.fixture
def browser_keys():
    """A browser's subscription keys: its P-256 key pair and 16-byte auth secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private, b64url(public), os.urandom(16)


def subscribe(user, service, browser_keys, path="/push/device-1") -> PushSubscription:
    _, p256dh, auth = browser_keys
    return PushSubscription.objects.create(
        user=user, endpoint=service.url + path, p256dh=p256dh, auth=b64url(auth)
    )


def due_push(user) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        recipient=user,
        kind="checkin",
        due_key=f"day:{timezone.localdate(now, user.zone).isoformat()}",
        due_at=now,
        next_attempt_at=now,
        channel="push",
        link=reverse("journal:checkin-create"),
    )


def test_the_push_payload_decrypts_to_the_reminder_and_carries_vapid(
    vapid, service, browser_keys, personas
):
    patient = personas.patient
    subscribe(patient, service, browser_keys)
    row = due_push(patient)
    assert jobs.dispatch() == 1
    ((path, headers, body),) = service.received
    assert path == "/push/device-1"
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) == push.TTL_SECONDS
    # VAPID (RFC 8292): a JWT for this push service's origin, and the server's public key.
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert fields["k"] == push.public_key()
    claims = json.loads(unb64url(fields["t"].split(".")[1]))
    assert claims["aud"] == service.url and claims["sub"] == "mailto:clinic@example.test"
    # RFC 8291: only the browser's private key and auth secret open the payload.
    private, _, auth = browser_keys
    plain = http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
    assert json.loads(plain) == {
        "title": "Aftercare: time for this evening's check-in",
        "body": "A short check-in helps you and your care team see how things are going.",
        "url": "/check-ins/new/",
    }
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT


def test_a_gone_subscription_is_removed(vapid, service, browser_keys, personas):
    service.status = 410
    sub = subscribe(personas.patient, service, browser_keys)
    row = due_push(personas.patient)
    jobs.dispatch()
    assert not PushSubscription.objects.filter(pk=sub.pk).exists()
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT  # still in the app's list


def test_a_failing_push_service_is_retried(vapid, service, browser_keys, personas):
    service.status = 500
    sub = subscribe(personas.patient, service, browser_keys)
    row = due_push(personas.patient)
    assert jobs.dispatch() == 0
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING and row.attempts == 1
    assert "WebPushException" in row.error
    assert PushSubscription.objects.filter(pk=sub.pk).exists()


def test_subscribing_and_unsubscribing_a_browser(vapid, personas, browser_keys):
    _, p256dh, auth = browser_keys
    client = client_for(personas.patient)
    url = reverse("journal:push-subscribe")
    body = {
        "endpoint": "https://push.example.test/abc",
        "keys": {"p256dh": p256dh, "auth": b64url(auth)},
    }
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert PushSubscription.objects.get(endpoint=body["endpoint"]).user == personas.patient
    for bad in (
        {**body, "endpoint": "javascript:alert(1)"},
        {**body, "keys": {"p256dh": "not base64!", "auth": "x"}},
        {"endpoint": "https://push.example.test/x"},
    ):
        assert client.post(url, json.dumps(bad), content_type="application/json").status_code == 400
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    # Another person cannot remove it; its owner can.
    off = reverse("journal:push-unsubscribe")
    other = client_for(personas.other_patient)
    other.post(off, json.dumps({"endpoint": body["endpoint"]}), content_type="application/json")
    assert PushSubscription.objects.filter(endpoint=body["endpoint"]).exists()
    client.post(off, json.dumps({"endpoint": body["endpoint"]}), content_type="application/json")
    assert not PushSubscription.objects.filter(endpoint=body["endpoint"]).exists()


def test_without_a_vapid_key_push_is_not_offered(settings, personas):
    settings.VAPID_PRIVATE_KEY = ""
    client = client_for(personas.patient)
    assert b"data-push-toggle" not in client.get(reverse("journal:notification-settings")).content
    response = client.post(reverse("journal:push-subscribe"), "{}", content_type="application/json")
    assert response.status_code == 404


def test_the_settings_page_offers_push_with_the_server_key(vapid, personas):
    html = client_for(personas.patient).get(reverse("journal:notification-settings")).content
    assert f'data-key="{push.public_key()}"'.encode() in html


def test_the_service_worker_is_served_at_the_root_under_the_csp(db):
    response = client_for(None).get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    text = response.content.decode()
    assert "showNotification" in text and "notificationclick" in text


def test_the_manifest_names_icons_that_exist(db):
    response = client_for(None).get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))


def test_every_page_links_the_manifest_and_registers_the_worker(personas):
    html = client_for(personas.patient).get(reverse("journal:patient-home")).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert "journal/push.js" in html


def test_vapid_key_prints_a_usable_private_key(settings, capsys):
    from django.core.management import call_command

    call_command("vapid_key")
    out = capsys.readouterr().out
    private = out.split("VAPID_PRIVATE_KEY=")[1].split()[0]
    settings.VAPID_PRIVATE_KEY = private
    assert f"# public key: {push.public_key()}" in out
    assert len(unb64url(push.public_key())) == 65
