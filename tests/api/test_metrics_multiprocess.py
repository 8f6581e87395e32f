"""Prometheus multiprocess mode: uvicorn with 2 workers and PROMETHEUS_MULTIPROC_DIR; whichever worker
answers /metrics reports the requests both served."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.net import served_api

pytestmark = pytest.mark.db
REQUESTS = 200
SERIES = re.compile(r'^instainstru_http_requests_total\{method="GET",route="/health/lite",status="200"\} (\S+)$', re.M)


def served_per_worker(folder) -> dict[str, float]:
    """Each worker's own count of the series, read from its file in the multiprocess folder."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        for metric in MultiProcessCollector.merge([str(path)], accumulate=False):
            for sample in metric.samples:
                if sample.name == "instainstru_http_requests_total" and sample.labels.get("route") == "/health/lite":
                    counts[path.stem.removeprefix("counter_")] = sample.value
    return counts


def test_counters_add_up_across_two_workers(db_url, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    with served_api(db_url, env={"PROMETHEUS_MULTIPROC_DIR": str(folder)}, workers=2) as (server, base):
        deadline = time.monotonic() + 180
        # Both workers up: each made its files (they import the metrics while starting).
        while len(list(folder.glob("counter_*.db"))) < 2:
            assert server.poll() is None, server.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "uvicorn with 2 workers never started both"
            time.sleep(0.5)

        def load(n: int) -> None:
            for _ in range(n):
                # A new connection each time, so the kernel hands them to either worker.
                assert httpx.get(f"{base}/health/lite", headers={"Connection": "close"}).status_code == 200

        threads = [threading.Thread(target=load, args=(REQUESTS // 8,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        scraped = []
        for _ in range(6):  # several scrapes, answered by either worker
            body = httpx.get(f"{base}/metrics", headers={"Connection": "close"}).text
            scraped.append(float(SERIES.search(body).group(1)))  # type: ignore[union-attr]
        per_worker = served_per_worker(folder)
    assert len(per_worker) == 2 and all(n > 0 for n in per_worker.values()), per_worker  # both served some
    assert sum(per_worker.values()) == REQUESTS
    assert scraped == [REQUESTS] * len(scraped)  # every scrape adds both workers up
