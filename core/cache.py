"""Cache-aside with a version key: Redis when it answers, an in-process TTL cache when it does not.

Writes that change search results call bump(); the version is part of every key, so old entries
are simply never read again and expire on their own. A bump is announced on a channel: a process that
watches it (VersionWatch, started by the API) answers an entry it holds without asking Redis.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

import redis
import redis.asyncio
from redis.exceptions import NoScriptError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.redis_client import RedisDown, RedisHandle

VERSION_KEY = "search:version"
# The version and the entry under it in one round trip (Cache.lookup): a cached answer costs one
# request to Redis instead of two. Entries are stored at "<ns>:<key>:r<version>". A process that holds
# the entry it read last (HeldEntries) names that entry's version (ARGV[2]): while it is current and
# the entry still stored, the reply is the version alone and the answer (~22 KB for a search page) is
# not sent again (0.18 -> 0.11 ms a lookup, measured on this machine).
# An entry sent whole comes with the milliseconds it has left to live (PTTL): a process that holds it
# answers it without asking Redis only that long (Cache._still_current).
_LOOKUP_SCRIPT = """
local version = redis.call('GET', KEYS[1]) or '0'
local entry = ARGV[1] .. ':r' .. version
if ARGV[2] == version and redis.call('EXISTS', entry) == 1 then return {version} end
return {version, redis.call('GET', entry), redis.call('PTTL', entry)}
"""
_LOOKUP_SHA = hashlib.sha1(_LOOKUP_SCRIPT.encode()).hexdigest()
# A bump and its announcement in one atomic step: a watcher that read the version after subscribing
# misses no bump (VersionWatch).
_BUMP_SCRIPT = """
local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], version)
return version
"""
BUMPS_CHANNEL = "search:bumps"


async def _alookup_script(r: redis.asyncio.Redis, version_key: str, entry: str, held_version: str) -> Any:
    """The lookup script on the asyncio client, called by its digest (sent whole once per server)."""
    try:
        return await r.evalsha(_LOOKUP_SHA, 1, version_key, entry, held_version)
    except NoScriptError:
        return await r.eval(_LOOKUP_SCRIPT, 1, version_key, entry, held_version)


# A namespace is a string, or something that gives one when called (DeploymentNamespace).
Namespace = str | Callable[[], str]
log = logging.getLogger("instainstru.cache")


def namespace_of(namespace: Namespace) -> str:
    return namespace() if callable(namespace) else namespace


class DeploymentNamespace:
    """The prefix of every Redis key one deployment writes (cache and its version, rate-limit counters,
    login throttles and lockouts, registration caps), so deployments sharing a Redis never touch each
    other's keys (F4): REDIS_NAMESPACE when set, else "ii:" and a digest of the database's identity,
    the Postgres cluster's system identifier and the database's oid and name. Every process of one
    deployment derives the same; two installs differ even when both run an embedded Postgres with the
    same database name (which the host and database name alone could not tell apart).

    Read from the database once, on first use; while the database cannot be reached, a digest of its
    URL stands in and the identity is asked again after RETRY_SECONDS."""

    RETRY_SECONDS = 5.0

    def __init__(self, engine: Engine, explicit: str | None = None) -> None:
        self._engine = engine
        self._value = explicit or None
        url = engine.url.render_as_string(hide_password=True)
        self._fallback = "ii:url:" + hashlib.sha256(url.encode()).hexdigest()[:16]
        self._retry_at = 0.0

    def __call__(self) -> str:
        if self._value is not None:
            return self._value
        now = time.monotonic()
        if now < self._retry_at:
            return self._fallback
        try:
            identity = database_identity(self._engine)
        except SQLAlchemyError as exc:
            self._retry_at = now + self.RETRY_SECONDS
            log.warning("database identity unavailable (%s); Redis keys use the URL's namespace", type(exc).__name__)
            return self._fallback
        self._value = "ii:" + hashlib.sha256(identity.encode()).hexdigest()[:16]
        return self._value


def database_identity(engine: Engine) -> str:
    """The cluster's system identifier with the database's oid and name; where reading
    pg_control_system() is not granted, the server's address and port stand in for the cluster."""
    with engine.connect() as conn:
        database = conn.execute(
            text("SELECT oid::text || ':' || datname FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
        try:
            with conn.begin_nested():
                cluster = conn.execute(text("SELECT system_identifier::text FROM pg_control_system()")).scalar_one()
        except SQLAlchemyError:
            cluster = conn.execute(
                text("SELECT coalesce(host(inet_server_addr()), 'socket') || ':' || coalesce(inet_server_port(), 0)")
            ).scalar_one()
            cluster = f"{cluster}:{engine.url.query.get('host', '')}"
        conn.rollback()
    return f"{cluster}/{database}"


def _text(value: bytes | str | int) -> str:
    """A value Redis returned (bytes), as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _bytes(value: bytes | str | None) -> bytes | None:
    """An entry Redis returned, as bytes."""
    return value.encode() if isinstance(value, str) else value


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


class Held(NamedTuple):
    version: str
    value: bytes
    expires: float  # time.monotonic() when Redis lets the entry expire


class HeldEntries:
    """The entries this process last read from Redis, each with the version it was read under and when
    it expires there (a bounded LRU, thread-safe). Redis stays the authority: a held entry is used when
    a lookup's reply says its version is current and the entry is still stored there (not expired, not
    evicted), or, between lookups, while the version watch says its version is current and it has not
    expired. Two processes that computed the same missed answer at once both store it, the later
    overwriting the earlier under the same key: one that read the earlier keeps it until the key expires
    (both were computed for the same query, version and start time)."""

    def __init__(self, max_items: int = 256):
        self.max_items = max_items
        self._data: OrderedDict[str, Held] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Held | None:
        with self._lock:
            held = self._data.get(key)
            if held is not None:
                self._data.move_to_end(key)
            return held

    def drop(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def put(self, key: str, version: str, value: bytes, expires: float) -> None:
        with self._lock:
            self._data[key] = Held(version, value, expires)
            self._data.move_to_end(key)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class VersionWatch:
    """The write version as Redis announces it, for answering held entries without a round trip.

    A thread subscribes to the deployment's bumps channel, then reads the version (a bump before the
    subscription took effect is in what it reads, one after it arrives as a message), and follows the
    messages. `version` is None whenever the subscription is not known to be live (before it is made,
    after its connection fails, while it is made again): lookups then ask Redis, as they always did.

    What it costs: a bump made by another process is seen here when its message arrives (Redis sends it
    as the bump's own script runs, before the writer's request has even answered), so for that instant
    this process may still answer the entry it held. A process's own bumps take effect here at once."""

    RETRY_SECONDS = 1.0
    POLL_SECONDS = 0.25  # how often the thread looks up from its socket: for stop() and a namespace change

    def __init__(self, url: str, namespace: Namespace, on_resubscribe: Callable[[], None]) -> None:
        self._url = url
        self._namespace = namespace
        self._on_resubscribe = on_resubscribe
        self._lock = threading.Lock()
        self._version: str | None = None
        self.namespace: str | None = None  # the namespace whose channel `version` comes from
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._was_live = False  # subscribed since the last failure

    @property
    def version(self) -> str | None:
        return self._version

    @staticmethod
    def client_name(ns: str) -> str:
        return "cache-watch:" + "".join(c if c.isalnum() or c in ":-_" else "_" for c in ns)

    def saw(self, version: str) -> None:
        """A version this process read or made. Only a newer one is taken: a lookup's reply may have been
        sent before a bump whose announcement the watch already has, and going back to it would answer
        entries that bump made old. (Only an announcement moves the version back: Redis lost the key.)"""
        with self._lock:
            if self._version is not None and int(version) > int(self._version):
                self._version = version

    def _announced(self, version: str) -> None:
        """What Redis said: after subscribing, and then each bump in the order they were made."""
        with self._lock:
            self._version = version

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cache version watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._version = None
        if self._thread is not None:
            self._thread.join(timeout=self.POLL_SECONDS + 1)
            self._thread = None

    def _run(self) -> None:
        said = False  # an outage is logged once, not at every retry
        while not self._stop.is_set():
            try:
                self._follow()
            except (redis.RedisError, OSError) as exc:
                if self._was_live or not said:
                    log.warning("cache version watch: %s; lookups ask Redis until it is back", type(exc).__name__)
                said, self._was_live = True, False
            except Exception:  # noqa: BLE001 - the watch must outlive any failure; lookups ask Redis meanwhile
                log.exception("cache version watch failed; lookups ask Redis until it is back")
            self._stop.wait(self.RETRY_SECONDS)  # `_follow` left `version` None on its way out

    def _follow(self) -> None:
        ns = namespace_of(self._namespace)
        client = redis.Redis.from_url(
            self._url,
            socket_connect_timeout=0.25,
            socket_timeout=self.POLL_SECONDS + 1,
            client_name=self.client_name(ns),  # how an operator (or a test) finds it in CLIENT LIST
        )
        pubsub = client.pubsub()  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(f"{ns}:{BUMPS_CHANNEL}")
            while (message := pubsub.get_message(timeout=self.POLL_SECONDS)) is None or message["type"] != "subscribe":
                if self._stop.is_set():
                    return
            self._on_resubscribe()  # held entries from before may be from a Redis that has since restarted
            self.namespace = ns
            self._announced(_text(client.get(f"{ns}:{VERSION_KEY}") or "0"))
            self._was_live = True
            while not self._stop.is_set() and namespace_of(self._namespace) == ns:
                message = pubsub.get_message(timeout=self.POLL_SECONDS)
                if message is not None and message["type"] == "message":
                    # The latest announcement is the version, older or not: if Redis lost the version key
                    # (evicted), a bump counts from 1 again, and every entry held under the old numbers
                    # must then be asked about.
                    self._announced(_text(message["data"]))
        finally:
            with self._lock:
                self._version = None
            pubsub.close()
            client.close()


