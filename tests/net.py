"""Network helpers shared by tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from core.settings import PROJECT_ROOT


def closed_port() -> int:
    """A local port nothing listens on (bound once and released): a Redis or Postgres that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_api(
    db_url: str, *, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[tuple[subprocess.Popen, str]]:
    """The API served by uvicorn in a process of its own (`--workers`), on the database at `db_url`:
    (the process, its base URL) once /health answers; stopped when the block ends."""
    port = closed_port()  # nothing listens on it yet: uvicorn will
    server_env = {
        **{k: v for k, v in os.environ.items() if k not in ("INSTAINSTRU_RESOLVED_DB_URL", "DB_TIER")},
        "DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--workers", str(workers)]
        + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not answers(base):
            assert server.poll() is None, server.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "uvicorn never answered"
            time.sleep(0.3)
        yield server, base
    finally:
        server.terminate()
        server.communicate(timeout=60)


def answers(base: str) -> bool:
    """Whether the API at `base` answers /health (not a counted route)."""
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
