"""Redis behind a circuit breaker: when Redis is absent or dies, callers get RedisDown at once
instead of waiting on timeouts, and fall back to in-process state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis

T = TypeVar("T")


class RedisDown(Exception):
    pass


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; lets one probe through every `cooldown` seconds."""

    def __init__(self, threshold: int = 3, cooldown: float = 5.0):
        self.threshold, self.cooldown = threshold, cooldown
        self.failures = 0
        self.opened_at: float | None = None
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            if self.opened_at is None:
                return True
            if time.monotonic() - self.opened_at >= self.cooldown:
                self.opened_at = time.monotonic()  # half-open: this caller is the probe
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= self.threshold:
                self.opened_at = time.monotonic()

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None


class RedisHandle:
    def __init__(self, url: str, timeout: float = 0.25):
        self.url = url
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
        )
        self.breaker = CircuitBreaker()

    def call(self, fn: Callable[[redis.Redis], T]) -> T:
        if not self.breaker.allow():
            raise RedisDown("circuit open")
        try:
            result = fn(self.client)
        except (redis.RedisError, OSError) as exc:
            self.breaker.failure()
            raise RedisDown(str(exc)) from exc
        self.breaker.success()
        return result

    def ping(self) -> bool:
        try:
            return bool(self.call(lambda r: r.ping()))
        except RedisDown:
            return False
