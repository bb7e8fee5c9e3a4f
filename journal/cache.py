"""The Redis cache, treated as what it is here: an accelerator, never a store of record.

Everything the app keeps in the cache can be recomputed (charts, summaries, the staff idle
timeout) or is a best-effort counter (the refused-request rate limit). So when Redis cannot be
reached, a read is a miss and a write is dropped, and the request goes on, slower, instead of
answering 500. After a failure the process leaves Redis alone for `RETRY_SECONDS` (a circuit
breaker), so a Redis that hangs costs one timeout per process per interval, not one per call.
Each outage is logged once per interval.

Django's own `RedisCache` is kept for everything else (client, serialisation, key handling);
django-redis's `IGNORE_EXCEPTIONS` does the first half of this but has no breaker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30.0

T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    """`RedisCache` whose calls fail soft while Redis is unreachable (see the module)."""

    _down_until = 0.0  # per process: monotonic time before which Redis is not tried
    _lock = threading.Lock()

    def _call(self, what: str, call: Callable[[], T], fallback: T) -> T:
        if time.monotonic() < ResilientRedisCache._down_until:
            return fallback
        try:
            return call()
        except RedisError:
            with ResilientRedisCache._lock:
                if time.monotonic() >= ResilientRedisCache._down_until:
                    logger.warning(
                        "Redis cache unreachable (%s); going on without it for %.0f s",
                        what,
                        RETRY_SECONDS,
                        exc_info=True,
                    )
                ResilientRedisCache._down_until = time.monotonic() + RETRY_SECONDS
            return fallback

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._call("add", partial(super().add, key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", partial(super().get, key, default, version), default)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call("set", partial(super().set, key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._call("touch", partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._call("delete", partial(super().delete, key, version), False)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._call("get_many", partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._call("has_key", partial(super().has_key, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        """Without Redis a counter cannot be read: it answers `delta`, as for a new key (a
        rate limit then counts each request as the first: it limits nothing, refuses nothing)."""
        return self._call("incr", partial(super().incr, key, delta, version), delta)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._call("set_many", partial(super().set_many, data, timeout, version), [])

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call("delete_many", partial(super().delete_many, keys, version), None)
