"""Bring a database to a servable state: reachable, extensions present, migrated, seeded."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys

from rich.console import Console

from core import migrate
from core.db import make_engine, preflight, resolve_url
from core.settings import Settings
from services import seeding

console = Console(stderr=True)
_indexers: list[subprocess.Popen[bytes]] = []
INDEXER_GRACE_SECONDS = 180


def stop_indexer() -> None:
    """End an index build still running beside the server (it resumes where it stopped next time)."""
    for indexer in _indexers:
        if indexer.poll() is None:
            console.print("search index: stopping the build beside the server (it finishes its vector index first)")
            indexer.terminate()  # it makes the vector index again before exiting: 35 s at 100k
            try:
                indexer.wait(timeout=INDEXER_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                indexer.kill()  # the next build makes the index again


def prepare(settings: Settings, *, seed_if_empty: bool = True, index_beside: bool = False) -> str:
    """Return the database URL once it is ready; raise DatabaseUnavailable with one line if not.

    index_beside=True (cli serve): the search index is built by a subprocess beside the server instead
    of before it, so the API answers at once (lexical matches first, vectors joining as they are
    written; the cached answers are invalidated when they are all in). A later start finds nothing
    to embed. stop_indexer() ends it (at exit)."""
    url = resolve_url(settings)
    preflight(url)
    migrate.upgrade(url)
    if seed_if_empty:
        engine = make_engine(url, settings)
        try:
            if not seeding.is_seeded(engine):
                console.print(f"Seeding {settings.demo_instructors:,} demo instructors (seed {settings.demo_seed})…")
                counts = seeding.seed(engine, instructors=settings.demo_instructors, seed=settings.demo_seed)
                console.print(f"Seeded in {counts['seconds']} s: {counts}")
            if index_beside:
                os.environ["INSTAINSTRU_RESOLVED_DB_URL"] = url
                _indexers.append(subprocess.Popen([sys.executable, "-m", "index.build", "--quiet"]))
                atexit.register(stop_indexer)  # after the embedded Postgres's own hook, so it runs first
                console.print(f"search index: building beside the server (pid {_indexers[-1].pid})")
            else:
                from index.build import build

                built = build(engine)
                if built["embedded"]:
                    console.print(f"Embedded {built['embedded']:,} documents in {built['seconds']} s")
        finally:
            engine.dispose()
    # Worker processes and subprocesses attach to the same database without starting anything.
    os.environ["INSTAINSTRU_RESOLVED_DB_URL"] = url
    return url
