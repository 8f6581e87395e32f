"""Counting requests per key in time windows: in Redis when it answers (shared by every API process),
in an in-process table when it does not (per process, so a little looser, never absent).

WindowCounter is the one store behind both the request rate limits (RateLimiter, below) and the
login throttle (services/throttle.py): counts that expire with their window, and lock keys.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.cache import Namespace, namespace_of
from core.pseudonyms import Pseudonyms
from core.redis_client import RedisDown, RedisHandle

if TYPE_CHECKING:
    from redis import Redis

    from core.settings import Settings

MAX_LOCAL_KEYS = 100_000  # bound memory under a spray of addresses


class LocalWindows:
    """In-process fallback: key -> (count, window end) and key -> lock end, on the monotonic clock."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._locks: dict[str, float] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, window: float) -> tuple[int, float]:
        with self._lock:
            now = time.monotonic()
            count, end = self._counts.get(key, (0, 0.0))
            if end <= now:
                count, end = 0, now + window
            count += 1
            self._counts[key] = (count, end)
            if len(self._counts) > MAX_LOCAL_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return count, end - now

    def extend(self, key: str, keep: float) -> None:
        with self._lock:
            now = time.monotonic()
            count, end = self._counts.get(key, (0, 0.0))
            if count and end < now + keep:
                self._counts[key] = (count, now + keep)

    def lock(self, key: str, seconds: float) -> None:
        with self._lock:
            now = time.monotonic()
            self._locks[key] = now + seconds
            if len(self._locks) > MAX_LOCAL_KEYS:
                self._locks = {k: v for k, v in self._locks.items() if v > now}

    def lock_remaining(self, key: str) -> float:
        with self._lock:
            end = self._locks.get(key)
            if end is None:
                return 0.0
            left = end - time.monotonic()
            if left <= 0:
                del self._locks[key]
                return 0.0
            return left

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)
            self._locks.pop(key, None)


# Count one event under each key and start the window of a new count, in one round trip; returns
# count and milliseconds to the reset for each key. (A key left without expiry heals here too.)
_INCR_SCRIPT = """
local out = {}
for _, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    ttl = tonumber(ARGV[1])
    redis.call('PEXPIRE', key, ttl)
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
"""


def _pairs(flat: list[int]) -> list[tuple[int, float]]:
    return [(int(flat[i]), int(flat[i + 1]) / 1000) for i in range(0, len(flat), 2)]


class WindowCounter:
    def __init__(self, redis: RedisHandle) -> None:
        self.redis = redis
        self.local = LocalWindows()

    def incr(self, key: str, window: float) -> tuple[int, float]:
        """Count one event; return (count in the current window, seconds until it resets). The
        window starts at the first event."""
        return self.incr_many([key], window)[0]

    def incr_many(self, keys: list[str], window: float) -> list[tuple[int, float]]:
        """incr() for several keys in one Redis round trip."""
        ms = max(1, int(window * 1000))
        try:
            return _pairs(self.redis.call(lambda r: r.eval(_INCR_SCRIPT, len(keys), *keys, ms)))
        except RedisDown:
            return [self.local.incr(key, window) for key in keys]

    async def aincr_many(self, keys: list[str], window: float) -> list[tuple[int, float]]:
        """incr_many() from the event loop: awaits Redis instead of blocking the worker."""
        ms = max(1, int(window * 1000))
        try:
            flat = await self.redis.acall(lambda r: r.eval(_INCR_SCRIPT, len(keys), *keys, ms))
            return _pairs(flat)
        except RedisDown:
            return [self.local.incr(key, window) for key in keys]

    def extend(self, key: str, keep: float) -> None:
        """Make the current count live at least `keep` more seconds (never shortens it)."""
        try:
            self.redis.call(lambda r: _redis_extend(r, key, keep))
        except RedisDown:
            self.local.extend(key, keep)

    def lock(self, key: str, seconds: float) -> None:
        try:
            self.redis.call(lambda r: r.set(f"{key}:lock", 1, px=max(1, int(seconds * 1000))))
        except RedisDown:
            self.local.lock(key, seconds)

    def lock_remaining(self, keys: list[str]) -> float:
        """Seconds until the longest of these locks ends (0 when none is set)."""
        try:
            ttls = self.redis.call(lambda r: [r.pttl(f"{k}:lock") for k in keys])
            return max([0.0] + [t / 1000 for t in ttls if t and t > 0])
        except RedisDown:
            return max([0.0] + [self.local.lock_remaining(k) for k in keys])

    def clear(self, key: str) -> None:
        self.local.clear(key)
        try:
            self.redis.call(lambda r: r.delete(key, f"{key}:lock"))
        except RedisDown:
            pass


