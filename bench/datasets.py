"""Benchmark databases of a given size in the embedded Postgres, seeded and indexed once and reused."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from core import embedded_pg, migrate
from core.db import make_engine
from core.settings import get_settings
from index.build import build
from services import seeding


def bench_engine(instructors: int, seed: int = 42) -> Engine:
    server = embedded_pg.start(get_settings().pgdata_dir)
    name = f"instainstru_bench_{instructors}"
    embedded_pg.ensure_database(server, name)
    url = embedded_pg.url_for(server, name)
    migrate.upgrade(url)
    engine = make_engine(url)
    if not seeding.is_seeded(engine):
        print(
            f"seeding {instructors:,} instructors:",
            seeding.seed(engine, instructors=instructors, seed=seed, start=date.today()),
        )
    built = build(engine)
    if built["embedded"]:
        print(f"index build for {instructors:,} instructors:", built)
    return engine


if __name__ == "__main__":
    import sys

    for n in sys.argv[1:] or ["1000", "10000"]:
        bench_engine(int(n))
