"""Redis behind a circuit breaker: when Redis is absent or dies, callers get RedisDown at once
instead of waiting on timeouts, and fall back to in-process state.

call() is for threads (routes, jobs); acall() is for the event loop (ASGI middleware): it awaits an
asyncio client, so a slow Redis delays that request only, never every request of the worker. Both
share one breaker."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis
import redis.asyncio

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
        self.timeout = timeout
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
        )
        self.breaker = CircuitBreaker()
        # An asyncio client belongs to the event loop that made it: one per loop (a server has one;
        # a test client may start several, one after another).
        self._async: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis] | None = None

    def async_client(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        current = self._async
        if current is None or current[0] is not loop:
            client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout, retry_on_timeout=False
            )
            current = self._async = (loop, client)
        return current[1]

    async def acall(self, fn: Callable[[redis.asyncio.Redis], Awaitable[T]]) -> T:
        """call() for coroutines: the same breaker, the same RedisDown."""
        if not self.breaker.allow():
            raise RedisDown("circuit open")
        try:
            result = await fn(self.async_client())
        except (TimeoutError, redis.RedisError, OSError) as exc:
            self.breaker.failure()
            raise RedisDown(str(exc)) from exc
        self.breaker.success()
        return result

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
