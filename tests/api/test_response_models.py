"""Every JSON operation but /api/search (its contract is owned elsewhere) declares its answer, and the
routes that answer with pre-serialized (cached) JSON answer what they declare."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.app import create_app
from api.schemas.catalog import BrowseOut, CategoryTreeOut
from api.schemas.health import HealthOut, ReadyOut
from api.schemas.public import NextAvailableOut, PublicAvailabilityOut, PublicProfileOut
from api.schemas.reviews import PublicReviewsOut
from api.schemas.search import SearchStatusOut
from core.settings import Settings
from tests.factories import make_instructor, nyc_today

NOT_DECLARED = {("get", "/api/search")}


@pytest.fixture(scope="module")
def client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


def test_every_json_operation_declares_its_answer(client):
    schema = client.get("/openapi.json").json()
    missing = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if (method, path) in NOT_DECLARED:
                continue
            for status, answer in op["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                declared = answer.get("content", {}).get("application/json", {}).get("schema")
                if not declared or declared == {} or ("$ref" not in declared and "type" not in declared):
                    missing.append(f"{method.upper()} {path} {status}")
    assert not missing


def _valid(model: type[BaseModel], response) -> None:
    assert response.status_code == 200, response.text
    model.model_validate(response.json(), strict=False)
    assert set(response.json()) == set(model.model_fields)  # nothing undeclared either


def test_cached_answers_match_their_models(client, engine):
    inst = make_instructor(engine)
    base = f"/api/public/instructors/{inst.profile_id}"
    _valid(PublicProfileOut, client.get(base))
    day = nyc_today() + timedelta(days=2)
    _valid(PublicAvailabilityOut, client.get(f"{base}/availability", params={"start_date": day.isoformat()}))
    _valid(NextAvailableOut, client.get(f"{base}/next-available"))
    _valid(CategoryTreeOut, client.get("/api/catalog/categories"))
    _valid(HealthOut, client.get("/health"))
    _valid(ReadyOut, client.get("/ready"))
    _valid(SearchStatusOut, client.get("/api/search/status"))
    _valid(BrowseOut, client.get("/api/catalog/services/piano/instructors"))
    _valid(BrowseOut, client.get("/api/catalog/categories/music/instructors"))
    _valid(BrowseOut, client.get("/api/catalog/categories/music/instructors", params={"sort": "price"}))
    _valid(PublicReviewsOut, client.get(f"{base}/reviews"))
