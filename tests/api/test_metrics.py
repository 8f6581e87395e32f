"""/metrics (Prometheus text), request ids in headers and in the JSON logs, search stage timings."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.logging import JsonFormatter, RequestIdFilter
from core.settings import Settings
from tests.factories import at, bearer, booking_body, cleanup, make_instructor, make_user, nyc_today


def sample(text: str, name: str, **labels) -> float:
    """The value of one series in a text exposition (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.compile(
        rf"^{re.escape(name)}(\{{{re.escape(want)}\}})? (\S+)$" if want else rf"^{re.escape(name)} (\S+)$", re.M
    )
    m = pattern.search(text)
    return float(m.groups()[-1]) if m else 0.0


@pytest.fixture
def client(indexed_engine):
    settings = Settings(rate_search_per_ip=10_000)
    ip = f"10.31.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    with TestClient(create_app(settings, engine=indexed_engine), client=(ip, 50000)) as c:
        yield c


def test_metrics_count_requests_per_route_template(client):
    before = client.get("/metrics").text
    instructor = str(uuid.uuid4())
    assert client.get(f"/api/public/instructors/{instructor}").status_code == 404
    client.get("/health")
    after = client.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    # the template, not the concrete id, so the label set stays small
    route = "/api/public/instructors/{instructor_id}"
    assert (
        sample(text, "instainstru_http_requests_total", method="GET", route=route, status="404")
        == sample(before, "instainstru_http_requests_total", method="GET", route=route, status="404") + 1
    )
    assert instructor not in text
    assert sample(text, "instainstru_http_request_duration_seconds_count", method="GET", route="/health") >= 1
    assert "instainstru_http_request_duration_seconds_bucket" in text


def test_search_stages_cache_and_pool_are_exported(client):
    q = f"guitar lessons in brooklyn {uuid.uuid4().hex[:6]}"
    before = client.get("/metrics").text
    first = client.get("/api/search", params={"q": q}).json()
    second = client.get("/api/search", params={"q": q}).json()
    assert not first["cached"] and second["cached"]
    # rank is measured now (it used to be always 0)
    assert first["timings_ms"]["rank"] > 0 and first["results"]
    text = client.get("/metrics").text
    for stage in ("parse", "embed", "retrieve", "slots", "rank"):
        assert (
            sample(text, "instainstru_search_stage_seconds_count", stage=stage)
            == sample(before, "instainstru_search_stage_seconds_count", stage=stage) + 1
        ), stage
    assert sample(text, "instainstru_searches_total", cached="true") >= 1
    assert sample(text, "instainstru_cache_hits_total") >= 1 and sample(text, "instainstru_cache_misses_total") >= 1
    assert sample(text, "instainstru_db_pool_size") == Settings().db_pool_size
    assert "instainstru_db_pool_checked_out" in text and "instainstru_redis_circuit_open 0.0" in text


def test_bookings_created_and_conflicts_are_counted(engine):
    try:
        inst = make_instructor(engine)
        headers = bearer(make_user(engine))
        other = bearer(make_user(engine))
        with TestClient(create_app(Settings(), engine=engine)) as c:
            before = c.get("/metrics").text
            body = booking_body(inst, at(nyc_today() + timedelta(days=2), 11))
            assert c.post("/api/bookings", json=body, headers=headers).status_code == 201
            assert c.post("/api/bookings", json=body, headers=other).status_code == 409
            after = c.get("/metrics").text
        assert (
            sample(after, "instainstru_bookings_created_total")
            == sample(before, "instainstru_bookings_created_total") + 1
        )
        assert (
            sample(after, "instainstru_booking_conflicts_total")
            == sample(before, "instainstru_booking_conflicts_total") + 1
        )
    finally:
        cleanup(engine)


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("instainstru")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_request_id_is_echoed_and_in_every_log_line(client, log_stream):
    r = client.get("/health")
    rid = r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    mine = client.get("/health", headers={"X-Request-ID": "support-ticket-42"})
    assert mine.headers["x-request-id"] == "support-ticket-42"
    # an id that could forge log lines or bloat headers is replaced
    bad = client.get("/health", headers={"X-Request-ID": "x" * 200})
    assert bad.headers["x-request-id"] != "x" * 200 and len(bad.headers["x-request-id"]) == 32
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    access = [e for e in lines if e["logger"] == "instainstru.access"]
    assert {e["request_id"] for e in access} >= {rid, "support-ticket-42"}
    entry = next(e for e in access if e["request_id"] == "support-ticket-42")
    assert entry["status"] == 200 and entry["route"] == "/health" and entry["method"] == "GET"
    assert entry["duration_ms"] >= 0 and entry["level"] == "info"


def test_unhandled_error_is_a_json_500_with_the_request_id(indexed_engine, log_stream):
    app = create_app(Settings(), engine=indexed_engine)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("kaboom")

    with TestClient(app) as c:
        r = c.get("/boom-for-test")
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "internal_error" and body["request_id"] == r.headers["x-request-id"]
    assert "kaboom" not in r.text  # no internals leak to the caller
    logged = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    err = next(e for e in logged if e["logger"] == "instainstru.error")
    assert err["request_id"] == body["request_id"] and "kaboom" in err["exc"]
