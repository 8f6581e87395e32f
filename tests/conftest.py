"""Shared fixtures: an embedded Postgres (its own data folder), migrated and seeded once per session.

Each DB test runs inside a transaction that is rolled back, so tests never see each other's writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from tests.databases import fresh_migrated_database

TEST_PGDATA = PROJECT_ROOT / "var" / "pgdata-test"
# One database per test run, so runs side by side (developers, CI) never drop each other's data.
TEST_DB = f"instainstru_test_{os.getpid()}"
TEST_INSTRUCTORS = 300
TEST_SEED = 7


@pytest.fixture(scope="session")
def pg_server():
    from core import embedded_pg

    return embedded_pg.start(Path(os.environ.get("TEST_PGDATA", TEST_PGDATA)))


@pytest.fixture(scope="session")
def db_url(pg_server) -> Iterator[str]:
    from core import embedded_pg
    from core.db import make_engine
    from services import seeding

    url = fresh_migrated_database(pg_server, TEST_DB)
    engine = make_engine(url)
    seeding.seed(engine, instructors=TEST_INSTRUCTORS, seed=TEST_SEED, start=date.today(), quiet=True)
    engine.dispose()
    yield url
    embedded_pg.drop_database(pg_server, TEST_DB)


@pytest.fixture(scope="session")
def engine(db_url):
    from core.db import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    """A connection inside an outer transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def db(connection):
    from sqlalchemy.orm import Session

    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()


@pytest.fixture(scope="session")
def indexed_engine(engine):
    """The test database with every instructor-service embedded (the search needs the vectors)."""
    from index.build import build

    build(engine, quiet=True)
    return engine


@pytest.fixture(autouse=True)
def _no_deployment_experiment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """An experiment an operator started on this checkout (var/experiment.json) must not reorder the tests'
    answers; tests that want one set services.experiments.ACTIVE_FILE themselves."""
    from services import experiments

    monkeypatch.setattr(experiments, "ACTIVE_FILE", tmp_path_factory.getbasetemp() / "no-experiment.json")
