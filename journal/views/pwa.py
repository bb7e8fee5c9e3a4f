"""The installable app: web app manifest and the service worker, both at the site root.

Public (a browser fetches them without cookies on install and update); they hold no data.
The service worker is served from the root, not /static/, so its scope can be the whole site.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

SW_PATH = Path(__file__).resolve().parent.parent / "static" / "journal" / "sw.js"


@cache
def _service_worker() -> bytes:
    return SW_PATH.read_bytes()


@login_not_required
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_service_worker(), content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker at least daily; keep it short so updates reach them.
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "Aftercare",
        "short_name": "Aftercare",
        "description": _("Side-effect and mood journal shared with your care team."),
        "lang": get_language(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {
                "src": static(f"journal/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")
