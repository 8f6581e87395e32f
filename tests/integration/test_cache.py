"""A write made while Redis is down still invalidates what Redis held once it is back."""

from __future__ import annotations

import uuid

from core.cache import Cache
from core.redis_client import RedisDown, RedisHandle


class FlakyRedis(RedisHandle):
    """The real Redis on 127.0.0.1:6379, switched off and on by the test."""

    down = False

    def call(self, fn):
        if self.down:
            raise RedisDown("switched off by the test")
        return super().call(fn)


def test_a_bump_during_an_outage_is_paid_when_redis_returns():
    redis = FlakyRedis("redis://127.0.0.1:6379/0")
    cache = Cache(redis, namespace=f"test:{uuid.uuid4().hex}")
    before = cache.version()
    cache.set("search:x", b"old answer")
    redis.down = True
    cache.bump()  # a booking while Redis is away
    redis.down = False
    assert cache.version() != before  # entries keyed on the old version are never read again
    assert cache.version() == cache.version()  # and the debt is paid once
