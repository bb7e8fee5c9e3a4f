"""Redis is an accelerator here (journal/cache.py): while it cannot be reached, pages still
answer (a read is a miss, a write is dropped), refusals are still audited, and the process
leaves Redis alone for a while instead of paying a timeout on every call."""

from __future__ import annotations

import os
import socket

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from journal import cache as resilient
from journal.models import AuditEvent
from tests.conftest import client_for
from tests.factories import journal_world

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens


def _redis(url: str) -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "journal.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "aftercare-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture(autouse=True)
def _fresh_breaker(monkeypatch):
    monkeypatch.setattr(resilient.ResilientRedisCache, "_down_until", 0.0)


@pytest.fixture
def redis_down():
    with override_settings(CACHES=_redis(f"redis://127.0.0.1:{_closed_port()}/0")):
        caches.close_all()
        yield caches["default"]
    caches.close_all()


def test_an_unreachable_redis_answers_as_an_empty_cache(redis_down) -> None:
    assert redis_down.get("k", "fallback") == "fallback"
    redis_down.set("k", 1)
    assert redis_down.add("k", 1) is False
    assert redis_down.incr("counter") == 1
    assert redis_down.get_or_set("k", lambda: 7) == 7
    assert redis_down.get_many(["a", "b"]) == {}


def test_after_a_failure_redis_is_not_tried_again_for_a_while(redis_down, monkeypatch) -> None:
    tries = []
    real = redis_down._cache.get_client

    def counting(*args, **kwargs):
        tries.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(redis_down._cache, "get_client", counting)
    redis_down.get("a")
    redis_down.get("b")
    redis_down.set("c", 1)
    assert len(tries) == 1
    monkeypatch.setattr(resilient.ResilientRedisCache, "_down_until", 0.0)  # the interval ends
    redis_down.get("d")
    assert len(tries) == 2


def test_pages_and_refusal_audits_work_while_redis_is_down(personas, redis_down) -> None:
    world = journal_world(personas)
    patient = client_for(personas.patient)
    assert patient.get(reverse("journal:patient-home")).status_code == 200
    assert patient.get(reverse("journal:dashboard")).status_code == 200
    assert client_for(personas.provider).get(reverse("journal:provider-home")).status_code == 200
    stranger = client_for(personas.other_patient)
    url = reverse("journal:session-detail", args=[world["journal_session"].pk])
    assert stranger.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=personas.other_patient).exists()


def test_a_reachable_redis_is_used() -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    with override_settings(CACHES=_redis("redis://127.0.0.1:6379/15")):
        caches.close_all()
        cache = caches["default"]
        # Keys of this process only: CI runs the suite on both databases at once.
        probe, counter = f"resilience-probe-{os.getpid()}", f"resilience-probe-n-{os.getpid()}"
        try:
            cache.set(probe, {"a": 1}, 30)
            assert cache.get(probe) == {"a": 1}
            cache.delete(counter)
            assert cache.add(counter, 0)
            assert (cache.incr(counter), cache.incr(counter)) == (1, 2)
            assert resilient.ResilientRedisCache._down_until == 0.0
        finally:
            cache.delete_many([probe, counter])
            caches.close_all()
