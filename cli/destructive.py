"""Destructive commands (`python -m cli clean-db | drop-eval-db`, and the guarded paths of migrate,
seed and retention): each one names the database and its tier before it runs and refuses production
without --confirm-production <database> (core/tiers.py)."""

from __future__ import annotations

import os
import shutil
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import tiers
from core.db import normalize_url
from core.settings import PROJECT_ROOT, Settings, get_settings

ConfirmProduction = Annotated[
    str | None,
    typer.Option(
        "--confirm-production",
        metavar="DATABASE",
        help="required on a production database: its exact name (on a terminal you then type it again)",
    ),
]
TEST_PGDATA = PROJECT_ROOT / "var" / "pgdata-test"  # the tests' own embedded Postgres (TEST_PGDATA moves it)


def guarded(
    action: str, target: tiers.Target, confirm: str | None, details: dict[str, object] | None = None
) -> AbstractContextManager[tiers.Run]:
    return tiers.destructive(action, target, confirm=confirm, audit_log=get_settings().audit_log, details=details)


def clean_db(confirm_production: ConfirmProduction = None) -> None:
    """Drop the database: the embedded Postgres's folder (and the tests' one), or with DATABASE_URL every
    table of its public schema. `make run` migrates and reseeds it afterwards."""
    settings = get_settings()
    target = tiers.target_for(settings)
    with guarded("clean-db", target, confirm_production) as run:
        if settings.database_url:
            _drop_schema(settings)
            run.details["dropped"] = "schema public"
        else:
            folders = [settings.pgdata_dir, Path(os.environ.get("TEST_PGDATA", TEST_PGDATA))]
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)
            run.details["dropped"] = [str(f) for f in folders]
    typer.echo(f"dropped {target.name}")


def _drop_schema(settings: Settings) -> None:
    assert settings.database_url
    engine = create_engine(normalize_url(settings.database_url))
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def drop_eval_db(
    instructors: Annotated[int, typer.Option(help="which eval database: its size")] = 1000,
    url: Annotated[str | None, typer.Option(envvar="EVAL_DATABASE_URL", help="an eval database elsewhere")] = None,
    confirm_production: ConfirmProduction = None,
) -> None:
    """Drop the eval database (rebuilt, seeded and indexed by the next `make eval`)."""
    from core import embedded_pg
    from eval.dataset import database_name

    settings = get_settings()
    if url:
        target = tiers.target_for(settings, normalize_url(url))
    else:
        where = f"embedded Postgres in {settings.pgdata_dir}"
        target = tiers.Target(database_name(instructors), where, tiers.infer_tier(settings, ""))
    with guarded("drop-eval-db", target, confirm_production):
        if url:
            admin = make_url(normalize_url(url)).set(database="postgres")
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{target.name}" WITH (FORCE)'))
            finally:
                engine.dispose()
        else:
            embedded_pg.drop_database(embedded_pg.start(settings.pgdata_dir), target.name)
    typer.echo(f"dropped {target.name}")
