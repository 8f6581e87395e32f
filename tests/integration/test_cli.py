"""A DATABASE_URL that cannot serve the product stops setup with one clear line, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from core.settings import PROJECT_ROOT


def _run_setup(url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("INSTAINSTRU_RESOLVED_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "cli", "setup"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_unreachable_database_gives_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _run_setup(f"postgresql://nobody@127.0.0.1:{port}/nothing")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot connect to the database")


def test_database_without_pgvector_names_the_missing_extension():
    # The machine's system PostgreSQL 15 has no pgvector: exactly the case a user would hit.
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        pytest.skip("no system PostgreSQL on 127.0.0.1:5432")
    result = _run_setup("postgresql://postgres@127.0.0.1:5432/postgres")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "lacks the Postgres extension(s) vector" in result.stderr
