"""An API process that has answered a search and waits for the next one uses no CPU: on a 2-core box a
thread that spins while idle takes a core from Postgres and from the other requests."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.net import served_api

pytestmark = pytest.mark.db
# Sentences that name no service: each is matched against the service cards (a numpy product).
GOALS = ("help my son with school", "something creative for my daughter", "get fit this winter")
IDLE_SECONDS = 0.5


def _cpu_seconds(pid: int) -> float:
    """User plus system time of the whole process, every thread included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_api_process_waiting_for_requests_burns_no_cpu(indexed_engine, db_url):
    idle = []
    with served_api(db_url) as (server, base), httpx.Client(base_url=base, timeout=30) as client:
        for goal in GOALS:
            assert client.get("/api/search", params={"q": goal}).status_code == 200
            before = _cpu_seconds(server.pid)
            time.sleep(IDLE_SECONDS)
            idle.append(_cpu_seconds(server.pid) - before)
    # Idle, the process wakes only to write the search's history and impression behind it (a few ms).
    # OpenBLAS's second thread spun ~0.1 s after each product.
    assert statistics.median(idle) < 0.04, idle
