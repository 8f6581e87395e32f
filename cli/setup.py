"""Bring a database to a servable state: reachable, extensions present, migrated, seeded."""

from __future__ import annotations

import os

from rich.console import Console

from core import migrate
from core.db import make_engine, preflight, resolve_url
from core.settings import Settings
from services import seeding

console = Console(stderr=True)


def prepare(settings: Settings, *, seed_if_empty: bool = True) -> str:
    """Return the database URL once it is ready; raise DatabaseUnavailable with one line if not."""
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
            from index.build import build

            built = build(engine)
            if built["embedded"]:
                console.print(f"Embedded {built['embedded']:,} documents in {built['seconds']} s")
        finally:
            engine.dispose()
    # Worker processes and subprocesses attach to the same database without starting anything.
    os.environ["INSTAINSTRU_RESOLVED_DB_URL"] = url
    return url
