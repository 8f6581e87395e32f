"""Databases of a test's own in the test Postgres: created empty (dropped first if a killed run left
one) and migrated to head."""

from __future__ import annotations

from typing import Any


def fresh_migrated_database(pg_server: Any, name: str) -> str:
    """The URL of `name`, dropped, created again and migrated."""
    from core import embedded_pg, migrate

    embedded_pg.drop_database(pg_server, name)
    embedded_pg.ensure_database(pg_server, name)
    url = embedded_pg.url_for(pg_server, name)
    migrate.upgrade(url)
    return url
