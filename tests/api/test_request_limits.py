"""F1: a validation error never amplifies a request. The error list is capped (a few errors, inputs
cut short, a small body) and JSON bodies have a depth and key-count limit checked before parsing, so a
1 MB body of unknown keys is refused in milliseconds instead of answering megabytes after seconds."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from tests.factories import new_client

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(engine) -> TestClient:
    return new_client(engine, settings=Settings(rate_limit_enabled=False))


def _many_keys(n: int) -> bytes:
    return json.dumps({f"k{i:x}": 0 for i in range(n)}, separators=(",", ":")).encode()


def test_a_megabyte_of_unknown_keys_is_refused_small_and_fast(client):
    body = _many_keys(90_000)
    assert 900_000 < len(body) < 1_000_000  # under the body size limit: the probe's request
    client.post("/api/auth/register", content=b"{}", headers=JSON)  # warm
    answer = client.post("/api/auth/register", content=body, headers=JSON)
    assert answer.status_code == 422
    assert answer.json()["code"] == "json_too_many_keys"
    assert len(answer.content) < 1_000  # how fast it refuses is measured by `make probes`, not asserted here


def test_the_error_list_is_capped(client):
    """Under the key limit, many errors still answer a few of them and say how many there were."""
    answer = client.post("/api/auth/register", content=_many_keys(500), headers=JSON)
    assert answer.status_code == 422
    data = answer.json()
    assert len(data["detail"]) <= 10 and data["errors_total"] >= 500
    assert all("msg" in e and "loc" in e for e in data["detail"])
    assert len(answer.content) < 4_000


def test_long_inputs_are_not_echoed(client):
    answer = client.post(
        "/api/auth/register", json={"email": "x" * 300_000, "password": 5, "full_name": ["y" * 300_000]}
    )
    assert answer.status_code == 422
    assert len(answer.content) < 4_000


def test_deep_json_is_refused_before_parsing(client):
    deep = '{"email": "a@b.co", "password": "p4ssw0rd-long", "full_name": "A", "x": ' + "[" * 64 + "]" * 64 + "}"
    answer = client.post("/api/auth/register", content=deep.encode(), headers=JSON)
    assert answer.status_code == 422 and answer.json()["code"] == "json_too_deep"
    very_deep = "[" * 100_000 + "]" * 100_000
    answer = client.post("/api/auth/register", content=very_deep.encode(), headers=JSON)
    assert answer.status_code == 422 and answer.json()["code"] == "json_too_deep"


def test_strings_that_look_like_structure_do_not_count(client):
    """Brackets, colons and quotes inside strings are text, not nesting or keys."""
    name = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ \\" :::: {{{{ ' * 40
    answer = client.post(
        "/api/auth/register",
        content=json.dumps({"email": "bad", "password": "x", "full_name": name}).encode(),
        headers=JSON,
    )
    assert answer.status_code == 422 and isinstance(answer.json()["detail"], list)


def test_the_limits_are_settings(engine):
    strict = TestClient(
        create_app(Settings(rate_limit_enabled=False, max_json_keys=3, max_json_depth=2), engine=engine)
    )
    assert strict.post("/api/auth/register", content=_many_keys(4), headers=JSON).json()["code"] == "json_too_many_keys"
    nested = b'{"a": {"b": {"c": 1}}}'
    assert strict.post("/api/auth/register", content=nested, headers=JSON).json()["code"] == "json_too_deep"
    assert strict.post("/api/auth/register", content=b'{"a": {"b": 1}}', headers=JSON).status_code == 422
