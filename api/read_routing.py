"""Read routing (issue #19): search, catalog and the public pages read from a replica; everything else,
and the reads of a user who has just written, from the primary.

ReadRoutingMiddleware does two things. After a successful write (any non-GET answered below 400) by a
signed-in user it marks them in RecentWriters, before the answer leaves, so their very next read already
goes to the primary. Around a read (GET, HEAD) it keeps a ReadAttempt that the `get_reads` dependency
fills in; when the route fails with a database error after reading from a replica, and nothing has been
sent yet, the replica is taken out of reads and the request is run once more on the primary: a replica
that stops mid-load costs no failed request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from api import metrics
from api.middleware import access_token_user
from core import monitoring
from core.cache import Cache
from core.db import make_read_engines
from core.read_cache import FreshReadCache, ReplicaReadCache
from core.read_your_writes import RecentWriters
from core.replica import ReadRouter, first_line
from core.settings import Settings

log = logging.getLogger("instainstru.read_routing")
ATTEMPT = "read_attempt"  # keys in the request's state
CHOSEN = "reads"


@dataclass
class ReadAttempt:
    force_primary: bool = False
    replica: Engine | None = None  # the replica this request read from, if any


@dataclass(frozen=True)
class Reads:
    """Where a read-only route reads: the engine, and the cache as that engine may use it."""

    engine: Engine
    cache: Cache
    source: Literal["primary", "replica"]


def install(app: FastAPI, settings: Settings) -> None:
    """Replicas from DATABASE_READ_URL, checked from now on; without any, every read stays on the primary."""
    state = app.state
    state.read_router = ReadRouter(
        state.engine,
        make_read_engines(settings),
        max_lag_seconds=settings.replica_max_lag_seconds,
        check_seconds=settings.replica_check_seconds,
    )
    for replica in state.read_router.replicas:
        monitoring.instrument_engine(replica)  # its slow statements join the slow-query ring
    state.recent_writers = RecentWriters(state.redis, state.namespace, settings.primary_window_seconds)
    if state.read_router.replicas:
        state.read_router.start()
        app.add_middleware(
            ReadRoutingMiddleware,
            router=state.read_router,
            writers=state.recent_writers,
            secret=settings.secret_key,
        )


def is_replica_failure(exc: BaseException) -> bool:
    """Errors a replica causes by going away or by cancelling a query that conflicts with replay."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class ReadRoutingMiddleware:
    def __init__(self, app, *, router: ReadRouter, writers: RecentWriters, secret: str) -> None:
        self.app = app
        self.router = router
        self.writers = writers
        self.secret = secret

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] in ("GET", "HEAD"):
            return await self._read(scope, receive, send)
        author = access_token_user(scope, self.secret)
        if author is None:
            return await self.app(scope, receive, send)

        async def marking_send(message):
            if message["type"] == "http.response.start" and message["status"] < 400:
                await self.writers.mark(author)  # before the answer leaves: the next read already sees it
            await send(message)

        await self.app(scope, receive, marking_send)

    async def _read(self, scope, receive, send):
        attempt = ReadAttempt()
        scope.setdefault("state", {})[ATTEMPT] = attempt
        started = False

        async def watching_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as exc:
            if started or attempt.replica is None or not is_replica_failure(exc):
                raise
            reason = first_line(exc)
            self.router.report_failure(attempt.replica, reason)
            metrics.REPLICA_READ_RETRIES.inc()
            log.warning("read failed on a replica, served by the primary: %s", reason)
            scope["state"][ATTEMPT] = ReadAttempt(force_primary=True)
            await self.app(scope, receive, send)


async def get_reads(request: Request) -> Reads:
    # Without replicas the choice is the primary, with no I/O: made on the event loop (a sync
    # dependency costs a trip through the thread pool). With replicas it may ask Redis whether the
    # user has just written (and the deployment's namespace, once), so it runs in the pool.
    router: ReadRouter | None = getattr(request.app.state, "read_router", None)
    if router is None or not router.replicas:  # install() always makes a router, with or without replicas
        reads = _primary(request.app.state.engine, request.app.state.cache)
    else:
        reads = await run_in_threadpool(_choose, request)
    request.scope.setdefault("state", {})[CHOSEN] = reads
    metrics.DB_READS.labels(source=reads.source).inc()
    return reads


def _choose(request: Request) -> Reads:
    state = request.app.state
    router: ReadRouter | None = getattr(state, "read_router", None)
    attempt: ReadAttempt | None = request.scope.get("state", {}).get(ATTEMPT)
    # Without the middleware's attempt (no replicas, or not a GET) nothing could retry a failed replica read.
    if router is None or attempt is None or attempt.force_primary:
        return _primary(state.engine, state.cache)
    author = access_token_user(request.scope, state.settings.secret_key)
    if author is not None and state.recent_writers.is_recent(author):
        return _primary(state.engine, FreshReadCache(state.cache))
    replica = router.pick()
    if replica is None:
        return _primary(state.engine, state.cache)
    attempt.replica = replica
    return Reads(replica, ReplicaReadCache(state.cache, state.settings.replica_cache_seconds), "replica")


def current_reads(request: Request) -> Reads:
    """What `get_reads` chose for this request; the primary and the app's cache for a route without it."""
    chosen = request.scope.get("state", {}).get(CHOSEN)
    return chosen if chosen is not None else Reads(request.app.state.engine, request.app.state.cache, "primary")


def _primary(engine: Engine, cache: Cache) -> Reads:
    return Reads(engine, cache, "primary")


def get_read_db(reads: Annotated[Reads, Depends(get_reads)]) -> Iterator[Session]:
    """A session on the engine `get_reads` chose (read-only routes only: it may be a standby)."""
    session = Session(bind=reads.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


ReadsDep = Annotated[Reads, Depends(get_reads)]
ReadSessionDep = Annotated[Session, Depends(get_read_db)]
