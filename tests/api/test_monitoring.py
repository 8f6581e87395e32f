"""Monitoring: the slow-request and slow-query rings (GET /api/monitoring/...), their metrics, the
monitoring key on them and on /metrics (also as a Bearer token, which is what Prometheus sends),
/health/lite never touching the database, the search outcome counters and the series read from the
database at scrape time (outbox backlog, replica lag, scheduled jobs)."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text

from api.app import create_app
from core import monitoring
from core.settings import Settings
from tests.api.test_metrics import sample
from tests.net import closed_port

KEY = "k" * 40
STRONG = "s" * 40


@pytest.fixture
def rings():
    """Empty rings with the default thresholds back after the test (they are per process)."""
    monitoring.REQUESTS.clear()
    monitoring.QUERIES.clear()
    yield
    monitoring.configure(Settings())
    monitoring.REQUESTS.clear()
    monitoring.QUERIES.clear()


def _app(engine, **settings):
    app = create_app(Settings(**settings), engine=engine)

    @app.get("/sleep-for-test")
    def sleepy(ms: int = 0):
        time.sleep(ms / 1000)
        return {"slept": ms}

    @app.get("/sql-for-test")
    def sql(ms: int = 0):
        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(:s), :secret AS marker"), {"s": ms / 1000, "secret": "hunter2-secret"})
        return {"slept": ms}

    return app


def test_slow_requests_keep_route_duration_and_request_id(engine, rings):
    with TestClient(_app(engine, slow_request_ms=200)) as c:
        before = c.get("/metrics").text
        rid = f"slow-{uuid.uuid4().hex[:8]}"
        c.get("/sleep-for-test", params={"ms": 400}, headers={"X-Request-ID": rid})
        c.get("/sleep-for-test", params={"ms": 0}, headers={"X-Request-ID": "fast-one"})
        c.get("/sleep-for-test", params={"ms": 250}, headers={"X-Request-ID": "second"})
        answer = c.get("/api/monitoring/slow-requests")
        after = c.get("/metrics").text
    assert answer.status_code == 200
    body = answer.json()
    assert body["threshold_ms"] == 200 and body["capacity"] == 200
    items = [i for i in body["items"] if i["route"] == "/sleep-for-test"]
    assert [i["request_id"] for i in items] == [rid, "second"]  # slowest first, the fast one left out
    first = items[0]
    assert first["route"] == "/sleep-for-test" and first["method"] == "GET" and first["status"] == 200
    assert first["duration_ms"] >= 400
    labels = {"method": "GET", "route": "/sleep-for-test"}
    assert sample(after, "instainstru_slow_requests_total", **labels) == (
        sample(before, "instainstru_slow_requests_total", **labels) + 2
    )


def test_slow_queries_keep_the_statement_without_its_parameters(engine, rings):
    with TestClient(_app(engine, slow_query_ms=150)) as c:
        before = c.get("/metrics").text
        c.get("/sql-for-test", params={"ms": 300}, headers={"X-Request-ID": "slow-sql"})
        c.get("/sql-for-test", params={"ms": 0}, headers={"X-Request-ID": "fast-sql"})
        answer = c.get("/api/monitoring/slow-queries", params={"limit": 5})
        after = c.get("/metrics").text
    items = [i for i in answer.json()["items"] if "pg_sleep" in i["statement"]]
    assert [i["request_id"] for i in items] == ["slow-sql"]
    assert "pg_sleep" in items[0]["statement"] and items[0]["duration_ms"] >= 300
    assert "hunter2" not in answer.text
    assert sample(after, "instainstru_slow_queries_total") == sample(before, "instainstru_slow_queries_total") + 1
    # every statement is timed, slow or not
    assert sample(after, "instainstru_db_query_duration_seconds_count") >= (
        sample(before, "instainstru_db_query_duration_seconds_count") + 2
    )


def test_the_ring_is_bounded_and_lists_the_slowest_first():
    ring = monitoring.SlowRing(3, threshold_ms=10)
    for ms in (50, 5, 20, 30, 40, 11):
        ring.offer(ms, statement=f"q{ms}")
    assert len(ring) == 3  # 30, 40, 11: the last three kept; 5 was never slow enough
    assert [e.duration_ms for e in ring.slowest(10)] == [40, 30, 11]
    assert [e.duration_ms for e in ring.slowest(1)] == [40]
    ring.resize(1)
    assert [e.detail["statement"] for e in ring.slowest(5)] == ["q11"]


def test_bad_limits_are_422(engine):
    c = TestClient(create_app(Settings(), engine=engine))
    for limit in ("0", "501", "many"):
        assert c.get("/api/monitoring/slow-queries", params={"limit": limit}).status_code == 422


def test_monitoring_endpoints_need_the_key(engine):
    c = TestClient(create_app(Settings(monitoring_api_key=KEY), engine=engine))
    for path in ("/api/monitoring/slow-requests", "/api/monitoring/slow-queries", "/metrics"):
        assert c.get(path).status_code == 401, path
        assert c.get(path, headers={"X-Monitoring-API-Key": "k" * 39}).status_code == 401, path
        assert c.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401, path
        assert c.get(path, headers={"X-Monitoring-API-Key": KEY}).status_code == 200, path
        # Prometheus 2.x can send the key only as a bearer token (authorization.credentials_file)
        assert c.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200, path
    closed = TestClient(create_app(Settings(environment="production", secret_key=STRONG), engine=engine))
    refused = closed.get("/api/monitoring/slow-queries")
    assert refused.status_code == 403 and "MONITORING_API_KEY" in refused.json()["detail"]


def test_health_lite_never_touches_the_database(engine):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    c = TestClient(create_app(Settings(), engine=engine))
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            assert c.get("/health/lite").json() == {"status": "ok"}
        lite = list(statements)
        c.get("/ready")  # the listener does see a route that reads the database
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert lite == [] and statements
    dead = create_engine(f"postgresql+psycopg://x@127.0.0.1:{closed_port()}/x", connect_args={"connect_timeout": 1})
    down = TestClient(create_app(Settings(), engine=dead))
    t0 = time.perf_counter()
    assert down.get("/health/lite").status_code == 200
    assert time.perf_counter() - t0 < 0.5
    assert down.get("/ready").status_code == 503


def test_search_outcomes_are_counted(indexed_engine):
    settings = Settings(rate_search_per_ip=10_000)
    with TestClient(create_app(settings, engine=indexed_engine)) as c:
        before = c.get("/metrics").text
        nothing = c.get("/api/search", params={"q": f"glassblowing classes {uuid.uuid4().hex[:5]}"}).json()
        relaxed = c.get("/api/search", params={"q": "violin lessons in tottenville under $20 today at 6am"}).json()
        plain = c.get("/api/search", params={"q": "piano lessons"}).json()
        assert c.get("/api/search", params={"q": " "}).status_code == 422  # not an answer: not counted
        after = c.get("/metrics").text
    assert nothing["total"] == 0 and nothing["no_match"]
    assert relaxed["relaxed"] and plain["total"] > 0
    answers = (nothing, relaxed, plain)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("instainstru_search_responses_total") == 3
    assert grew("instainstru_search_zero_results_total") == sum(1 for a in answers if a["total"] == 0)
    assert grew("instainstru_search_no_match_total") == 1
    assert grew("instainstru_search_relaxed_total") == sum(1 for a in answers if a["relaxed"])
    for step in relaxed["relaxed"]:
        expected = sum(1 for a in answers if step in a["relaxed"])
        assert grew("instainstru_search_relaxations_total", step=step) == expected, step


def _scrape(engine) -> str:
    return TestClient(create_app(Settings(), engine=engine)).get("/metrics").text


def test_database_series_are_read_at_scrape_time(engine):
    from services import jobs

    before = _scrape(engine)
    ids = [uuid.uuid4() for _ in range(3)]
    rows = [(ids[0], "NULL", 0), (ids[1], "now()", 1), (ids[2], "NULL", 5)]  # pending, sent, out of attempts
    with engine.begin() as conn:
        for id_, sent_at, attempts in rows:
            conn.execute(
                text(
                    "INSERT INTO outbox (id, kind, recipient, subject, body, attempts, sent_at, created_at) "
                    f"VALUES (:id, 'test', 'm@example.test', 's', 'b', :a, {sent_at}, now() - interval '1 hour')"
                ),
                {"id": id_, "a": attempts},
            )
    try:
        jobs.run_if_due(engine, f"test-job-{uuid.uuid4().hex[:6]}", 60, lambda: None)
        after = _scrape(engine)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox WHERE id = ANY(:ids)"), {"ids": ids})
    assert sample(after, "instainstru_db_up") == 1
    assert sample(after, "instainstru_outbox_pending") == sample(before, "instainstru_outbox_pending") + 1
    assert sample(after, "instainstru_outbox_dead") == sample(before, "instainstru_outbox_dead") + 1
    assert sample(after, "instainstru_outbox_oldest_pending_seconds") >= 3600
    assert sample(after, "instainstru_db_replica_lag_seconds") == 0  # no replica streams from the test server
    assert sample(after, "instainstru_db_replicas") == 0
    assert "instainstru_job_last_success_timestamp_seconds{job=" in after
    assert "instainstru_job_runs_total{job=" in after
    dead = create_engine(f"postgresql+psycopg://x@127.0.0.1:{closed_port()}/x", connect_args={"connect_timeout": 1})
    down = TestClient(create_app(Settings(), engine=dead)).get("/metrics")
    assert down.status_code == 200 and sample(down.text, "instainstru_db_up") == 0
    assert "instainstru_outbox_pending" not in down.text


def test_cancellations_are_counted_by_who_cancelled(engine):
    from datetime import timedelta

    from tests.factories import at, bearer, booking_body, cleanup, make_instructor, make_user, nyc_today

    try:
        inst = make_instructor(engine)
        headers = bearer(make_user(engine))
        with TestClient(create_app(Settings(), engine=engine)) as c:
            before = c.get("/metrics").text
            made = c.post(
                "/api/bookings", json=booking_body(inst, at(nyc_today() + timedelta(days=3), 10)), headers=headers
            )
            assert made.status_code == 201
            assert c.post(f"/api/bookings/{made.json()['id']}/cancel", headers=headers).status_code == 200
            after = c.get("/metrics").text
        name = "instainstru_booking_cancellations_total"
        assert sample(after, name, by="student") == sample(before, name, by="student") + 1
        assert sample(after, name, by="instructor") == sample(before, name, by="instructor")
    finally:
        cleanup(engine)
