"""Read-your-writes with replicas: users who just wrote read from the primary for a while.

A replica may not have replayed a user's booking yet; that user must still never see the slot as free.
So a successful write marks its author for Settings.primary_window_seconds, in Redis (shared by every
process and host of the deployment, under its namespace) and in this process; while marked, their reads
go to the primary. When Redis cannot say, a signed-in user reads the primary: the safe side.
"""

from __future__ import annotations

import threading
import time

from core.cache import Namespace, namespace_of
from core.redis_client import RedisDown, RedisHandle

MAX_LOCAL = 10_000  # authors remembered in-process (the oldest are dropped first; Redis holds the rest)


class RecentWriters:
    def __init__(self, redis: RedisHandle, namespace: Namespace, window_seconds: float) -> None:
        self.redis = redis
        self._namespace = namespace
        self.window_seconds = window_seconds
        self._local: dict[str, float] = {}  # user id -> monotonic time the window ends
        self._lock = threading.Lock()

    def _key(self, user_id: str) -> str:
        return f"{namespace_of(self._namespace)}:rw:{user_id}"

    async def mark(self, user_id: str) -> None:
        """`user_id` has just committed a write. Awaited in the middleware: never blocks the event loop."""
        with self._lock:
            self._local.pop(user_id, None)
            self._local[user_id] = time.monotonic() + self.window_seconds
            while len(self._local) > MAX_LOCAL:
                self._local.pop(next(iter(self._local)))
        key, millis = self._key(user_id), int(self.window_seconds * 1000)
        try:
            await self.redis.acall(lambda r: r.set(key, b"1", px=millis))
        except RedisDown:
            pass  # other processes read the primary for every signed-in user while Redis is down

    def is_recent(self, user_id: str) -> bool:
        with self._lock:
            until = self._local.get(user_id)
        if until is not None and time.monotonic() < until:
            return True
        key = self._key(user_id)
        try:
            return bool(self.redis.call(lambda r: r.exists(key)))
        except RedisDown:
            return True
