"""A search sets its statements' server settings for its connection's session (index/sessions.py), on
the pool everything else shares: generic plans for a service scan, plans per query and pgvector's
iterative scan for the nearest rows. Nothing else may ever run under them, and a search must never run
without them. The expectations are Postgres's own defaults, read with plain SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from index import sessions
from index.search import search

SETTINGS = "SELECT current_setting('plan_cache_mode'), current_setting('hnsw.ef_search', true)"


@pytest.fixture
def one_connection(indexed_engine):
    """A pool of one connection: every checkout below gets the connection the search used."""
    engine = create_engine(indexed_engine.url, pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        conn.execute(text("SELECT '[1]'::vector"))  # pgvector loaded: its settings have their defaults
        defaults = conn.execute(text(SETTINGS)).one()
        conn.rollback()
    yield engine, tuple(defaults)
    engine.dispose()


@pytest.mark.parametrize("q", ["piano lessons", "learn an instrument"])  # a service scan; the nearest rows
def test_whatever_checks_out_a_connection_after_a_search_plans_with_the_defaults(one_connection, q):
    engine, defaults = one_connection
    assert search(engine, q)["results"]
    with engine.connect() as conn:
        assert tuple(conn.execute(text(SETTINGS)).one()) == defaults
        conn.rollback()
    with engine.begin() as conn:  # also inside a transaction that commits
        assert tuple(conn.execute(text(SETTINGS)).one()) == defaults


def test_settings_undone_by_a_rollback_are_made_again(one_connection):
    """A caller's transaction that rolls back undoes what was set in it: the next search must set it
    again, not trust a mark the rollback made wrong (the nearest rows would come from pgvector's default
    40-candidate walk)."""
    engine, _ = one_connection
    with engine.connect() as conn, conn.begin():
        sessions.use(conn, "nearest")
        assert conn.execute(text(SETTINGS)).one()[1] == "200"
        conn.rollback()
    with sessions.search_connection(engine) as conn:
        sessions.use(conn, "nearest")
        assert tuple(conn.execute(text(SETTINGS)).one()) == ("auto", "200")
        sessions.use(conn, "scan")
        assert conn.execute(text(SETTINGS)).one()[0] == "force_generic_plan"
