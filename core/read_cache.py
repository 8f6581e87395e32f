"""The search and page cache as seen by a read that was routed (core/replica.py).

Cached answers are keyed on the write version, which a write bumps after it commits. With replicas that
is not enough: a read on a replica that has not replayed the write yet computes the old answer and would
store it under the new version. Hence the two views below: what a replica computed is kept only briefly,
and a user inside their read-your-writes window is never answered from the cache.
"""

from __future__ import annotations

from core.cache import Cache


class ReplicaReadCache(Cache):
    """For a read on a replica: answers from the cache as usual, but keeps what it computes for at most
    `max_ttl` seconds (so a stale answer is gone before its writer's read-your-writes window ends)."""

    keeps_reads = False  # a replica may not have replayed a write that the version already counts

    def __init__(self, inner: Cache, max_ttl: int) -> None:  # no super().__init__: everything is delegated
        self.inner = inner
        self.max_ttl = max_ttl

    @property
    def ns(self) -> str:
        return self.inner.ns

    def version(self) -> str:
        return self.inner.version()

    def bump(self) -> None:
        self.inner.bump()

    def lookup(self, key: str) -> tuple[str, bytes | None]:
        return self.inner.lookup(key)

    async def alookup(self, key: str) -> tuple[str, bytes | None]:
        return await self.inner.alookup(key)

    def set(self, key: str, value: bytes, ttl: int = 300) -> None:
        self.inner.set(key, value, ttl=min(ttl, self.max_ttl))


class FreshReadCache(ReplicaReadCache):
    """For a read on the primary by a user who has just written: never answered from the cache (an entry
    under the current version may come from a replica that had not replayed their write), while what the
    primary computes is stored as usual."""

    def __init__(self, inner: Cache) -> None:
        super().__init__(inner, max_ttl=2**31)

    def lookup(self, key: str) -> tuple[str, bytes | None]:
        self.inner.misses += 1
        return f"{key}:{self.inner.version()}", None  # the key lookup() gives, without fetching the entry

    async def alookup(self, key: str) -> tuple[str, bytes | None]:
        self.inner.misses += 1
        return f"{key}:{await self.inner.aversion()}", None
