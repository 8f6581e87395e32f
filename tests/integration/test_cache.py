"""A write made while Redis is down still invalidates what Redis held once it is back."""

from __future__ import annotations

import uuid

from core.cache import Cache
from core.redis_client import RedisDown, RedisHandle
from tests.aio import run as _run


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


class CountingRedis(RedisHandle):
    """The real Redis, counting the round trips made through it."""

    calls = 0

    def call(self, fn):
        self.calls += 1
        return super().call(fn)


def test_a_cached_answer_costs_one_round_trip_and_a_bump_still_hides_it():
    redis = CountingRedis("redis://127.0.0.1:6379/0")
    cache = Cache(redis, namespace=f"test:{uuid.uuid4().hex}")
    key, value = cache.lookup("search:piano")
    assert value is None
    cache.set(key, b"an answer")
    redis.calls = 0
    assert cache.lookup("search:piano") == (key, b"an answer")
    assert redis.calls == 1  # the version and the entry in one request (#18), not two
    cache.bump()  # a booking
    key_after, value_after = cache.lookup("search:piano")
    assert value_after is None and key_after != key


def test_while_redis_is_down_lookups_use_the_local_cache_and_its_version():
    redis = FlakyRedis("redis://127.0.0.1:6379/0")
    cache = Cache(redis, namespace=f"test:{uuid.uuid4().hex}")
    redis.down = True
    key, value = cache.lookup("search:piano")
    assert value is None
    cache.set(key, b"an answer")
    assert cache.lookup("search:piano") == (key, b"an answer")
    cache.bump()
    assert cache.lookup("search:piano")[1] is None


def test_a_bump_owed_from_an_outage_is_paid_by_the_next_lookup():
    redis = FlakyRedis("redis://127.0.0.1:6379/0")
    cache = Cache(redis, namespace=f"test:{uuid.uuid4().hex}")
    key, _ = cache.lookup("search:piano")
    cache.set(key, b"old answer")
    redis.down = True
    cache.bump()  # a booking while Redis is away
    redis.down = False
    assert cache.lookup("search:piano")[1] is None  # the old answer is never served again


def test_a_reader_who_just_wrote_is_never_answered_from_the_cache():
    from core.read_cache import FreshReadCache

    cache = Cache(RedisHandle("redis://127.0.0.1:6379/0"), namespace=f"test:{uuid.uuid4().hex}")
    key, _ = cache.lookup("search:piano")
    cache.set(key, b"an answer a replica may have computed")
    fresh = FreshReadCache(cache)
    assert fresh.lookup("search:piano") == (key, None)  # same key to store the primary's answer under
    assert cache.lookup("search:piano")[1] == b"an answer a replica may have computed"


class FlakyBothRedis(FlakyRedis):
    """FlakyRedis for the asyncio client too (the search route looks up on the event loop)."""

    async def acall(self, fn):
        if self.down:
            raise RedisDown("switched off by the test")
        return await super().acall(fn)


def test_the_event_loop_lookup_sees_what_the_thread_lookup_sees():
    """Cache.alookup (the search route, on the event loop) gives the same key and entry as lookup():
    after a set, after a bump, with a bump owed from an outage, and while Redis is down."""
    from core.read_cache import FreshReadCache, ReplicaReadCache

    redis = FlakyBothRedis("redis://127.0.0.1:6379/0")
    cache = Cache(redis, namespace=f"test:{uuid.uuid4().hex}")
    key, _ = cache.lookup("search:piano")
    cache.set(key, b"an answer")
    assert _run(cache.alookup("search:piano")) == (key, b"an answer")
    assert _run(ReplicaReadCache(cache, max_ttl=5).alookup("search:piano")) == (key, b"an answer")
    assert _run(FreshReadCache(cache).alookup("search:piano")) == (key, None)  # just wrote: never cached
    cache.bump()  # a booking
    key_after, value_after = _run(cache.alookup("search:piano"))
    assert value_after is None and key_after != key and key_after == cache.lookup("search:piano")[0]
    cache.set(key_after, b"the new answer")
    redis.down = True
    cache.bump()  # a booking while Redis is away
    down_key, down_value = _run(cache.alookup("search:piano"))
    assert down_value is None and down_key == cache.lookup("search:piano")[0]  # the local cache's version
    redis.down = False
    assert _run(cache.alookup("search:piano"))[1] is None  # the owed bump hides the old answer


def test_an_answer_read_again_is_the_stored_one_until_redis_no_longer_has_it():
    """A process keeps the entries it read (#18: Redis then sends the version alone). Each later lookup,
    on a thread or on the event loop, still gives the stored answer; once Redis no longer holds the entry
    (expired, evicted) or the version moves on (a write), it is a miss, although this process still
    holds the old bytes."""
    import redis as redis_lib

    namespace = f"test:{uuid.uuid4().hex}"
    cache = Cache(RedisHandle("redis://127.0.0.1:6379/0"), namespace=namespace)
    key, _ = cache.lookup("search:piano")
    cache.set(key, b"an answer")
    for _ in range(3):
        assert cache.lookup("search:piano") == (key, b"an answer")
        assert _run(cache.alookup("search:piano")) == (key, b"an answer")
    redis_lib.Redis.from_url("redis://127.0.0.1:6379/0").delete(f"{namespace}:{key}")  # as if it expired
    assert cache.lookup("search:piano") == (key, None)
    assert _run(cache.alookup("search:piano")) == (key, None)
    cache.set(key, b"a newer answer")  # another process stored one under the same version
    assert cache.lookup("search:piano") == (key, b"a newer answer")
    assert _run(cache.alookup("search:piano")) == (key, b"a newer answer")
    cache.bump()  # a booking
    key_after, value_after = _run(cache.alookup("search:piano"))
    assert value_after is None and key_after != key
    assert cache.lookup("search:piano") == (key_after, None)


def test_two_processes_each_see_the_other_ones_invalidation():
    """Two processes (two Cache objects on one Redis namespace), both holding an answer: a write through
    one hides it from the other at once."""
    namespace = f"test:{uuid.uuid4().hex}"
    one = Cache(RedisHandle("redis://127.0.0.1:6379/0"), namespace=namespace)
    two = Cache(RedisHandle("redis://127.0.0.1:6379/0"), namespace=namespace)
    key, _ = one.lookup("search:piano")
    one.set(key, b"an answer")
    assert two.lookup("search:piano") == (key, b"an answer")
    assert _run(two.alookup("search:piano")) == (key, b"an answer")
    one.bump()
    assert two.lookup("search:piano")[1] is None
    assert _run(two.alookup("search:piano"))[1] is None
