"""A process that watches the version's announcements (core/cache.VersionWatch; the API does) answers
the entries it holds without asking Redis, and still never answers one that a write has made old: a
bump made by any process reaches it, and so does one made while its subscription was down."""

from __future__ import annotations

import time
import uuid

import pytest
import redis as redis_lib

from core.cache import VERSION_KEY, Cache, VersionWatch
from core.redis_client import RedisHandle
from tests.aio import run as _run

URL = "redis://127.0.0.1:6379/0"


class CountingRedis(RedisHandle):
    """The real Redis, counting the round trips made through it, on threads and on the event loop."""

    calls = 0

    def call(self, fn):
        self.calls += 1
        return super().call(fn)

    async def acall(self, fn):
        self.calls += 1
        return await super().acall(fn)


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def namespace():
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def watching(namespace):
    cache = Cache(CountingRedis(URL), namespace=namespace)
    cache.watch_versions()
    assert cache.watch is not None
    assert _until(lambda: cache.watch.version is not None), "the watch never subscribed"
    yield cache
    cache.close()


def test_a_held_answer_is_given_without_a_round_trip_while_its_version_is_current(watching):
    key, value = watching.lookup("search:piano")
    assert value is None
    watching.set(key, b"an answer")
    assert watching.lookup("search:piano") == (key, b"an answer")  # read from Redis, and held
    watching.redis.calls = 0
    for _ in range(3):
        assert watching.lookup("search:piano") == (key, b"an answer")
        assert _run(watching.alookup("search:piano")) == (key, b"an answer")
    assert watching.redis.calls == 0
    watching.bump()  # a write in this process: its own next lookup is a miss at once
    key_after, value_after = watching.lookup("search:piano")
    assert value_after is None and key_after != key


def test_a_write_through_another_process_hides_the_held_answer(watching, namespace):
    other = Cache(RedisHandle(URL), namespace=namespace)  # another worker, not watching
    key, _ = watching.lookup("search:piano")
    other.set(key, b"an answer")
    assert watching.lookup("search:piano") == (key, b"an answer")
    assert watching.lookup("search:piano") == (key, b"an answer")  # now without asking Redis
    other.bump()  # a booking made through the other worker
    assert _until(lambda: watching.lookup("search:piano")[1] is None), "the held answer outlived the write"
    assert _run(watching.alookup("search:piano"))[1] is None
    assert watching.lookup("search:piano")[0] == other.lookup("search:piano")[0]


def test_a_held_answer_is_not_given_after_redis_let_it_expire(watching):
    key, _ = watching.lookup("search:piano")
    watching.set(key, b"an answer", ttl=1)
    assert watching.lookup("search:piano") == (key, b"an answer")
    time.sleep(1.1)
    assert watching.lookup("search:piano") == (key, None)
    assert _run(watching.alookup("search:piano")) == (key, None)


def test_a_bump_made_while_the_subscription_was_down_is_not_missed(watching, namespace):
    other = Cache(RedisHandle(URL), namespace=namespace)
    key, _ = watching.lookup("search:piano")
    other.set(key, b"an answer")
    assert watching.lookup("search:piano") == (key, b"an answer")
    admin = redis_lib.Redis.from_url(URL)
    name = VersionWatch.client_name(namespace)
    subscribed = [c for c in admin.client_list() if c.get("name") == name and c.get("sub") == "1"]
    assert len(subscribed) == 1
    admin.client_kill_filter(_id=subscribed[0]["id"])  # the watch's subscription drops ...
    other.bump()  # ... and a write is announced while nobody listens for this process
    # Once subscribed again, the watch holds the version Redis has, not the one before the outage.
    assert _until(lambda: watching.watch.version == admin.get(f"{namespace}:{VERSION_KEY}").decode())
    assert watching.lookup("search:piano")[1] is None


def test_a_watch_on_the_namespace_used_before_the_database_answered_vouches_for_nothing_after():
    """A deployment's namespace falls back to one read from its URL while the database cannot be reached
    (core/cache.DeploymentNamespace), then becomes its own. Until the watch has moved to the new
    namespace's channel, its version says nothing about the entries held there."""
    names = [f"test:{uuid.uuid4().hex}"]
    cache = Cache(RedisHandle(URL), namespace=lambda: names[0])
    cache.watch = VersionWatch(URL, lambda: names[0], on_resubscribe=cache.held.clear)
    cache.watch.POLL_SECONDS = 3  # it notices the change only later (the steps below take milliseconds)
    cache.watch.start()
    try:
        assert _until(lambda: cache.watch.version == "0")
        names[0] = f"test:{uuid.uuid4().hex}"  # the database answered: the deployment's own namespace
        other = Cache(RedisHandle(URL), namespace=names[0])
        key, _ = cache.lookup("search:piano")
        other.set(key, b"an answer")
        assert cache.lookup("search:piano") == (key, b"an answer")  # held, under version 0 there too
        other.bump()  # announced on the new namespace's channel, which the watch does not follow yet
        assert cache.lookup("search:piano")[1] is None
    finally:
        cache.close()
