"""The rate limiter from the event loop (RateLimiter.acheck): one awaited Redis round trip for the IP
and user counts, the in-process fallback when Redis is away, and a slow Redis that holds the request
without stopping the event loop."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid

import redis

from core.ratelimit import SEARCH, Budget, RateLimiter, WindowCounter
from core.redis_client import RedisHandle
from tests.aio import run as _run
from tests.net import closed_port

REDIS = "redis://127.0.0.1:6379/0"


def _limiter(url: str, per_ip: int = 2, per_user: int = 3, window: int = 60) -> RateLimiter:
    return RateLimiter(
        WindowCounter(RedisHandle(url)),
        {SEARCH: Budget(SEARCH, per_ip, per_user)},
        window=window,
        namespace=f"test-{uuid.uuid4().hex}",
        secret="test-secret",
    )


def test_ip_and_user_are_counted_together_with_expiring_windows():
    limiter = _limiter(REDIS, per_ip=5, per_user=2)

    async def three():
        return [await limiter.acheck(SEARCH, ip="192.0.2.1", user_id="u1") for _ in range(3)]

    first, second, third = _run(three())
    assert (first.allowed, first.remaining, first.limit) == (True, 1, 2)
    assert second.allowed and second.remaining == 0
    assert not third.allowed and third.scope == "user" and 1 <= third.retry_after <= 60
    r = redis.Redis.from_url(REDIS)
    keys = r.keys(f"{limiter.namespace}:rl:search:*")
    assert sorted(k.decode().rsplit(":", 2)[-2] for k in keys) == ["ip", "user"]
    assert all(0 < r.pttl(k) <= 60_000 for k in keys)
    assert limiter.check(SEARCH, ip="192.0.2.1").remaining == 1  # the sync path reads the same counts


def test_redis_down_falls_back_to_in_process_counts():
    limiter = _limiter(f"redis://127.0.0.1:{closed_port()}/0")

    async def three():
        return [(await limiter.acheck(SEARCH, ip="192.0.2.2")).allowed for _ in range(3)]

    assert _run(three()) == [True, True, False]


def test_a_slow_redis_does_not_stop_the_event_loop():
    """A Redis that accepts and never answers: the request waits for its timeout, the loop does not."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
    limiter = _limiter(f"redis://127.0.0.1:{server.getsockname()[1]}/0")

    async def race():
        ticks = 0
        check = asyncio.ensure_future(limiter.acheck(SEARCH, ip="192.0.2.3"))
        while not check.done():
            ticks += 1
            await asyncio.sleep(0.01)
        return ticks, check.result()

    try:
        ticks, decision = _run(race())
    finally:
        server.close()
        for conn in accepted:
            conn.close()
    assert decision.allowed  # the in-process count answered after the timeout
    assert ticks >= 5, "the event loop stood still while Redis was slow"
