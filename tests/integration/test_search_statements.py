"""A search's statements run through psycopg directly (index/statements.py), and still behave as
SQLAlchemy's do where the rest of the product relies on it: a connection the server dropped raises
SQLAlchemy's OperationalError (which the API answers with 503, and read routing retries on the
primary) and leaves the pool, and the statement listeners (the slow-query ring) see every statement."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DataError, OperationalError

from core.monitoring import instrument_engine
from index import statements
from index.search import search

pytestmark = pytest.mark.db


def test_a_search_on_a_dropped_connection_raises_operational_error_and_the_pool_lets_it_go(indexed_engine):
    # Instrumented as the API's engine is: its statement listeners must not turn the error into another.
    engine = instrument_engine(create_engine(indexed_engine.url, pool_size=1, max_overflow=0))
    try:
        assert search(engine, "piano lessons")["results"]
        with engine.connect() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with indexed_engine.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
        # The pool (no pre-ping: create_engine's default) hands out the same connection, whose server is gone.
        with pytest.raises(OperationalError) as raised:
            search(engine, "violin lessons")
        assert raised.value.connection_invalidated
        assert search(engine, "guitar lessons")["results"]  # a new connection: the dead one left the pool
    finally:
        engine.dispose()


def test_a_statement_outside_a_transaction_invalidates_its_dropped_connection(indexed_engine):
    # Inside a search's transaction, SQLAlchemy's rollback would notice the dropped connection by itself;
    # outside one, only the statement's own error handling can.
    engine = create_engine(indexed_engine.url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            backend = statements.rows(conn, "SELECT pg_backend_pid()")[0][0]
        with indexed_engine.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
        with pytest.raises(OperationalError) as raised, engine.connect() as conn:
            statements.rows(conn, "SELECT 1")
        assert raised.value.connection_invalidated
        with engine.connect() as conn:
            assert statements.rows(conn, "SELECT 1") == [(1,)]  # a new connection: the dead one left the pool
    finally:
        engine.dispose()


def test_a_first_search_on_a_dropped_connection_fails_as_sqlalchemys_error(indexed_engine):
    # A connection's first search asks Postgres for the vector type (candidates.bind_vectors) before any
    # statement: a server gone by then must fail the same way (a stopped replica: read routing retries on
    # the primary; it was a 500).
    from index.candidates import bind_vectors

    engine = create_engine(indexed_engine.url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with indexed_engine.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
        with pytest.raises(OperationalError) as raised, engine.connect() as conn:
            bind_vectors(conn)
        assert raised.value.connection_invalidated
        with engine.connect() as conn:
            bind_vectors(conn)  # a new connection: the dead one left the pool
            assert conn.connection.info["pgvector"]
    finally:
        engine.dispose()


def test_a_bad_statement_raises_sqlalchemys_error_for_it(indexed_engine):
    with indexed_engine.connect() as conn, pytest.raises(DataError):
        statements.rows(conn, "SELECT 1 / :zero", {"zero": 0})


def test_statement_listeners_see_a_searchs_statements(indexed_engine):
    engine = instrument_engine(create_engine(indexed_engine.url))
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert search(engine, "piano lessons in park slope")["results"]
    finally:
        event.remove(engine, "before_cursor_execute", listen)
        engine.dispose()
    assert any("FROM instructor_services s" in s for s in seen), seen  # the scan
    assert any("WITH wanted AS" in s for s in seen), seen  # the slots
