"""The migrations are the only source of the schema: up, down and up again on an empty database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from core import embedded_pg, migrate

EXPECTED_TABLES = {
    "users",
    "permissions",
    "role_permissions",
    "user_permissions",
    "revoked_tokens",
    "password_reset_tokens",
    "categories",
    "subcategories",
    "services",
    "instructor_profiles",
    "instructor_services",
    "availability_slots",
    "blackout_dates",
    "bookings",
    "search_history",
    "outbox",
    "reviews",
    "scheduled_jobs",
    "idempotency_keys",
    "search_impressions",
    "search_events",
    "visitor_salts",
}


@pytest.fixture
def empty_db_url(pg_server):
    name = "instainstru_migrations"
    embedded_pg.drop_database(pg_server, name)
    embedded_pg.ensure_database(pg_server, name)
    yield embedded_pg.url_for(pg_server, name)
    embedded_pg.drop_database(pg_server, name)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_db_url):
    migrate.upgrade(empty_db_url)
    assert _tables(empty_db_url) == EXPECTED_TABLES
    engine = create_engine(empty_db_url)
    with engine.connect() as conn:
        extensions = set(conn.execute(text("SELECT extname FROM pg_extension")).scalars())
        grants = conn.execute(
            text(
                "SELECT count(*) FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id "
                "WHERE rp.role = 'student' AND p.name = 'create_bookings'"
            )
        ).scalar()
    engine.dispose()
    assert {"vector", "pg_trgm", "btree_gist"} <= extensions
    assert grants == 1
    migrate.downgrade(empty_db_url)
    assert _tables(empty_db_url) == set()
    migrate.upgrade(empty_db_url)
    assert _tables(empty_db_url) == EXPECTED_TABLES


def test_embedding_column_and_indexes_exist(engine):
    with engine.connect() as conn:
        column_type = conn.execute(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'instructor_services'::regclass AND attname = 'embedding'"
            )
        ).scalar()
        indexes = set(
            conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'instructor_services'")).scalars()
        )
    assert column_type == "vector(384)"
    assert {
        "ix_instructor_services_embedding_hnsw",
        "ix_instructor_services_search_text_trgm",
        "uq_instructor_services_active",
    } <= indexes
