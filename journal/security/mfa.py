"""Pure helpers for the MFA pages: the QR code and the key shown for manual entry."""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str) -> SafeString:
    """An inline SVG QR code for `data`, rendered on the server (no script, no style)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    # The markup is produced by qrcode from a URL we built; it holds only path data.
    return mark_safe(  # noqa: S308  # nosec B308 B703
        svg.replace("<svg ", '<svg role="img" aria-labelledby="qr-label" focusable="false" ', 1)
    )


def manual_key(hex_key: str) -> str:
    """The TOTP secret in base32, in groups of four for typing into an authenticator app."""
    key = b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
