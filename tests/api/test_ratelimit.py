"""Rate limits: per IP and per user, separate budgets for search, writes and auth; 429 with
Retry-After; shared through Redis by every app (process) of a deployment; in-process when Redis is down."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.ratelimit import AUTH, SEARCH, WRITE, Budget, LocalWindows, RateLimiter, WindowCounter, classify
from core.redis_client import RedisHandle
from core.settings import Settings
from tests.factories import bearer, make_user
from tests.net import closed_port


def _ip() -> str:
    return f"10.41.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def small(**overrides: int) -> Settings:
    values: dict[str, Any] = {
        "rate_search_per_ip": 3,
        "rate_search_per_user": 100,
        "rate_write_per_ip": 100,
        "rate_write_per_user": 2,
        "rate_auth_per_ip": 2,
        "rate_auth_per_user": 100,
    }
    values.update(overrides)
    return Settings(**values)


def test_classify_budgets():
    assert classify("GET", "/api/search") == SEARCH
    assert classify("GET", "/api/catalog/categories/music/instructors") == SEARCH
    assert classify("POST", "/api/auth/login") == AUTH and classify("GET", "/api/auth/me") == AUTH
    assert classify("POST", "/api/bookings") == WRITE and classify("DELETE", "/api/history") == WRITE
    assert classify("GET", "/api/bookings") is None and classify("GET", "/health") is None


def test_search_budget_per_ip_gives_429_with_retry_after(indexed_engine):
    app = create_app(small(), engine=indexed_engine)
    ip = _ip()
    c = TestClient(app, client=(ip, 1))
    codes = [c.get("/api/search", params={"q": "piano"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = c.get("/api/search", params={"q": "piano"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["code"] == "rate_limited" and "try again in" in refused.json()["detail"]
    assert refused.headers["x-request-id"] and refused.headers["x-content-type-options"] == "nosniff"
    # other budgets and other addresses are untouched
    assert c.get("/health").status_code == 200
    assert c.get("/api/catalog/categories").status_code == 200
    assert TestClient(app, client=(_ip(), 1)).get("/api/search", params={"q": "piano"}).status_code == 200


def test_auth_budget_is_separate_from_search(engine):
    c = TestClient(create_app(small(), engine=engine), client=(_ip(), 1))
    body = {"email": f"rl-{uuid.uuid4().hex[:8]}@example.com", "password": "wrong password"}
    codes = [c.post("/api/auth/login", json=body).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    assert c.get("/api/search", params={"q": "drums"}).status_code != 429


def test_write_budget_per_user_spans_addresses(engine):
    app = create_app(small(), engine=engine)
    headers = bearer(make_user(engine))
    codes = [
        TestClient(app, client=(_ip(), 1)).post("/api/bookings", json={}, headers=headers).status_code for _ in range(3)
    ]
    assert codes == [422, 422, 429]  # invalid bodies still spend the budget
    assert (
        "account" in TestClient(app, client=(_ip(), 1)).post("/api/bookings", json={}, headers=headers).json()["detail"]
    )
    # a forged token is not a user: only the IP budget applies
    forged = {"Authorization": "Bearer not-a-token"}
    assert TestClient(app, client=(_ip(), 1)).post("/api/bookings", json={}, headers=forged).status_code == 401


def test_two_apps_sharing_redis_share_the_budget(indexed_engine):
    """Two API processes are two apps with their own Redis connections and in-process state."""
    one = TestClient(create_app(small(), engine=indexed_engine), client=(ip := _ip(), 1))
    two = TestClient(create_app(small(), engine=indexed_engine), client=(ip, 1))
    codes = [(one if i % 2 else two).get("/api/search", params={"q": "chess"}).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_in_process_limiter_takes_over_when_redis_is_down(indexed_engine):
    settings = small(redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    c = TestClient(create_app(settings, engine=indexed_engine), client=(_ip(), 1))
    codes = [c.get("/api/search", params={"q": "violin"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert int(c.get("/api/search", params={"q": "violin"}).headers["retry-after"]) >= 1


def test_limits_can_be_switched_off(indexed_engine):
    c = TestClient(create_app(small(rate_limit_enabled=False), engine=indexed_engine), client=(_ip(), 1))
    assert all(c.get("/api/search", params={"q": "flute"}).status_code == 200 for _ in range(5))


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", f"redis://127.0.0.1:{closed_port()}/0"])
def test_window_resets(url):
    limiter = RateLimiter(
        WindowCounter(RedisHandle(url)),
        {SEARCH: Budget(SEARCH, 2, 2)},
        window=1,
        namespace=f"test-{uuid.uuid4().hex}",
        secret="test-secret",
    )
    got = [limiter.check(SEARCH, ip="192.0.2.9").allowed for _ in range(3)]
    assert got == [True, True, False]
    time.sleep(1.1)
    assert limiter.check(SEARCH, ip="192.0.2.9").allowed


def test_local_windows_are_bounded():
    local = LocalWindows()
    for i in range(100_005):
        local.incr(f"k{i}", 0.000001)
    time.sleep(0.01)
    local.incr("last", 60)
    assert len(local._counts) < 100_000
