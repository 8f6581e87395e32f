"""F2: a login flood must not exhaust the database pool. Password checks run without a pooled
connection checked out, and concurrent Argon2 work is bounded: past the bound, a login is answered
503 with Retry-After at once instead of queueing on the threads and connections everyone shares."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.db import make_engine
from core.settings import Settings
from services import passwords
from tests.factories import PASSWORD, make_user


class SpyHasher:
    """Wraps the real hasher: records the pool's checked-out connections during each verify and can
    make each verify slow."""

    def __init__(self, real, pool, delay: float = 0.0) -> None:
        self.real, self.pool, self.delay = real, pool, delay
        self.checked_out: list[int] = []
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def verify(self, password_hash, password):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.checked_out.append(self.pool.checkedout())
        try:
            time.sleep(self.delay)
            return self.real.verify(password_hash, password)
        finally:
            with self.lock:
                self.running -= 1

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def own_engine(db_url):
    """An engine of this test's own, so its pool counts only this test's connections."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _client(engine, **settings) -> TestClient:
    return TestClient(
        create_app(Settings(rate_limit_enabled=False, **settings), engine=engine), client=("10.61.0.1", 1)
    )


def test_no_pooled_connection_is_held_while_the_password_is_checked(engine, own_engine, monkeypatch):
    user = make_user(engine)
    spy = SpyHasher(passwords._hasher, own_engine.pool)
    monkeypatch.setattr(passwords, "_hasher", spy)
    client = _client(own_engine)
    assert client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post("/api/auth/login", json={"email": user.email, "password": "not the password"}).status_code == 401
    assert client.post("/api/auth/login", json={"email": "nobody@pool.test", "password": "x"}).status_code == 401
    assert spy.checked_out and spy.checked_out == [0] * len(spy.checked_out)


def test_saturated_hashing_answers_503_fast(engine, own_engine, monkeypatch):
    user = make_user(engine)
    spy = SpyHasher(passwords._hasher, own_engine.pool, delay=1.0)
    monkeypatch.setattr(passwords, "_hasher", spy)
    client = _client(own_engine, password_hash_concurrency=1, password_hash_queue=0)

    def attempt(_: int) -> tuple[int, float, str | None]:
        started = time.perf_counter()
        answer = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
        return answer.status_code, time.perf_counter() - started, answer.headers.get("retry-after")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(4)))
    refused = [r for r in results if r[0] == 503]
    assert [r[0] for r in results].count(200) >= 1
    assert refused, results
    assert all(seconds < 0.5 and retry for _, seconds, retry in refused), results
    assert spy.most == 1  # never two Argon2 runs at once with one slot
