"""Database safety tiers (core/tiers.py): which tier a database is, and what a destructive command
does on each: local and staging run (after saying so), production only with --confirm-production
<its name> and, on a terminal, the name typed again. Every run lands in the audit log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core import tiers
from core.settings import Settings

REMOTE = "postgresql+psycopg://app:pw@db.internal.example:5432/instainstru"


class Stream(io.StringIO):
    def __init__(self, text: str = "", tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _target(tier: tiers.Tier, name: str = "instainstru") -> tiers.Target:
    return tiers.Target(name, "db.internal.example:5432", tier)


def _log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize(
    ("settings", "url", "tier"),
    [
        (Settings(), None, "local"),  # the embedded database
        (Settings(), "postgresql+psycopg://postgres:@/instainstru?host=/work/.pgdata", "local"),  # unix socket
        (Settings(), "postgresql://me@127.0.0.1/instainstru", "local"),
        (Settings(), "postgresql://me@localhost:5433/instainstru", "local"),
        (Settings(), REMOTE, "production"),  # unlabelled and elsewhere: the strictest
        (Settings(db_tier="staging"), REMOTE, "staging"),
        (Settings(db_tier="production"), None, "production"),
        (Settings(db_tier="local"), REMOTE, "local"),
    ],
)
def test_tier_inference(settings, url, tier):
    assert tiers.infer_tier(settings, url) == tier


def test_target_names_the_database_without_its_password():
    target = tiers.target_for(Settings(database_url=REMOTE))
    assert (target.name, target.where, target.tier) == ("instainstru", "db.internal.example:5432", "production")
    embedded = tiers.target_for(Settings(database_name="mine"))
    assert embedded.name == "mine" and "embedded" in embedded.where and embedded.tier == "local"


@pytest.mark.parametrize("tier", ["local", "staging"])
def test_local_and_staging_run_after_saying_so(tmp_path, tier):
    out, ran = Stream(tty=True), []
    with tiers.destructive("clean-db", _target(tier), confirm=None, audit_log=tmp_path / "a.jsonl", out=out):
        ran.append(True)
    assert ran == [True]
    said = out.getvalue()
    assert "database instainstru" in said and tier.upper() in said
    assert tiers.COLOURS[tier] in said  # in colour on a terminal
    (entry,) = _log(tmp_path / "a.jsonl")
    assert entry["what"] == "clean-db" and entry["database"] == "instainstru" and entry["tier"] == tier
    assert entry["outcome"] == "done" and "@" in entry["who"] and entry["when"]


def test_no_colour_when_not_on_a_terminal(tmp_path):
    out = Stream()
    with tiers.destructive("clean-db", _target("production"), confirm="instainstru", audit_log=tmp_path / "a", out=out):
        pass
    assert "PRODUCTION" in out.getvalue() and "\033[" not in out.getvalue()


@pytest.mark.parametrize(
    ("confirm", "why"), [(None, "--confirm-production instainstru"), ("instainstru_staging", "names")]
)
def test_production_is_refused_without_its_name(tmp_path, confirm, why):
    ran = []
    with pytest.raises(tiers.Refused) as refused:
        with tiers.destructive(
            "reseed", _target("production"), confirm=confirm, audit_log=tmp_path / "a", stdin=Stream(), out=Stream()
        ):
            ran.append(True)
    assert not ran and why in str(refused.value) and refused.value.code == 2
    (entry,) = _log(tmp_path / "a")
    assert entry["outcome"].startswith("refused") and entry["tier"] == "production"


def test_production_without_a_terminal_runs_with_the_flag(tmp_path):
    ran = []
    stdin = Stream(tty=False)
    with tiers.destructive(
        "reseed", _target("production"), confirm="instainstru", audit_log=tmp_path / "a", stdin=stdin
    ):
        ran.append(True)
    assert ran == [True] and _log(tmp_path / "a")[0]["outcome"] == "done"


@pytest.mark.parametrize(("typed", "runs"), [("instainstru\n", True), ("instainstr\n", False), ("", False)])
def test_production_on_a_terminal_needs_the_name_typed(tmp_path, typed, runs):
    ran: list[bool] = []
    out = Stream(tty=True)

    def work() -> None:
        with tiers.destructive(
            "alembic downgrade",
            _target("production"),
            confirm="instainstru",
            audit_log=tmp_path / "a",
            stdin=Stream(typed, tty=True),
            out=out,
        ):
            ran.append(True)

    if runs:
        work()
    else:
        with pytest.raises(tiers.Refused):
            work()
    assert ran == ([True] if runs else [])
    assert "Type the database name (instainstru)" in out.getvalue()
    assert _log(tmp_path / "a")[0]["outcome"] == (
        "done" if runs else "refused: the name typed does not match the database; nothing was done"
    )


def test_a_failed_run_is_logged_as_failed(tmp_path):
    with pytest.raises(RuntimeError):
        with tiers.destructive("drop-eval-db", _target("local"), confirm=None, audit_log=tmp_path / "a", out=Stream()):
            raise RuntimeError("disk full")
    assert _log(tmp_path / "a")[0]["outcome"] == "failed: RuntimeError: disk full"
