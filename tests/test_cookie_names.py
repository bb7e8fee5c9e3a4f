"""In production the session and CSRF cookies carry the `__Host-` prefix (and so must be
Secure, for every path, bound to this host)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.test_settings import GOOD_KEY, ROOT

PRINT_COOKIES = (
    "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) "
    "for n in ['SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_PATH', 'CSRF_COOKIE_PATH', "
    "'SESSION_COOKIE_DOMAIN', 'CSRF_COOKIE_DOMAIN']}))"
)


def _cookie_settings(env: dict[str, str]) -> dict[str, object]:
    # The developer's own DEBUG/DATABASE_URL etc. must not leak into the child.
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_COOKIES],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_have_the_host_prefix_and_its_conditions() -> None:
    cookies = _cookie_settings(
        {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "clinic.example"}
    )
    assert cookies["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert cookies["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    # What browsers require before they accept a __Host- cookie at all.
    assert cookies["SESSION_COOKIE_SECURE"] and cookies["CSRF_COOKIE_SECURE"]
    assert cookies["SESSION_COOKIE_PATH"] == cookies["CSRF_COOKIE_PATH"] == "/"
    assert cookies["SESSION_COOKIE_DOMAIN"] is None and cookies["CSRF_COOKIE_DOMAIN"] is None


def test_development_over_plain_http_keeps_the_plain_names() -> None:
    # A __Host- cookie over http:// would be dropped by the browser: no log-in in development.
    cookies = _cookie_settings({})
    assert cookies["SESSION_COOKIE_NAME"] == "sessionid"
    assert cookies["CSRF_COOKIE_NAME"] == "csrftoken"
