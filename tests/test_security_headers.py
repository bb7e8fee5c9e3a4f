"""Response headers: a strict CSP everywhere, no-store on personal pages, transport headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.test_url_matrix import MATRIX, _url

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "journal" / "templates"


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


def assert_strict_csp(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_csp_is_on_html_pages_including_errors(patient, provider):
    anonymous = Client()
    responses = [
        anonymous.get(reverse("login")),
        anonymous.get("/no-such-page/"),
        client_for(patient).get(reverse("journal:patient-home")),
        client_for(patient).get("/no-such-page/"),
        client_for(patient).get(reverse("journal:provider-home")),  # 403
        client_for(provider).get(reverse("journal:provider-home")),
    ]
    assert [r.status_code for r in responses] == [200, 404, 200, 404, 403, 200]
    for response in responses:
        assert response["Content-Type"].startswith("text/html")
        assert_strict_csp(response)


def test_transport_and_framing_headers(patient):
    response = client_for(patient).get(reverse("journal:patient-home"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_is_sent_over_https_when_configured(patient, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_every_page_a_patient_can_open_is_no_store(patient, personas):
    from tests import factories

    world = {"bad_token": "x", "reset_uid": "x", "reset_token": "x"}
    world.update(factories.world_objects(personas))
    client = client_for(patient)
    checked = 0
    for name, row in MATRIX.items():
        if row.expect["patient"] != 200 or row.public:
            continue
        response = client.get(_url(name, row, world))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name
        assert "private" in response["Cache-Control"], name
        checked += 1
    assert checked >= 4
    # Redirects and errors to a signed-in person are not cached either.
    for url in (reverse("journal:home"), "/no-such-page/"):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_pages_with_single_use_tokens_are_no_store_for_anyone():
    anonymous = Client()
    assert "no-store" in anonymous.get(reverse("login"))["Cache-Control"]
    assert "no-store" in anonymous.get(reverse("enroll", args=["x"]))["Cache-Control"]
    assert "no-store" in anonymous.get(reverse("enroll-set-password"))["Cache-Control"]


def test_the_admin_console_works_under_the_policy(clinic_admin, patient):
    client = client_for(clinic_admin)
    pages = [
        reverse("admin:index"),
        reverse("admin:journal_user_changelist"),
        reverse("admin:journal_user_change", args=[patient.pk]),
        reverse("admin:journal_user_add"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_strict_csp(response)
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert not re.search(r"\sstyle=\"", html), page
        assert not re.search(r"\son[a-z]+=\"", html), page


def test_templates_carry_no_inline_script_style_or_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"\sstyle=[\"']", html) or "<style" in html:
            offenders.append(f"{path.name}: inline style")
        if re.search(r"\son(click|load|change|submit|paste|copy|input|error)=", html):
            offenders.append(f"{path.name}: inline handler")
    assert not offenders, offenders
