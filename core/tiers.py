"""Database safety tiers: local, staging, production.

DB_TIER names the tier; unset, the embedded database (and any database on this machine: a unix
socket or a loopback address) is local and any other is production, the strictest, so an unlabelled
remote database is never treated lightly.

Every destructive command (make clean-db, reseeding a non-empty database, an Alembic downgrade,
retention beyond its policy, dropping the eval database) goes through `destructive()`:

- it prints the tier and the database, in colour, before anything runs;
- production is refused unless the command was given `--confirm-production <database name>` (the
  exact name) and, when standard input is a terminal, the operator then types that name again. A run
  without a terminal (CI) can only pass with the flag naming the database: never by accident;
- each run, refused or not, is appended to the audit log (AUDIT_LOG, JSON lines: who, when, what,
  which database and tier, the outcome).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TextIO

from sqlalchemy.engine import make_url

from core.settings import Settings

Tier = Literal["local", "staging", "production"]
COLOURS = {"local": "\033[1;32m", "staging": "\033[1;33m", "production": "\033[1;37;41m"}
RESET = "\033[0m"
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


class Refused(SystemExit):
    """A destructive command that may not run; exits with status 2 and says why."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def infer_tier(settings: Settings, url: str | None = None) -> Tier:
    """DB_TIER when set; else local for the embedded database or one on this machine, else production."""
    if settings.db_tier:
        return settings.db_tier
    url = url if url is not None else settings.database_url
    if not url:
        return "local"
    parsed = make_url(url)
    host = parsed.host or str(parsed.query.get("host") or "")
    return "local" if host in LOCAL_HOSTS or host.startswith("/") else "production"


@dataclass
class Target:
    """The database a destructive command acts on."""

    name: str  # the database's name: what --confirm-production must repeat
    where: str  # host or folder, for humans (never a password)
    tier: Tier


def target_for(settings: Settings, url: str | None = None, *, name: str | None = None) -> Target:
    """The target of a command on `url` (default: the configured database, embedded when unset)."""
    url = url if url is not None else settings.database_url
    if url:
        parsed = make_url(url)
        where = parsed.host or str(parsed.query.get("host") or "localhost")
        if parsed.port:
            where = f"{where}:{parsed.port}"
        return Target(name or parsed.database or "", where, infer_tier(settings, url))
    return Target(name or settings.database_name, f"embedded Postgres in {settings.pgdata_dir}", infer_tier(settings))


@dataclass
class Run:
    """What the audit log records of one destructive run."""

    action: str
    target: Target
    details: dict[str, object] = field(default_factory=dict)
    outcome: str = "started"


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()}"


def audit(path: Path, run: Run) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "who": who(),
        "what": run.action,
        "database": run.target.name,
        "where": run.target.where,
        "tier": run.target.tier,
        "outcome": run.outcome,
        "argv": sys.argv,
        **({"details": run.details} if run.details else {}),
    }
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry, default=str) + "\n")


def banner(action: str, target: Target, *, colour: bool) -> str:
    tier = target.tier.upper()
    if colour:
        tier = f"{COLOURS[target.tier]} {tier} {RESET}"
    return f"{action}: database {target.name} ({target.where}), tier {tier}"


@contextmanager
def destructive(
    action: str,
    target: Target,
    *,
    confirm: str | None,
    audit_log: Path,
    details: dict[str, object] | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    ask: Callable[[str], str] | None = None,
) -> Iterator[Run]:
    """Say what is about to be destroyed, refuse production without the confirmation, and record the
    run: the body of the `with` is the destructive work; its outcome (done, failed, refused) is logged."""
    stdin = stdin or sys.stdin
    out = out or sys.stderr
    run = Run(action, target, dict(details or {}))
    colour = out.isatty() and not os.environ.get("NO_COLOR")
    print(banner(action, target, colour=colour), file=out, flush=True)
    try:
        if target.tier == "production":
            _confirm_production(target, confirm, stdin=stdin, out=out, ask=ask)
    except Refused as refused:
        run.outcome = f"refused: {refused.message}"
        audit(audit_log, run)
        print(f"refused: {refused.message}", file=out, flush=True)
        raise
    try:
        yield run
    except BaseException as exc:
        run.outcome = f"failed: {type(exc).__name__}: {exc}"[:500]
        audit(audit_log, run)
        raise
    run.outcome = "done"
    audit(audit_log, run)


def _confirm_production(
    target: Target, confirm: str | None, *, stdin: TextIO, out: TextIO, ask: Callable[[str], str] | None
) -> None:
    if confirm is None:
        raise Refused(
            f"{target.name} is a production database; run again with --confirm-production {target.name} if you mean it"
        )
    if confirm != target.name:
        raise Refused(f"--confirm-production names {confirm!r}, but this database is {target.name!r}")
    if stdin.isatty():
        prompt = f"Type the database name ({target.name}) to go ahead: "
        try:
            typed = (ask or _ask(stdin, out))(prompt)
        except EOFError:
            typed = ""
        if typed.strip() != target.name:
            raise Refused("the name typed does not match the database; nothing was done")


def _ask(stdin: TextIO, out: TextIO) -> Callable[[str], str]:
    def read(prompt: str) -> str:
        print(prompt, end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            raise EOFError
        return line

    return read
