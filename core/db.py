"""Database URL resolution, engine and sessions."""

from __future__ import annotations

import os
from functools import lru_cache

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from core import embedded_pg
from core.settings import Settings, get_settings

REQUIRED_EXTENSIONS = ("vector", "pg_trgm", "btree_gist")


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot serve the product; the message is one line for a human."""


def normalize_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def resolve_url(settings: Settings | None = None) -> str:
    """DATABASE_URL when given, else the embedded server (started on demand).

    The resolved URL is exported so that worker processes and subprocesses reuse the same server.
    """
    settings = settings or get_settings()
    if settings.database_url:
        return normalize_url(settings.database_url)
    server = embedded_pg.start(settings.pgdata_dir)
    embedded_pg.ensure_database(server, settings.database_name)
    return embedded_pg.url_for(server, settings.database_name)


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    return create_engine(
        url,
        pool_pre_ping=True,  # a restarted Postgres is rejoined without errors leaking to users
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=5,
        connect_args={"connect_timeout": 5},
    )


# Seen in each replica's pg_stat_activity, so an operator (and the tests) can tell routed reads apart.
READ_APPLICATION_NAME = "instainstru-read"
REPLICA_CONNECT_TIMEOUT = 2  # seconds: an unreachable replica delays a read this long before the primary serves it


def make_read_engines(settings: Settings | None = None) -> list[Engine]:
    """One engine per DATABASE_READ_URL entry (none when unset)."""
    settings = settings or get_settings()
    return [
        create_engine(
            normalize_url(url),
            pool_pre_ping=True,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=5,
            connect_args={"connect_timeout": REPLICA_CONNECT_TIMEOUT, "application_name": READ_APPLICATION_NAME},
        )
        for url in settings.database_read_url
    ]


@lru_cache
def get_engine() -> Engine:
    url = os.environ.get("INSTAINSTRU_RESOLVED_DB_URL") or resolve_url()
    return make_engine(url)


def describe(url: str) -> str:
    u = make_url(url)
    where = u.host or dict(u.query).get("host") or "localhost"
    return f"{u.database} at {where}"


def preflight(url: str) -> None:
    """Fail with one clear line when the database is unreachable or lacks an extension."""
    engine = create_engine(url, connect_args={"connect_timeout": 5}, poolclass=None)
    try:
        with engine.connect() as conn:
            available = set(conn.execute(text("SELECT name FROM pg_available_extensions")).scalars())
    except SQLAlchemyError as exc:
        lines = str(getattr(exc, "orig", exc)).splitlines()
        reason = " ".join(line.strip() for line in lines if line.strip())
        raise DatabaseUnavailable(f"cannot connect to the database ({describe(url)}): {reason}") from None
    finally:
        engine.dispose()
    missing = [e for e in REQUIRED_EXTENSIONS if e not in available]
    if missing:
        raise DatabaseUnavailable(
            f"the database ({describe(url)}) lacks the Postgres extension(s) {', '.join(missing)}; "
            "install them or unset DATABASE_URL to use the embedded Postgres"
        )
