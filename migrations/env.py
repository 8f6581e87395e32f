"""Alembic environment: the URL comes from the caller (config attribute) or from core.db."""

from __future__ import annotations

from contextlib import ExitStack
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

import models
from core.db import resolve_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = models.Base.metadata


def _guard_cli_downgrade(url: str, stack: ExitStack) -> None:
    """`alembic downgrade` typed by a person is destructive: it names the database and its tier and
    refuses production without `-x confirm-production=<database>` (core/tiers.py). The programmatic
    calls (core.migrate, the tests, `python -m cli migrate --downgrade`, guarded itself) pass no
    command-line options and are not stopped here."""
    cmd = getattr(config.cmd_opts, "cmd", None)
    if not cmd or getattr(cmd[0], "__name__", "") != "downgrade":
        return
    from core import tiers
    from core.settings import get_settings

    settings = get_settings()
    confirm = context.get_x_argument(as_dictionary=True).get("confirm-production")
    target = tiers.target_for(settings, url)
    revision = getattr(config.cmd_opts, "revision", None)
    stack.enter_context(
        tiers.destructive(
            "alembic downgrade", target, confirm=confirm, audit_log=settings.audit_log, details={"to": revision}
        )
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.attributes.get("url") or resolve_url()
    engine = create_engine(url, poolclass=pool.NullPool)
    with ExitStack() as stack:
        _guard_cli_downgrade(url, stack)
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()


run_migrations_online()
