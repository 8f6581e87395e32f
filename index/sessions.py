"""The connection a search runs on, and the server settings its statements need.

A search's statements need settings of their own: a service scan runs on a generic plan (planning its
six-table join took as long as running it), while the nearest-row statements need plans chosen per
query and pgvector's iterative HNSW scan (`VALUES` below says why for each). These used to be set for
each search's transaction: a BEGIN, a `set_config` and a COMMIT, three round trips around the two or
three statements that do the work. Each round trip costs the API and Postgres CPU (through SQLAlchemy
and psycopg, with the GIL and a context switch on each side): at 10k instructors, 16 connections, every
query new, one worker, dropping them gave 3-13% more searches a second (two servers side by side, four
loads: 71.1 -> 80.5 and 191.4 -> 204.2 req/s of new sentences, 78.5 -> 81.2 and 128.5 -> 136.2 numbered).

So a search runs without a transaction (each statement sees its own snapshot, as it did inside a READ
COMMITTED transaction), and the settings are made for the connection's session, only when they change:
a connection remembers the settings it was left in (`SESSION_KEY` in its pool record's info, which the
pool clears when it replaces the connection). Searches share the application's pool, so a connection
a search left in search settings is reset when anything else checks it out, in autocommit so that the
reset cannot be rolled back with the caller's transaction: nothing else ever plans under a search's
settings.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError

from index import statements

Settings = Literal["scan", "nearest"]
SESSION_KEY = "instainstru_search_settings"
# (setting, value) for each kind of statement. A service scan: one generic plan per connection and shape
# (the HNSW settings, if the connection has them, concern index scans a scan never makes, and stay). The
# nearest-row statements: plans chosen per query, since a generic plan may walk the whole table where a
# custom one walks the index; strict_order keeps the same prefix at any depth; ef_search 200 keeps
# recall@200 >= 0.95 at 100k (bench/bench_hnsw.py); an iterative scan may look through the whole index
# (pgvector stops at 20,000 tuples and 1 x work_mem by default), so fewer rows than asked really is every
# row a selective filter lets through.
VALUES: dict[Settings, tuple[tuple[str, str], ...]] = {
    "scan": (("plan_cache_mode", "force_generic_plan"),),
    "nearest": (
        ("plan_cache_mode", "auto"),
        ("hnsw.iterative_scan", "strict_order"),
        ("hnsw.ef_search", "200"),
        ("hnsw.max_scan_tuples", "10000000"),
        ("hnsw.scan_mem_multiplier", "8"),
    ),
}
NAMES = sorted({name for values in VALUES.values() for name, _ in values})
RESET = "; ".join(f"RESET {name}" for name in NAMES)


def _set(settings: Settings, local: bool) -> str:
    calls = (f"set_config('{name}', '{value}', {str(local).lower()})" for name, value in VALUES[settings])
    return "SELECT " + ", ".join(calls)


_searching = contextvars.ContextVar("searching", default=False)
_watching = threading.Lock()


@contextmanager
def search_connection(engine: Engine) -> Iterator[Connection]:
    """A pooled connection for one search's statements, in autocommit."""
    if not event.contains(engine, "checkout", _reset_for_others):
        with _watching:  # two first searches at once must not both add it
            if not event.contains(engine, "checkout", _reset_for_others):
                event.listen(engine, "checkout", _reset_for_others)
    token = _searching.set(True)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
    finally:
        _searching.reset(token)


def use(conn: Connection, settings: Settings) -> None:
    """The session settings for the statements that follow on `conn`: one round trip when they change."""
    driver = conn.connection.driver_connection
    if driver is None or not driver.autocommit or driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        # Inside a caller's transaction, begun or about to be (a test, a tool): for that transaction only, and
        # nothing remembered, since a rollback would undo a session setting and leave the mark wrong.
        statements.rows(conn, _set(settings, local=True))
        return
    info = conn.connection.info
    if info.get(SESSION_KEY) != settings:
        statements.rows(conn, _set(settings, local=False))
        info[SESSION_KEY] = settings


def _reset_for_others(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A connection a search left in search settings, checked out by anything else: its settings back
    to the server's defaults first."""
    if _searching.get() or record.info.get(SESSION_KEY) is None:
        return
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute(RESET)
        dbapi_connection.autocommit = autocommit
    except psycopg.Error as exc:
        # The pool replaces a connection whose checkout raises this, and tries the next one.
        raise DisconnectionError(f"resetting a search's session settings failed: {exc}") from exc
    del record.info[SESSION_KEY]
