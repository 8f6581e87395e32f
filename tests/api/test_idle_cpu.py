"""An API process that has answered a search and waits for the next one uses no CPU: on a 2-core box a
thread that spins while idle takes a core from Postgres and from the other requests."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.db
# Sentences that name no service: each is matched against the service cards (a numpy product).
GOALS = ("help my son with school", "something creative for my daughter", "get fit this winter")
IDLE_SECONDS = 0.5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User plus system time of the whole process, every thread included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_api_process_waiting_for_requests_burns_no_cpu(indexed_engine, db_url):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("INSTAINSTRU_RESOLVED_DB_URL", "DB_TIER")},
        "DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
        + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    idle = []
    try:
        deadline = time.monotonic() + 180
        while not _answers(base):
            assert server.poll() is None, server.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the API never answered"
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=30) as client:
            for goal in GOALS:
                assert client.get("/api/search", params={"q": goal}).status_code == 200
                before = _cpu_seconds(server.pid)
                time.sleep(IDLE_SECONDS)
                idle.append(_cpu_seconds(server.pid) - before)
    finally:
        server.terminate()
        server.communicate(timeout=60)
    # Idle, the process wakes only to write the search's history and impression behind it (a few ms).
    # OpenBLAS's second thread spun ~0.1 s after each product.
    assert statistics.median(idle) < 0.04, idle


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
