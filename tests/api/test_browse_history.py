"""Browsing a category or a service pill records a category or service_pill history entry."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings


@pytest.fixture(scope="module")
def client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


def test_pill_and_category_browsing_are_remembered(client):
    guest = {"X-Guest-Session-ID": uuid.uuid4().hex}
    pill = client.get("/api/catalog/services/piano/instructors", headers=guest)
    assert pill.status_code == 200 and pill.json()["results"]
    category = client.get("/api/catalog/categories/music/instructors", headers=guest)
    assert category.status_code == 200 and category.json()["results"]
    assert all(r["service"]["category"] == "music" for r in category.json()["results"])
    client.get("/api/catalog/services/piano/instructors", headers=guest, params={"offset": 20})  # paging: no entry
    entries = client.get("/api/search-history", headers=guest).json()
    kinds = {(e["query"], e["search_type"], e["search_count"]) for e in entries}
    assert kinds == {("Piano", "service_pill", 1), ("Music", "category", 1)}


def test_unknown_category_is_a_clear_404(client):
    response = client.get("/api/catalog/categories/underwater-basketry/instructors")
    assert response.status_code == 404 and "underwater-basketry" in response.text
