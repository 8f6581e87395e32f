"""The eval database: its own deterministic demo data, frozen in time so that judgments stay valid.

`instainstru_eval` in the embedded Postgres holds `seeding.seed(instructors=1000, seed=42,
start=2026-11-30)` (a Monday) plus the index. Every eval search runs at the fixed reference
time `NOW` (2026-11-30 08:00 America/New_York), so "this saturday" is always 2026-12-05 and the
qrels in data/fixtures/eval/search_qrels.tsv keep referring to the same rows and slots.

A smaller database (e.g. 200 instructors, `instainstru_eval_200`) serves the CI subset; the
qrels are judged separately per size (the ids differ) — see eval/judge.py.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

TZ = "America/New_York"
START = date(2026, 11, 30)  # a Monday: first day of availability
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo(TZ))
SEED = 42
INSTRUCTORS = 1000


def database_name(instructors: int = INSTRUCTORS) -> str:
    return "instainstru_eval" if instructors == INSTRUCTORS else f"instainstru_eval_{instructors}"


def eval_engine(instructors: int = INSTRUCTORS, quiet: bool = True, url: str | None = None) -> Engine:
    """Migrated, seeded and indexed eval database (built the first time, reused afterwards).

    `url` (or EVAL_DATABASE_URL) names the database to use instead of `instainstru_eval` in the
    embedded Postgres of .pgdata; it is seeded and indexed the same way when empty."""
    return _engine(instructors, quiet, url or os.environ.get("EVAL_DATABASE_URL"))


@lru_cache
def _engine(instructors: int, quiet: bool, url: str | None) -> Engine:
    from core import embedded_pg, migrate
    from core.db import make_engine
    from core.settings import get_settings
    from index.build import build
    from services import seeding

    if not url:
        server = embedded_pg.start(get_settings().pgdata_dir)
        name = database_name(instructors)
        embedded_pg.ensure_database(server, name)
        url = embedded_pg.url_for(server, name)
    migrate.upgrade(url)
    engine = make_engine(url)
    if not seeding.is_seeded(engine):
        counts = seeding.seed(engine, instructors=instructors, seed=SEED, start=START, quiet=quiet)
        if not quiet:
            print("seeded eval database:", counts)
    built = build(engine, quiet=quiet)
    if built["embedded"] and not quiet:
        print("indexed eval database:", built)
    return engine


if __name__ == "__main__":
    import sys

    for n in sys.argv[1:] or [str(INSTRUCTORS)]:
        eval_engine(int(n), quiet=False)
