"""The destructive commands as people run them (subprocesses): clean-db, alembic downgrade, reseeding a
non-empty database, retention beyond its policy and dropping the eval database, on each tier. Production
is refused without --confirm-production <database>, and on a terminal (a pty here) without the name
typed; every run is in the audit log."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from core import embedded_pg, migrate
from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.db
SCRATCH = "instainstru_destructive"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DB_TIER", "EVAL_DATABASE_URL", "INSTAINSTRU_RESOLVED_DB_URL")
    }
    env.update(AUDIT_LOG=str(tmp_path / "audit.jsonl"), NO_COLOR="", **extra)
    return env


def _run(args: list[str], env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
    )


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "cli", *args], env)


def _audit(tmp_path: Path) -> list[dict]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _on_a_terminal(args: list[str], env: dict[str, str], typed: str) -> tuple[int, str]:
    """Run with a pty as standard input and output, typing `typed` once the prompt appears."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 120
    sent = False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not sent and b"Type the database name" in seen:
            os.write(leader, typed.encode() + b"\n")
            sent = True
    code = proc.wait(timeout=60)
    os.close(leader)
    return code, seen.decode(errors="replace")


@pytest.fixture
def folders(tmp_path):
    data, tests = tmp_path / "pgdata", tmp_path / "pgdata-test"
    for folder in (data, tests):
        folder.mkdir()
        (folder / "PG_VERSION").write_text("18\n")
    return data, tests


def _clean_db_env(tmp_path: Path, folders: tuple[Path, Path], **extra: str) -> dict[str, str]:
    return _env(tmp_path, PGDATA_DIR=str(folders[0]), TEST_PGDATA=str(folders[1]), **extra)


def test_clean_db_on_local_and_staging_runs_and_is_audited(tmp_path, folders):
    for tier in ("local", "staging"):
        for folder in folders:
            folder.mkdir(exist_ok=True)
        done = _cli("clean-db", env=_clean_db_env(tmp_path, folders, DB_TIER=tier))
        assert done.returncode == 0, done.stderr
        assert f"tier {tier.upper()}" in done.stderr and "database instainstru" in done.stderr
        assert not any(f.exists() for f in folders)
    assert [(e["what"], e["tier"], e["outcome"]) for e in _audit(tmp_path)] == [
        ("clean-db", "local", "done"),
        ("clean-db", "staging", "done"),
    ]


def test_clean_db_refuses_production_without_its_name(tmp_path, folders):
    env = _clean_db_env(tmp_path, folders, DB_TIER="production")
    refused = _cli("clean-db", env=env)
    assert refused.returncode == 2 and "--confirm-production instainstru" in refused.stderr
    wrong = _cli("clean-db", "--confirm-production", "instainstru_eval", env=env)
    assert wrong.returncode == 2
    assert all(f.exists() for f in folders)
    # without a terminal (CI), the flag with the exact name is the deliberate act
    done = _cli("clean-db", "--confirm-production", "instainstru", env=env)
    assert done.returncode == 0, done.stderr
    assert not any(f.exists() for f in folders)
    outcomes = [e["outcome"].split(":")[0] for e in _audit(tmp_path)]
    assert outcomes == ["refused", "refused", "done"]


def test_clean_db_on_a_terminal_needs_the_name_typed(tmp_path, folders):
    env = _clean_db_env(tmp_path, folders, DB_TIER="production")
    args = [sys.executable, "-m", "cli", "clean-db", "--confirm-production", "instainstru"]
    code, screen = _on_a_terminal(args, env, typed="yes")
    assert code == 2 and "does not match" in screen and all(f.exists() for f in folders)
    assert "\033[1;37;41m PRODUCTION " in screen  # the tier in colour on a terminal
    code, screen = _on_a_terminal(args, env, typed="instainstru")
    assert code == 0, screen
    assert not any(f.exists() for f in folders)


@pytest.fixture
def scratch(pg_server):
    embedded_pg.drop_database(pg_server, SCRATCH)
    embedded_pg.ensure_database(pg_server, SCRATCH)
    url = embedded_pg.url_for(pg_server, SCRATCH)
    migrate.upgrade(url)
    yield url
    embedded_pg.drop_database(pg_server, SCRATCH)


