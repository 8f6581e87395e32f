"""Login throttling per email and per IP: failures are counted in a window; past the limit the key
is locked out, and each further failure doubles the lockout (progressive). Redis when it answers,
an in-process table when it does not (per process, so a little looser, never absent)."""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from core.redis_client import RedisDown, RedisHandle

WINDOW_SECONDS = 15 * 60
EMAIL_LIMIT = 5  # failures per email within the window before the first lockout
IP_LIMIT = 30  # per IP: higher, since many people can share one address
BASE_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int


EMAIL = Rule("email", EMAIL_LIMIT)
IP = Rule("ip", IP_LIMIT)


def lock_seconds(failures: int, limit: int) -> int:
    """0 below the limit; then 30 s, 60 s, 120 s ... up to 15 minutes."""
    if failures < limit:
        return 0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - limit), MAX_LOCK_SECONDS)


def _key(namespace: str, rule: Rule, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"{namespace}:throttle:{rule.prefix}:{digest}"


class _Local:
    """In-process fallback: key -> (failures, window end, lock end), all on the monotonic clock."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[int, float, float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return 0
            now = time.monotonic()
            if item[1] < now and item[2] < now:
                del self._data[key]
                return 0
            return max(0, int(item[2] - now + 0.999))

    def fail(self, key: str, limit: int) -> int:
        with self._lock:
            now = time.monotonic()
            count, window_end, lock_end = self._data.get(key, (0, 0.0, 0.0))
            if window_end < now:
                count = 0
            count += 1
            seconds = lock_seconds(count, limit)
            lock_end = now + seconds if seconds else lock_end
            self._data[key] = (count, max(now + WINDOW_SECONDS, lock_end), lock_end)
            if len(self._data) > 100_000:  # bound memory under a spray of addresses
                self._data = {k: v for k, v in self._data.items() if v[1] >= now}
            return seconds

    def clear(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class LoginThrottle:
    def __init__(self, redis: RedisHandle, namespace: str = "ii"):
        self.redis = redis
        self.namespace = namespace
        self.local = _Local()

    def _keys(self, *, email: str, ip: str) -> list[tuple[str, Rule]]:
        return [(_key(self.namespace, EMAIL, email), EMAIL), (_key(self.namespace, IP, ip), IP)]

    def retry_after(self, *, email: str, ip: str) -> int:
        """Seconds until a login may be tried again; 0 when it may be tried now."""
        keys = [k for k, _ in self._keys(email=email, ip=ip)]
        try:
            ttls = self.redis.call(lambda r: [r.pttl(f"{k}:lock") for k in keys])
            return max([0] + [int((t + 999) // 1000) for t in ttls if t and t > 0])
        except RedisDown:
            return max(self.local.retry_after(k) for k in keys)

    def failure(self, *, email: str, ip: str) -> int:
        """Count a failed login; return the lockout it starts (0 when none)."""
        longest = 0
        for key, rule in self._keys(email=email, ip=ip):
            try:
                seconds = self.redis.call(lambda r, k=key, lim=rule.limit: _redis_fail(r, k, lim))
            except RedisDown:
                seconds = self.local.fail(key, rule.limit)
            longest = max(longest, seconds)
        return longest

    def success(self, *, email: str) -> None:
        """A correct password clears the email's count (not the IP's: one valid account must not
        reset an address that is guessing at others)."""
        key = _key(self.namespace, EMAIL, email)
        self.local.clear(key)
        try:
            self.redis.call(lambda r: r.delete(key, f"{key}:lock"))
        except RedisDown:
            pass


def _redis_fail(r, key: str, limit: int) -> int:
    pipe = r.pipeline()
    pipe.incr(key)
    pipe.ttl(key)
    count, ttl = pipe.execute()
    seconds = lock_seconds(count, limit)
    pipe = r.pipeline()
    # The count lives at least as long as the window and the lockout it caused.
    keep = max(WINDOW_SECONDS, seconds)
    if ttl is None or ttl < keep:
        pipe.expire(key, keep)
    if seconds:
        pipe.set(f"{key}:lock", 1, ex=seconds)
    pipe.execute()
    return seconds
