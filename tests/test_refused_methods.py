"""TRACE (and TRACK, CONNECT) get 405 on every URL, signed in or not, with the usual headers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT"])
@pytest.mark.parametrize("who", ["anonymous", "patient", "provider", "clinic_admin"])
@pytest.mark.parametrize(
    "path", ["/login/", "/", "/sessions/", "/clinic-admin/", "/static/missing.css", "/nowhere/"]
)
def test_trace_like_methods_are_refused_everywhere(request, method, who, path) -> None:
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = client_for(user).generic(method, path)
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"] and "GET" in response["Allow"]
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src" in response["Content-Security-Policy"]


def test_ordinary_methods_still_work(patient) -> None:
    client = client_for(patient)
    assert client.get(reverse("journal:session-list")).status_code == 200
    assert client.head(reverse("journal:session-list")).status_code == 200