class Cache:
    # Whether what a search reads may be kept in process for the next search under the same version
    # (index/slot_memo.py): yes for reads on the primary; the replica views below say no.
    keeps_reads = True

    def __init__(self, redis: RedisHandle, namespace: Namespace):
        self.redis = redis
        self.local = LocalCache()
        self.held = HeldEntries()
        self._namespace = namespace
        self.hits = self.misses = 0
        # A write that happened while Redis was down still has to invalidate what Redis holds.
        self._bump_owed = False
        self._lookup = redis.client.register_script(_LOOKUP_SCRIPT)  # sent once, then called by its digest
        self._bump = redis.client.register_script(_BUMP_SCRIPT)
        self.watch: VersionWatch | None = None

    def watch_versions(self) -> None:
        """Follow the version's announcements (the API process does, for its lifetime): a held entry whose
        version is current is then answered without a round trip to Redis."""
        if self.watch is None:
            self.watch = VersionWatch(self.redis.url, self._namespace, on_resubscribe=self.held.clear)
            self.watch.start()

    def close(self) -> None:
        if self.watch is not None:
            self.watch.stop()
            self.watch = None

    @property
    def ns(self) -> str:
        return namespace_of(self._namespace)

    def _bump_keys(self) -> tuple[str, str]:
        """The version key and the channel its bumps are announced on."""
        ns = self.ns
        return f"{ns}:{VERSION_KEY}", f"{ns}:{BUMPS_CHANNEL}"

    def _bumped(self, version: bytes | str | int) -> None:
        """This process's own bump takes effect in its watch at once, not when the announcement arrives."""
        if self.watch is not None:
            self.watch.saw(_text(version))

    def _announced_bump(self, r: redis.Redis) -> None:
        """INCR the version and announce it, in one step."""
        version_key, channel = self._bump_keys()
        self._bumped(self._bump(keys=[version_key], args=[channel], client=r))

    def _pay_bump_debt(self) -> None:
        if self._bump_owed:
            self.redis.call(self._announced_bump)
            self._bump_owed = False

    async def _apay_bump_debt(self) -> None:
        if self._bump_owed:
            version_key, channel = self._bump_keys()
            # Rare (once after Redis was down and a write happened): the script sent whole.
            self._bumped(await self.redis.acall(lambda r: r.eval(_BUMP_SCRIPT, 1, version_key, channel)))
            self._bump_owed = False

    def version(self) -> str:
        key = f"{self.ns}:{VERSION_KEY}"
        try:
            self._pay_bump_debt()
            value = self.redis.call(lambda r: r.get(key))
            return "r" + _text(value or "0")
        except RedisDown:
            return f"l{self.local.version}"

    async def aversion(self) -> str:
        """version() on the event loop."""
        key = f"{self.ns}:{VERSION_KEY}"
        try:
            await self._apay_bump_debt()
            value = await self.redis.acall(lambda r: r.get(key))
            return "r" + _text(value or "0")
        except RedisDown:
            return f"l{self.local.version}"

    def bump(self) -> None:
        """Invalidate every cached search: in Redis (shared by all processes) and locally."""
        self.local.version += 1
        self.local.clear()
        try:
            self.redis.call(self._announced_bump)
        except RedisDown:
            self._bump_owed = True

    def lookup(self, key: str) -> tuple[str, bytes | None]:
        """`key` under the current version (the key to `set` a computed answer under), and what is stored
        there: version and entry read together, in one round trip, or in none for an entry this process
        holds while the version watch says it is current (`_still_current`). A bump between this lookup
        and the `set` leaves the answer under the old version, where nothing reads it again."""
        ns = self.ns
        version_key = f"{ns}:{VERSION_KEY}"
        entry = f"{ns}:{key}"
        held = self.held.get(entry)
        if held is not None and self._still_current(held, ns):
            return self._counted(f"{key}:r{held.version}", held.value)
        try:
            self._pay_bump_debt()
            reply = self.redis.call(
                lambda r: self._lookup(keys=[version_key], args=[entry, held.version if held else ""], client=r)
            )
        except RedisDown:
            return self._local_entry(ns, key)
        return self._replied(key, entry, held, reply)

    async def alookup(self, key: str) -> tuple[str, bytes | None]:
        """lookup() on the event loop, through the asyncio Redis client: the same single round trip,
        and a slow Redis delays this request only."""
        ns = self.ns
        version_key = f"{ns}:{VERSION_KEY}"
        entry = f"{ns}:{key}"
        held = self.held.get(entry)
        if held is not None and self._still_current(held, ns):
            return self._counted(f"{key}:r{held.version}", held.value)
        try:
            await self._apay_bump_debt()
            reply = await self.redis.acall(
                lambda r: _alookup_script(r, version_key, entry, held.version if held else "")
            )
        except RedisDown:
            return self._local_entry(ns, key)
        return self._replied(key, entry, held, reply)

    def _still_current(self, held: Held, ns: str) -> bool:
        """Whether a held entry may be answered without asking Redis: the watch is live on this namespace
        (it moves to the deployment's own once the database names it) and says the entry's version is
        current, Redis still stores it, and no write is waiting to be announced."""
        watch = self.watch
        return (
            watch is not None
            and watch.namespace == ns
            and watch.version == held.version
            and time.monotonic() < held.expires
            and not self._bump_owed
        )

    def _replied(self, key: str, entry: str, held: Held | None, reply: list[Any]) -> tuple[str, bytes | None]:
        """A lookup's answer from the script's reply: the version alone means the held entry is current."""
        version = _text(reply[0])
        if self.watch is not None:
            self.watch.saw(version)
        if len(reply) == 1 and held is not None:
            value: bytes | None = held.value
        else:
            value = _bytes(reply[1]) if len(reply) > 1 else None
            if value is not None:
                expires = time.monotonic() + max(0, int(reply[2])) / 1000 if len(reply) > 2 else 0.0
                self.held.put(entry, version, value, expires)
            elif held is not None:
                self.held.drop(entry)  # gone from Redis: an answer stored there later must be read again
        return self._counted(f"{key}:r{version}", value)

    def _local_entry(self, ns: str, key: str) -> tuple[str, bytes | None]:
        """A lookup while Redis is down: the in-process cache, under its own version."""
        versioned = f"{key}:l{self.local.version}"
        return self._counted(versioned, self.local.get(f"{ns}:{versioned}"))

    @staticmethod
    def version_in(versioned: str) -> str | None:
        """The version a key from lookup() was read under, when Redis gave it ("r12"); None when it is the
        in-process cache's own (Redis down), which knows nothing of other processes' writes."""
        version = versioned.rsplit(":", 1)[-1]
        return version if version.startswith("r") else None

    def _counted(self, versioned: str, value: bytes | str | None) -> tuple[str, bytes | None]:
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return versioned, value.encode() if isinstance(value, str) else value

    def set(self, key: str, value: bytes, ttl: int = 300) -> None:
        full = f"{self.ns}:{key}"
        try:
            self.redis.call(lambda r: r.set(full, value, ex=ttl))
        except RedisDown:
            self.local.set(full, value, ttl)
