"""One-time enrollment and password-reset tokens leave the URL after the first request, so
they reach no later access-log line, Referer header or history entry; axes logs no paths."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from journal import services
from journal.models import Role
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def test_the_enrollment_form_lives_at_a_url_without_the_token(
    clinic_admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _, link = services.create_account(
            actor=clinic_admin, email="new@clinic.test", display_name="New", role=Role.PATIENT
        )
    token = link.rstrip("/").rsplit("/", 1)[-1]
    client = client_for(None)
    first = client.get(reverse("enroll", args=[token]))
    assert first.status_code == 302 and token not in first["Location"]
    form = client.get(first["Location"])
    assert form.status_code == 200 and token not in form.content.decode()
    done = client.post(
        first["Location"], {"password1": PASSWORD, "password2": PASSWORD, "time_zone": "UTC"}
    )
    assert done.status_code == 302 and token not in done["Location"]
    assert "_enrollment_token" not in client.session, "the token is forgotten once used"


def test_the_password_reset_form_lives_at_a_url_without_the_token(patient) -> None:
    uid = urlsafe_base64_encode(force_bytes(patient.pk))
    token = default_token_generator.make_token(patient)
    client = client_for(None)
    first = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert first.status_code == 302
    assert token not in first["Location"] and first["Location"].endswith("/set-password/")
    assert token not in client.get(first["Location"]).content.decode()


def test_axes_logs_no_paths_at_info(settings) -> None:
    assert settings.LOGGING["loggers"]["axes"]["level"] == "WARNING"
    logging.config.dictConfig(settings.LOGGING)
    assert not logging.getLogger("axes.handlers.database").isEnabledFor(logging.INFO)
