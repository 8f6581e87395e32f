"""The search's query parameters are read in one validation (#18); a client sees what FastAPI's own
reading gave: the same 422s, lists read whole, a repeated value read once, unknown names ignored, and
every parameter documented in the OpenAPI schema."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings


@pytest.fixture(scope="module")
def client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


def test_a_missing_query_is_named_without_an_input(client):
    answer = client.get("/api/search")
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"type": "missing", "loc": ["query", "q"], "msg": "Field required", "input": None}
    ]


def test_unreadable_values_are_each_named(client):
    answer = client.get("/api/search?q=piano&limit=ten&lat=north&lng=1&sort=cheapest&record=perhaps")
    assert answer.status_code == 422
    named = {tuple(e["loc"]): (e["type"], e["input"]) for e in answer.json()["detail"]}
    assert named == {
        ("query", "limit"): ("int_parsing", "ten"),
        ("query", "lat"): ("float_parsing", "north"),
        ("query", "sort"): ("literal_error", "cheapest"),
        ("query", "record"): ("bool_parsing", "perhaps"),
    }


def test_a_list_is_read_whole_and_a_single_value_once(client):
    bad = client.get("/api/search?q=piano&drop=moon&drop=price")
    assert bad.status_code == 422 and "Cannot drop moon" in bad.text  # the first of two drops counted
    both = client.get("/api/search?q=piano lessons&limit=1&limit=3&offset=0")
    assert both.status_code == 200
    assert len(both.json()["results"]) == 3  # as before: the last of a repeated value
    odd = client.get("/api/search?q=piano lessons&colour=blue")
    assert odd.status_code == 200  # a name the search does not take is ignored


def test_the_schema_documents_every_parameter(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/search"]["get"]
    documented = {p["name"]: (p["in"], p["required"]) for p in operation["parameters"]}
    names = "q limit offset tz lat lng drop sort price_min price_max format day time_of_day level record"
    assert documented == {name: ("query", name == "q") for name in names.split()}
    by_name = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert by_name["q"]["maxLength"] == 5000
    assert (by_name["limit"]["minimum"], by_name["limit"]["maximum"], by_name["limit"]["default"]) == (1, 50, 20)
    assert "422" in operation["responses"]
