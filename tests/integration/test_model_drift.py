"""The models and the migrations describe the same schema: Alembic's autogenerate, comparing the
models with a freshly migrated database, finds nothing to do (types and server defaults included)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine

import models
from core import embedded_pg
from tests.databases import fresh_migrated_database

DRIFT_DB = "instainstru_drift"


@pytest.fixture(scope="module")
def migrated(pg_server):
    url = fresh_migrated_database(pg_server, DRIFT_DB)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    embedded_pg.drop_database(pg_server, DRIFT_DB)


def drift(engine: Engine, metadata: MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, metadata)


def test_models_match_the_migrated_database(migrated):
    assert drift(migrated, models.Base.metadata) == []


def test_a_model_change_without_a_migration_is_drift(migrated):
    """The check can fail: a column the migrations never made shows up."""
    import sqlalchemy as sa

    metadata = MetaData(naming_convention=models.Base.metadata.naming_convention)
    for table in models.Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["users"].append_column(sa.Column("nickname", sa.String(40)))
    changes = drift(migrated, metadata)
    assert [(c[0], c[3].name) for c in changes if c[0] == "add_column"] == [("add_column", "nickname")]
