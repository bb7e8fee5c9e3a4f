"""Print a new VAPID key pair for Web Push: `manage.py vapid_key`.

Put the private key in VAPID_PRIVATE_KEY (keep it secret, like SECRET_KEY); the public key is
derived from it at run time and shown only for reference. Changing the key invalidates every
browser's push subscription (people turn push on again)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.test import override_settings

from journal.notifications import push


class Command(BaseCommand):
    help = "Print a new VAPID private key (for VAPID_PRIVATE_KEY) and its public key."

    def handle(self, *args, **options) -> None:
        private = push.new_private_key()
        with override_settings(VAPID_PRIVATE_KEY=private):
            public = push.public_key()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}\n# public key: {public}")
