"""How a search's statements reach Postgres: through psycopg on the SQLAlchemy connection's own
database connection, in whatever transaction state it has (a search's runs in autocommit,
index/sessions.py), with SQLAlchemy's statement events and exception types.

A search runs four to six statements, and SQLAlchemy's execute cost about 80 µs of CPU a statement
(compiled-cache lookup, execution context, result metadata) plus a Row object per row, on the thread
that holds the GIL: a 542-row scan and its Candidates took 3.8-3.9 ms of CPU through SQLAlchemy and
3.3-3.6 ms through psycopg. What callers rely on is kept: `before_cursor_execute` and
`after_cursor_execute` listeners see every statement (core/monitoring times them for the slow-query
ring), and a failure is raised as SQLAlchemy's exception for it (OperationalError, DataError, ...),
with the connection invalidated when the server went away, as api/middleware.py and
api/read_routing.py expect."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, cast

import psycopg
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

# A bound parameter as SQLAlchemy's text() finds one: `:name`, not a `::type` cast or an escaped `\:`.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


@lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    """`sql` with its `:name` parameters as psycopg's `%(name)s` (and a literal % doubled)."""
    return _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))


def array_literal(values: Iterable[object]) -> str:
    """Values as one Postgres array literal ('{"a","b"}'), for a parameter that the statement casts
    (`CAST(:ids AS uuid[])`): psycopg dumps a list element by element in Python (a regex per text), where
    this is one string that Postgres parses once. (`string_to_array` would split it again for every row
    a filter reads: a borough's fifty neighborhoods made a scan 2.4 -> 3.8 ms.)"""
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def rows(
    conn: Connection,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    binary: bool = False,
    prepare: bool | None = None,
) -> list[tuple[Any, ...]]:
    """Every row of `sql` (with `:name` parameters) as tuples. `binary`: results in Postgres's binary
    format (only for columns that all have binary loaders: text, numbers, arrays of them, vectors).
    `prepare`: True prepares the statement on the server at its first execution; None leaves it to
    psycopg (at the fifth execution on a connection)."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection), "the engine's driver is psycopg"
    cursor = driver.cursor(binary=binary)
    conn.dispatch.before_cursor_execute(conn, cursor, sql, params, None, False)
    try:
        try:
            cursor.execute(_pyformat(sql), params, prepare=prepare)
            found = cursor.fetchall()
        finally:
            # The listeners close their account of every statement, a failed one too (core/monitoring keeps
            # a start time per statement), and before the connection may be invalidated below: an
            # invalidated connection inside a transaction refuses every use until the transaction is rolled
            # back, its info dict included.
            conn.dispatch.after_cursor_execute(conn, cursor, sql, params, None, False)
            cursor.close()
    except psycopg.Error as exc:
        raise sqlalchemy_error(conn, exc, sql, params) from exc
    return found


def sqlalchemy_error(conn: Connection, exc: psycopg.Error, sql: str, params: dict[str, Any] | None) -> Exception:
    """The exception SQLAlchemy would have raised for `exc`; a connection the server dropped is
    invalidated, so that the pool does not hand it out again."""
    invalidated = conn.dialect.is_disconnect(cast(Any, exc), conn.connection.dbapi_connection, None)
    if invalidated:
        conn.invalidate(exc)
    return DBAPIError.instance(
        sql,
        params,
        exc,
        psycopg.Error,
        hide_parameters=conn.engine.hide_parameters,
        connection_invalidated=invalidated,
        dialect=conn.dialect,
    )
