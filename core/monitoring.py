"""Slow requests and slow SQL statements, kept per process in bounded in-memory rings.

Every request slower than SLOW_REQUEST_MS (api/metrics.py offers each one) and every SQL statement
slower than SLOW_QUERY_MS (timed by SQLAlchemy's cursor events on each instrumented engine) is kept
in a ring of the last MONITORING_RING_SIZE such entries; GET /api/monitoring/slow-requests and
/slow-queries list the slowest of them. The same events feed Prometheus series, so the rings show
*which* request or statement was slow and the metrics *how often*:

- instainstru_db_query_duration_seconds: every statement's duration (histogram)
- instainstru_slow_queries_total, instainstru_slow_requests_total{method,route}: over the thresholds

Each instrumented engine also counts the database connections its pool opens and closes
(`pool_turnover`), which api/metrics.py exports per app.

Statements are kept as SQLAlchemy sends them, with placeholders, never with their parameters, so
no email address or password hash reaches the ring.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from core.logging import request_id_var
from core.settings import Settings

QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
STATEMENT_CHARS = 2000

QUERY_DURATION = Histogram(
    "instainstru_db_query_duration_seconds", "Duration of every SQL statement", buckets=QUERY_BUCKETS
)
SLOW_QUERIES = Counter("instainstru_slow_queries_total", "SQL statements slower than SLOW_QUERY_MS")
SLOW_REQUESTS = Counter(
    "instainstru_slow_requests_total", "Requests slower than SLOW_REQUEST_MS, by route template", ["method", "route"]
)


@dataclass(frozen=True)
class SlowEntry:
    duration_ms: float
    at: datetime
    request_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        detail = out.pop("detail")
        return {**detail, **out}


class SlowRing:
    """The last `size` entries at or over `threshold_ms`, oldest dropped first; thread-safe."""

    def __init__(self, size: int, threshold_ms: float) -> None:
        self.threshold_ms = threshold_ms
        self._entries: deque[SlowEntry] = deque(maxlen=size)
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    def resize(self, size: int) -> None:
        with self._lock:
            self._entries = deque(self._entries, maxlen=size)

    def offer(self, duration_ms: float, **detail: Any) -> bool:
        """Keep the entry when it is slow enough; whether it was kept."""
        if duration_ms < self.threshold_ms:
            return False
        entry = SlowEntry(round(duration_ms, 3), datetime.now(UTC), request_id_var.get(), detail)
        with self._lock:
            self._entries.append(entry)
        return True

    def slowest(self, limit: int) -> list[SlowEntry]:
        with self._lock:
            entries = list(self._entries)
        return sorted(entries, key=lambda e: e.duration_ms, reverse=True)[:limit]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# One pair per process (each uvicorn worker and the scheduler keep their own).
REQUESTS = SlowRing(200, 500.0)
QUERIES = SlowRing(200, 100.0)


def configure(settings: Settings) -> None:
    """Thresholds and ring sizes from the settings (the last app created in a process wins)."""
    REQUESTS.threshold_ms = settings.slow_request_ms
    QUERIES.threshold_ms = settings.slow_query_ms
    for ring in (REQUESTS, QUERIES):
        if ring.size != settings.monitoring_ring_size:
            ring.resize(settings.monitoring_ring_size)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    if REQUESTS.offer(seconds * 1000, method=method, route=route, status=status):
        SLOW_REQUESTS.labels(method=method, route=route).inc()


def _statement_text(statement: str) -> str:
    return " ".join(statement.split())[:STATEMENT_CHARS]


def _before(conn: Connection, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
    conn.info.setdefault("ii_query_start", []).append(time.perf_counter())


def _after(conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
    starts = conn.info.get("ii_query_start")
    if not starts:
        return
    seconds = time.perf_counter() - starts.pop()
    QUERY_DURATION.observe(seconds)
    if seconds * 1000 >= QUERIES.threshold_ms and QUERIES.offer(seconds * 1000, statement=_statement_text(statement)):
        SLOW_QUERIES.inc()


def _failed(context: Any) -> None:
    """A statement that raised never reaches after_cursor_execute: drop its start time."""
    conn = getattr(context, "connection", None)
    starts = conn.info.get("ii_query_start") if conn is not None else None
    if starts:
        starts.pop()


@dataclass
class PoolTurnover:
    """Database connections an engine's pool has opened and closed. Under steady load both stay flat.
    A pool smaller than the searches in flight closes every connection beyond its size when it comes
    back, and opens another for the next search: a new server process each time, with its plans and
    prepared statements lost (2.5 ms of Postgres CPU a search at 10k, 16 clients, a pool of 10)."""

    opened: int = 0
    closed: int = 0


_TURNOVER: weakref.WeakKeyDictionary[Engine, PoolTurnover] = weakref.WeakKeyDictionary()


def pool_turnover(engine: Engine) -> PoolTurnover | None:
    """The connections `engine` opened and closed since it was instrumented (None: not instrumented)."""
    return _TURNOVER.get(engine)


def _count_turnover(engine: Engine) -> None:
    turnover = _TURNOVER[engine] = PoolTurnover()

    def opened(*_: Any) -> None:
        turnover.opened += 1

    def closed(*_: Any) -> None:
        turnover.closed += 1

    # Pool events on the engine: they follow it to the new pool that dispose() makes.
    event.listen(engine, "connect", opened)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", closed)


def instrument_engine(engine: Engine) -> Engine:
    """Time every statement of `engine` and count its pool's connections (idempotent: an engine is
    instrumented once)."""
    if not event.contains(engine, "before_cursor_execute", _before):
        event.listen(engine, "before_cursor_execute", _before)
        event.listen(engine, "after_cursor_execute", _after)
        event.listen(engine, "handle_error", _failed)
        _count_turnover(engine)
    return engine
