"""GET /api/search/status: how far the index is, as the student page polls it while `make run` builds it.

A database of this module's own, so the counts are exact whatever the shared test database holds:
the catalog and a few instructors from tests/factories.py, with some embeddings written and some not.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from api.app import create_app
from core.settings import Settings
from services import index_status
from tests import factories
from tests.databases import fresh_migrated_database
from tests.net import closed_port

STATUS_DB = f"instainstru_status_{os.getpid()}"
PIANO = ("piano", Decimal("80"), Decimal("60"), [60])
GUITAR = ("guitar", Decimal("70"), None, [60])


@pytest.fixture(scope="module")
def status_engine(pg_server) -> Iterator[Engine]:
    from core import embedded_pg
    from core.db import make_engine
    from services import seeding

    url = fresh_migrated_database(pg_server, STATUS_DB)
    engine = make_engine(url)
    seeding.load_catalog(engine)
    yield engine
    factories.forget(engine)  # its users vanish with the database
    index_status.forget(engine)
    engine.dispose()
    embedded_pg.drop_database(pg_server, STATUS_DB)


@pytest.fixture(scope="module")
def rows(status_engine) -> list:
    """Five active instructor services and one inactive one; none embedded yet."""
    made = [factories.make_instructor(status_engine, services=(PIANO, GUITAR), days=1) for _ in range(2)]
    made.append(factories.make_instructor(status_engine, services=(PIANO, GUITAR), days=1))
    ids = [isid for inst in made for isid in inst.offerings.values()]
    with status_engine.begin() as conn:
        conn.execute(text("UPDATE instructor_services SET is_active = false WHERE id = :i"), {"i": ids[-1]})
    return ids  # ids[:5] active, ids[5] inactive


@pytest.fixture
def client(status_engine) -> Iterator[TestClient]:
    index_status.forget(status_engine)  # each test sees the rows it wrote, not an answer kept from before
    yield TestClient(create_app(Settings(), engine=status_engine))  # no lifespan: no model to load


def _embed(engine: Engine, ids: list, *, vectors: bool = True) -> None:
    value = "array_fill(0.1::real, ARRAY[384])::vector" if vectors else "NULL"
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE instructor_services SET embedding = {value} WHERE id = ANY(:ids)"),  # noqa: S608 - constant
            {"ids": ids},
        )


def test_while_some_rows_have_no_vector_it_says_how_far_and_not_ready(client, status_engine, rows):
    _embed(status_engine, rows, vectors=False)
    _embed(status_engine, rows[:2] + rows[5:])  # two of the five active rows, and the inactive one
    response = client.get("/api/search/status")
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("embedded", "total", "percent", "ready")} == {
        "embedded": 2,
        "total": 5,  # the inactive row is not waited for
        "percent": 40,
        "ready": False,
    }
    assert body["message"].startswith("Indexing 40%") and "word matches work now" in body["message"]
    assert response.headers["cache-control"] == "no-store"


def test_percent_is_never_100_before_every_row_has_its_vector(client, status_engine, rows):
    _embed(status_engine, rows, vectors=False)
    _embed(status_engine, rows[:4])
    body = client.get("/api/search/status").json()
    assert (body["embedded"], body["total"], body["percent"], body["ready"]) == (4, 5, 80, False)
    index_status.forget(status_engine)
    _embed(status_engine, rows[:1], vectors=False)
    _embed(status_engine, rows[1:5])
    assert client.get("/api/search/status").json()["percent"] == 80


def test_when_every_active_row_is_embedded_it_is_ready(client, status_engine, rows):
    _embed(status_engine, rows[5:], vectors=False)  # an inactive row without a vector does not hold it back
    _embed(status_engine, rows[:5])
    response = client.get("/api/search/status")
    assert response.status_code == 200
    assert response.json() == {"embedded": 5, "total": 5, "percent": 100, "ready": True, "message": None}


def test_it_needs_no_login_and_is_outside_the_search_budget(client, status_engine, rows):
    from core.ratelimit import classify

    assert client.get("/api/search/status", headers={"Authorization": "Bearer nonsense"}).status_code == 200
    assert classify("GET", "/api/search/status") is None  # polling never spends a student's searches


def test_the_count_is_kept_two_seconds(status_engine, rows):
    """Pages polling at once cost one count per process every 2 s (a clock of our own: nothing waits)."""
    now = [1000.0]
    index_status.forget(status_engine)
    _embed(status_engine, rows[:5])
    assert index_status.index_progress(status_engine, clock=lambda: now[0])["ready"] is True
    _embed(status_engine, rows[:1], vectors=False)
    now[0] += 1.9
    assert index_status.index_progress(status_engine, clock=lambda: now[0])["embedded"] == 5  # kept
    now[0] += 0.2
    assert index_status.index_progress(status_engine, clock=lambda: now[0])["embedded"] == 4  # counted again


def test_without_a_database_it_answers_503_with_a_reason_not_500():
    dead = create_engine(f"postgresql+psycopg://x@127.0.0.1:{closed_port()}/x", connect_args={"connect_timeout": 1})
    client = TestClient(create_app(Settings(), engine=dead))
    response = client.get("/api/search/status")
    assert response.status_code == 503
    assert response.json()["code"] == "index_status_unavailable"
    assert "index status is unavailable" in response.json()["detail"]
    assert response.headers["retry-after"]


def test_a_missing_table_is_503_too(status_engine, rows, pg_server):
    """Not only a lost connection: any database error (here a database not migrated yet) is a 503."""
    from core import embedded_pg
    from core.db import make_engine

    name = f"{STATUS_DB}_empty"
    embedded_pg.drop_database(pg_server, name)
    embedded_pg.ensure_database(pg_server, name)
    empty = make_engine(embedded_pg.url_for(pg_server, name))
    try:
        response = TestClient(create_app(Settings(), engine=empty)).get("/api/search/status")
        assert response.status_code == 503 and response.json()["code"] == "index_status_unavailable"
    finally:
        index_status.forget(empty)
        empty.dispose()
        embedded_pg.drop_database(pg_server, name)
