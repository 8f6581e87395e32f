"""F10: a browsing page past the instructors a service or category lists answers an empty page at once
(with the first page's total) instead of ranking and finding slots for everyone to fill pages that
cannot exist."""

from __future__ import annotations

import pytest

from api.routes import catalog as catalog_routes
from core.settings import Settings
from tests.factories import new_client


@pytest.fixture
def offsets(monkeypatch):
    """The offsets the ranking (index.search.browse) was asked for."""
    seen: list[int] = []
    real = catalog_routes.browse

    def spy(engine, filters, **kwargs):
        seen.append(kwargs["opts"].offset)
        return real(engine, filters, **kwargs)

    monkeypatch.setattr(catalog_routes, "browse", spy)
    return seen


@pytest.mark.parametrize(
    "path", ["/api/catalog/services/piano/instructors", "/api/catalog/categories/music/instructors"]
)
def test_an_offset_past_the_listed_instructors_ranks_nothing(indexed_engine, offsets, path):
    client = new_client(indexed_engine, settings=Settings(rate_limit_enabled=False))
    first = client.get(path, params={"limit": 20})
    assert first.status_code == 200 and first.json()["results"]
    deep = client.get(path, params={"limit": 20, "offset": 9_980})
    assert deep.status_code == 200
    assert deep.json()["results"] == [] and deep.json()["offset"] == 9_980
    assert deep.json()["total"] == first.json()["total"]
    assert all(o < 9_980 for o in offsets), offsets


def test_the_last_real_page_still_answers(indexed_engine):
    client = new_client(indexed_engine, settings=Settings(rate_limit_enabled=False))
    path = "/api/catalog/services/piano/instructors"
    everyone = []
    for offset in range(0, 1_000, 10):
        page = client.get(path, params={"limit": 10, "offset": offset}).json()["results"]
        everyone += [r["instructor"]["id"] for r in page]
        if len(page) < 10:
            break
    assert everyone and len(everyone) == len(set(everyone))


def test_deep_pages_slice_one_ranking(indexed_engine, offsets, monkeypatch):
    """Deep relevance pages come from one ranking of everyone listed, computed once, and hold exactly
    what paging to them one page at a time holds."""
    path = "/api/catalog/categories/music/instructors"
    client = new_client(indexed_engine, settings=Settings(rate_limit_enabled=False))
    monkeypatch.setattr(catalog_routes, "DEEP_FROM", 10**9)
    shallow = [client.get(path, params={"limit": 5, "offset": o}).json()["results"] for o in (10, 15, 20)]
    assert all(shallow)
    client.app.state.cache.bump()  # nothing cached from the shallow pages
    monkeypatch.setattr(catalog_routes, "DEEP_FROM", 10)
    offsets.clear()
    deep = [client.get(path, params={"limit": 5, "offset": o}).json()["results"] for o in (10, 15, 20)]
    assert [[r["instructor"]["id"] for r in p] for p in deep] == [[r["instructor"]["id"] for r in p] for p in shallow]
    assert offsets == [0]  # one ranking of everyone, then slices
