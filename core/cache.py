"""Cache-aside with a version key: Redis when it answers, an in-process TTL cache when it does not.

Writes that change search results call bump(); the version is part of every key, so old entries
are simply never read again and expire on their own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from core.redis_client import RedisDown, RedisHandle

VERSION_KEY = "search:version"


class LocalCache:
    """A small thread-safe LRU with per-entry expiry, used while Redis is down."""

    def __init__(self, max_items: int = 2048):
        self.max_items = max_items
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.version = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return item[1]

    def set(self, key: str, value: bytes, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class Cache:
    def __init__(self, redis: RedisHandle, namespace: str = "ii"):
        self.redis = redis
        self.local = LocalCache()
        self.ns = namespace
        self.hits = self.misses = 0
        # A write that happened while Redis was down still has to invalidate what Redis holds.
        self._bump_owed = False

    def version(self) -> str:
        key = f"{self.ns}:{VERSION_KEY}"
        try:
            if self._bump_owed:
                self.redis.call(lambda r: r.incr(key))
                self._bump_owed = False
            value = self.redis.call(lambda r: r.get(key))
            return "r" + (value.decode() if isinstance(value, bytes) else str(value or "0"))
        except RedisDown:
            return f"l{self.local.version}"

    def bump(self) -> None:
        """Invalidate every cached search: in Redis (shared by all processes) and locally."""
        self.local.version += 1
        self.local.clear()
        try:
            self.redis.call(lambda r: r.incr(f"{self.ns}:{VERSION_KEY}"))
        except RedisDown:
            self._bump_owed = True

    def get(self, key: str) -> bytes | None:
        full = f"{self.ns}:{key}"
        value: bytes | str | None
        try:
            value = self.redis.call(lambda r: r.get(full))
        except RedisDown:
            value = self.local.get(full)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value.encode() if isinstance(value, str) else value  # the client is made without decode_responses

    def set(self, key: str, value: bytes, ttl: int = 300) -> None:
        full = f"{self.ns}:{key}"
        try:
            self.redis.call(lambda r: r.set(full, value, ex=ttl))
        except RedisDown:
            self.local.set(full, value, ttl)