def _redis_extend(r: Redis, key: str, keep: float) -> None:
    keep_ms = int(keep * 1000)
    pttl = r.pttl(key)
    if pttl is not None and -1 <= pttl < keep_ms:
        r.pexpire(key, keep_ms)


# --- Request rate limits ---

SEARCH, WRITE, AUTH = "search", "write", "auth"


@dataclass(frozen=True)
class Budget:
    name: str
    per_ip: int
    per_user: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int = 0
    remaining: int = 0
    retry_after: int = 0  # seconds, when refused
    scope: str = ""  # "ip" or "user", when refused


def classify(method: str, path: str) -> str | None:
    """Which budget a request spends: search (and pill browsing, which runs the same search),
    auth (every /api/auth call), writes (other non-GET API calls), or none."""
    if path.startswith("/api/auth/"):
        return AUTH
    if method in ("GET", "HEAD"):
        if path == "/api/search" or (path.startswith("/api/catalog/") and path.endswith("/instructors")):
            return SEARCH
        return None
    if method in ("POST", "PUT", "PATCH", "DELETE") and path.startswith("/api/"):
        return WRITE
    return None


def budgets_from(settings: Settings) -> dict[str, Budget]:
    return {
        SEARCH: Budget(SEARCH, settings.rate_search_per_ip, settings.rate_search_per_user),
        WRITE: Budget(WRITE, settings.rate_write_per_ip, settings.rate_write_per_user),
        AUTH: Budget(AUTH, settings.rate_auth_per_ip, settings.rate_auth_per_user),
    }


class RateLimiter:
    """Fixed windows per (budget, IP) and per (budget, user). A request is refused when either count
    is past its budget; Retry-After is the time until that window resets.

    The IP keys name a keyed hash of the address, never the address (issue #20), and the hash changes
    with the New York day: at midnight a client's window starts afresh, which lets it through no more
    than any fixed window's boundary already does."""

    def __init__(
        self,
        counter: WindowCounter,
        budgets: dict[str, Budget],
        *,
        namespace: Namespace,
        secret: str,
        window: int = 60,
    ) -> None:
        self.counter = counter
        self.budgets = budgets
        self.window = window
        self.namespace = namespace
        self._ip_name = Pseudonyms(secret, "ratelimit-ip", daily=True)

    def check(self, budget_name: str, *, ip: str, user_id: str | None = None) -> Decision:
        checks, keys = self._checks(budget_name, ip, user_id)
        return self._decide(budget_name, checks, self.counter.incr_many(keys, self.window))

    async def acheck(self, budget_name: str, *, ip: str, user_id: str | None = None) -> Decision:
        """check() for the event loop (the rate-limit middleware): one awaited Redis round trip."""
        checks, keys = self._checks(budget_name, ip, user_id)
        return self._decide(budget_name, checks, await self.counter.aincr_many(keys, self.window))

    def _checks(self, budget_name: str, ip: str, user_id: str | None) -> tuple[list[tuple[str, int]], list[str]]:
        budget = self.budgets[budget_name]
        checks = [("ip", self._ip_name(ip), budget.per_ip)]
        if user_id:
            checks.append(("user", user_id, budget.per_user))
        prefix = f"{namespace_of(self.namespace)}:rl:{budget_name}"
        return [(scope, limit) for scope, _, limit in checks], [f"{prefix}:{scope}:{who}" for scope, who, _ in checks]

    def _decide(self, budget_name: str, checks: list[tuple[str, int]], counts: list[tuple[int, float]]) -> Decision:
        """Refused when any count is past its budget (the first such scope answers); otherwise the
        tightest remaining budget."""
        budget = self.budgets[budget_name]
        tightest = Decision(True, limit=budget.per_ip, remaining=budget.per_ip)
        for (scope, limit), (count, reset_in) in zip(checks, counts, strict=True):
            if count > limit:
                return Decision(False, limit=limit, remaining=0, retry_after=max(1, int(reset_in + 0.999)), scope=scope)
            if limit - count < tightest.remaining:
                tightest = Decision(True, limit=limit, remaining=limit - count)
        return tightest
