"""Sixteen students searching at once are served on the connections the API already holds: its pool
closes none of them between rounds of searches. A pool smaller than the searches in flight
closed each connection beyond its size when it came back and opened another for the next search
(a new Postgres process, its plans lost: 2.5 ms of Postgres CPU a search at 10k)."""

from __future__ import annotations

import asyncio
import itertools
import re

import httpx
import pytest

from tests.net import served_api

pytestmark = pytest.mark.db
CLIENTS = 16
SERVICES = ("piano", "guitar", "swimming", "spanish", "chess", "yoga", "drums", "tennis")
PLACES = ("in park slope", "in astoria", "in harlem", "in the bronx", "in williamsburg", "on the upper west side")
WHO = ("for my 8 year old", "for adults", "for teens", "for beginners")


def _sentences() -> list[str]:
    """Distinct searches, so that every one is computed (none is answered from the cache)."""
    return [" ".join(words) for words in itertools.product(SERVICES, WHO, PLACES)]


def _turnover(client: httpx.Client) -> tuple[float, float]:
    text = client.get("/metrics").text
    counts = []
    for name in ("opened", "closed"):
        found = re.search(rf"^instainstru_db_pool_connections_{name}_total (\S+)$", text, re.M)
        assert found, f"/metrics has no instainstru_db_pool_connections_{name}_total"
        counts.append(float(found.group(1)))
    return counts[0], counts[1]


async def _at_once(base: str, queries: list[str]) -> list[int]:
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        answers = await asyncio.gather(*(client.get("/api/search", params={"q": q}) for q in queries))
    return [a.status_code for a in answers]


def test_concurrent_searches_reuse_the_pools_connections(indexed_engine, db_url):
    sentences = iter(_sentences())
    with served_api(db_url) as (_, base), httpx.Client(base_url=base, timeout=30) as client:
        # A first round opens the connections that sixteen searches at once need.
        assert asyncio.run(_at_once(base, [next(sentences) for _ in range(CLIENTS)])) == [200] * CLIENTS
        opened, closed = _turnover(client)
        for _ in range(3):
            statuses = asyncio.run(_at_once(base, [next(sentences) for _ in range(CLIENTS)]))
            assert statuses == [200] * CLIENTS
        _, closed_after = _turnover(client)
    assert opened > 0  # the counter counts: the first round opened the pool's connections
    assert closed_after - closed == 0, f"{closed_after - closed:.0f} connections closed and reopened under load"
