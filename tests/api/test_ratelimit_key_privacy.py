"""Issue #20 beyond the analytics tables: the Redis keys of the rate limits and of the login and
registration throttles name neither the client's address nor the email, in clear or as a plain
SHA-256 (which anyone can recompute for every IPv4 address), and the limits still bite."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import redis
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from tests.factories import login, make_user

REDIS = "redis://127.0.0.1:6379/0"


def _ip() -> str:
    n = uuid.uuid4().int
    return f"10.93.{n % 250}.{(n >> 8) % 250}"


def _unkeyed(value: str) -> str:
    """What the throttle keys held before: SHA-256 of the value, which anyone can recompute."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _keys(namespace: str) -> list[str]:
    r = redis.Redis.from_url(REDIS)
    return [k.decode() for k in r.scan_iter(match=f"{namespace}:*", count=1000)]


def _client(engine, **limits: Any) -> tuple[TestClient, str, str]:
    """A client with an address of its own, of an app whose Redis keys live in a namespace of their own."""
    namespace = f"test-privacy-{uuid.uuid4().hex}"
    ip = _ip()
    app = create_app(Settings(redis_namespace=namespace, **limits), engine=engine)
    return TestClient(app, client=(ip, 50000)), ip, namespace


def _leaks(keys: list[str], *values: str) -> list[tuple[str, str]]:
    forbidden = [v for value in values for v in (value, value.lower(), _unkeyed(value))]
    return [(k, f) for k in keys for f in forbidden if f in k]


def test_rate_limit_keys_hold_no_address(indexed_engine):
    """Searches past the budget and sign-in requests from one address: its rate-limit keys exist,
    still count it (the 4th search is refused), and do not name it."""
    client, ip, namespace = _client(indexed_engine, rate_search_per_ip=3, rate_auth_per_ip=100)
    codes = [client.get("/api/search", params={"q": "piano"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 12}).status_code
    keys = _keys(namespace)
    for kind in ("rl:search:ip:", "rl:auth:ip:"):
        assert any(k.startswith(f"{namespace}:{kind}") for k in keys), (kind, keys)
    assert not _leaks(keys, ip)


def test_login_and_registration_throttle_keys_are_keyed(engine):
    """Failed logins past the lockout and a registration of a taken email: the throttle's keys per
    email, per address and for 'email taken' answers exist, still lock out (429), and hold no
    address or email, in clear or as an unkeyed SHA-256."""
    client, ip, namespace = _client(engine, rate_auth_per_ip=100)
    user = make_user(engine)
    failed = [login(client, user.email, "wrong password!").status_code for _ in range(6)]
    assert failed[-1] == 429
    taken = {"email": user.email, "password": "a long enough password", "full_name": "E"}
    assert client.post("/api/auth/register", json=taken).status_code == 409
    keys = _keys(namespace)
    for kind in ("throttle:email:", "throttle:ip:", "throttle:taken:"):
        assert any(k.startswith(f"{namespace}:{kind}") for k in keys), (kind, keys)
    assert not _leaks(keys, ip, user.email)