def _version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def test_alembic_downgrade_is_guarded(tmp_path, scratch):
    alembic = [str(Path(sys.executable).with_name("alembic")), "downgrade", "-1"]
    head = _version(scratch)
    refused = _run(alembic, _env(tmp_path, DATABASE_URL=scratch, DB_TIER="production"))
    assert refused.returncode != 0 and "--confirm-production" in refused.stderr
    assert _version(scratch) == head
    confirmed = [*alembic[:1], "-x", f"confirm-production={SCRATCH}", *alembic[1:]]
    done = _run(confirmed, _env(tmp_path, DATABASE_URL=scratch, DB_TIER="production"))
    assert done.returncode == 0, done.stderr
    assert _version(scratch) != head
    local = _cli("migrate", "--downgrade", "base", env=_env(tmp_path, DATABASE_URL=scratch))
    assert local.returncode == 0, local.stderr
    assert "tier LOCAL" in local.stderr
    engine = create_engine(scratch)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert [(e["what"], e["tier"], e["outcome"].split(":")[0]) for e in _audit(tmp_path)] == [
        ("alembic downgrade", "production", "refused"),
        ("alembic downgrade", "production", "done"),
        ("alembic downgrade", "local", "done"),
    ]


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_reseeding_a_non_empty_database_is_guarded(tmp_path, scratch):
    env = _env(tmp_path, DATABASE_URL=scratch)
    assert _cli("seed", "--instructors", "3", env=env).returncode == 0
    marker = (
        "INSERT INTO users (id, email, password_hash, full_name, role) "
        "VALUES (gen_random_uuid(), 'marker@example.test', 'x', 'M', 'student')"
    )
    engine = create_engine(scratch)
    with engine.begin() as conn:
        conn.execute(text(marker))
    engine.dispose()
    marked = "SELECT count(*) FROM users WHERE email = 'marker@example.test'"
    plain = _cli("seed", "--instructors", "3", env=env)  # without --reset nothing is touched
    assert plain.returncode == 0 and "nothing seeded" in plain.stderr and _count(scratch, marked) == 1
    prod = _env(tmp_path, DATABASE_URL=scratch, DB_TIER="production")
    refused = _cli("seed", "--instructors", "3", "--reset", env=prod)
    assert refused.returncode == 2 and _count(scratch, marked) == 1
    done = _cli("seed", "--instructors", "4", "--reset", env=env)
    assert done.returncode == 0, done.stderr
    assert _count(scratch, marked) == 0 and _count(scratch, "SELECT count(*) FROM instructor_profiles") == 4
    assert [(e["what"], e["tier"], e["outcome"].split(":")[0]) for e in _audit(tmp_path)] == [
        ("reseed", "production", "refused"),
        ("reseed", "local", "done"),
    ]


def test_retention_beyond_its_policy_is_guarded(tmp_path, scratch):
    prod = _env(tmp_path, DATABASE_URL=scratch, DB_TIER="production")
    within = _cli("retention", env=prod)  # the policy itself is routine: no guard, no audit line
    assert within.returncode == 0, within.stderr
    assert _audit(tmp_path) == []
    beyond = _cli("retention", "--soft-deleted-days", "7", env=prod)
    assert beyond.returncode == 2 and "production" in beyond.stderr
    assert _cli("retention", "--guest-days", "7", "--dry-run", env=prod).returncode == 0  # counts only
    done = _cli("retention", "--soft-deleted-days", "7", "--confirm-production", SCRATCH, env=prod)
    assert done.returncode == 0, done.stderr
    entries = _audit(tmp_path)
    assert [(e["what"], e["outcome"].split(":")[0]) for e in entries] == [
        ("retention beyond policy", "refused"),
        ("retention beyond policy", "done"),
    ]
    assert entries[1]["details"] == {"soft_deleted_days": "7 days (policy 90)"}


def test_dropping_the_eval_database_is_guarded(tmp_path, scratch):
    def exists() -> bool:
        return _count(scratch, f"SELECT count(*) FROM pg_database WHERE datname = '{SCRATCH}'") == 1

    prod = _env(tmp_path, EVAL_DATABASE_URL=scratch, DB_TIER="production")
    assert _cli("drop-eval-db", env=prod).returncode == 2 and exists()
    done = _cli("drop-eval-db", env=_env(tmp_path, EVAL_DATABASE_URL=scratch))
    assert done.returncode == 0, done.stderr
    assert "tier LOCAL" in done.stderr
    with pytest.raises(Exception):  # noqa: B017 - the database is gone: any connection error will do
        exists()
    assert [(e["what"], e["database"], e["outcome"].split(":")[0]) for e in _audit(tmp_path)] == [
        ("drop-eval-db", SCRATCH, "refused"),
        ("drop-eval-db", SCRATCH, "done"),
    ]
