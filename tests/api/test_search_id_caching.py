"""Answers that carry a search_id (search, and browsing a service or category) are one person's: a
shared cache must not hand the same search_id (and the guest cookie beside it) to several people, so
they are Cache-Control: private. The catalog answers without a search_id stay public."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from tests.factories import new_client


@pytest.fixture(scope="module")
def client(indexed_engine) -> Iterator[TestClient]:
    with new_client(indexed_engine, settings=Settings()) as c:
        yield c


def _private(response) -> bool:
    value = response.headers.get("cache-control", "")
    return "private" in value and "public" not in value


def test_a_search_answer_is_private(client):
    searched = client.get("/api/search", params={"q": "piano lessons", "limit": 2})
    assert searched.status_code == 200 and searched.headers["x-search-id"]
    assert _private(searched), searched.headers.get("cache-control")


def test_a_browse_answer_and_its_revalidation_are_private(client):
    url, params = "/api/catalog/services/piano/instructors", {"limit": 2}
    browsed = client.get(url, params=params)
    assert browsed.status_code == 200 and browsed.json()["search_id"] == browsed.headers["x-search-id"]
    assert browsed.headers["cache-control"] == "private, max-age=30"  # the browser may still reuse it
    again = client.get(url, params=params, headers={"If-None-Match": browsed.headers["etag"]})
    assert again.status_code == 304 and again.headers["x-search-id"]
    assert again.headers["cache-control"] == "private, max-age=30"
    category = client.get("/api/catalog/categories/music/instructors", params=params)
    assert category.status_code == 200 and _private(category), category.headers.get("cache-control")
    past_the_end = client.get(url, params={"limit": 2, "offset": 9000})
    assert past_the_end.status_code == 200 and past_the_end.headers["x-search-id"]
    assert _private(past_the_end), past_the_end.headers.get("cache-control")


def test_catalog_answers_without_a_search_id_stay_public(client):
    tree = client.get("/api/catalog/categories")
    assert tree.status_code == 200 and "x-search-id" not in tree.headers
    assert tree.headers["cache-control"] == "public, max-age=300"


def test_bad_input_to_search_and_browse_is_still_a_4xx(indexed_engine):
    c = TestClient(create_app(Settings(), engine=indexed_engine), client=("10.95.0.1", 1))
    assert c.get("/api/search", params={"q": " "}).status_code == 422
    assert c.get("/api/catalog/services/piano/instructors", params={"limit": 0}).status_code == 422
    assert c.get("/api/catalog/services/no-such-service/instructors").status_code == 404
