"""Password reset (no enumeration, hashed single-use tokens expiring in an hour, email via the outbox)
and login throttling (per email and per IP, 429 with Retry-After, progressive lockout, Redis or in-process)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from core.redis_client import RedisHandle
from core.settings import Settings
from services import throttle as throttle_mod
from services.throttle import EMAIL_LIMIT, IP_LIMIT, LoginThrottle, lock_seconds
from tests.factories import login, make_user, new_client, unique_email
from tests.net import closed_port


def _outbox_token(engine, email: str) -> str | None:
    with engine.connect() as conn:
        body = conn.execute(
            text(
                "SELECT body FROM outbox WHERE recipient = :e AND kind = 'password_reset' "
                "ORDER BY created_at DESC LIMIT 1"
            ),
            {"e": email},
        ).scalar()
    match = re.search(r"token=([A-Za-z0-9_-]+)", body or "")
    return match.group(1) if match else None


def _outbox_count(engine, email: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM outbox WHERE lower(recipient) = lower(:e)"), {"e": email}
        ).scalar()


# --- password reset ---


def test_reset_request_answers_the_same_for_known_and_unknown_emails(engine):
    client = new_client(engine)
    user = make_user(engine)
    known = client.post("/api/auth/password-reset/request", json={"email": user.email})
    unknown_email = unique_email("nobody")
    unknown = client.post("/api/auth/password-reset/request", json={"email": unknown_email})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert _outbox_count(engine, user.email) == 1 and _outbox_count(engine, unknown_email) == 0


def test_reset_token_is_stored_only_as_a_hash_and_works_once(engine):
    client = new_client(engine)
    user = make_user(engine)
    client.post("/api/auth/password-reset/request", json={"email": user.email})
    token = _outbox_token(engine, user.email)
    assert token and len(token) >= 40
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT token_hash, expires_at - created_at FROM password_reset_tokens WHERE user_id = :u"),
            {"u": user.id},
        ).one()
    assert stored[0] == hashlib.sha256(token.encode()).hexdigest() and token not in stored[0]
    assert timedelta(minutes=59) < stored[1] <= timedelta(minutes=60, seconds=5)
    session = login(client, user.email).json()

    done = client.post("/api/auth/password-reset/confirm", json={"token": token, "new_password": "a new password"})
    assert done.status_code == 200
    again = client.post("/api/auth/password-reset/confirm", json={"token": token, "new_password": "another pass 2"})
    assert again.status_code == 400 and "already used" in again.json()["detail"]
    fresh = new_client(engine)
    assert login(fresh, user.email, "a new password").status_code == 200
    assert login(fresh, user.email, "another pass 2").status_code == 401
    # every earlier session is signed out
    assert fresh.get("/api/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"}).status_code == 401


def test_reset_token_expires_after_an_hour(engine):
    client = new_client(engine)
    user = make_user(engine)
    client.post("/api/auth/password-reset/request", json={"email": user.email})
    token = _outbox_token(engine, user.email)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = :u"),
            {"u": user.id},
        )
    response = client.post("/api/auth/password-reset/confirm", json={"token": token, "new_password": "a new password"})
    assert response.status_code == 400 and "expired" in response.json()["detail"]
    assert login(client, user.email).status_code == 200  # the old password still works


def test_a_newer_reset_link_replaces_the_older(engine):
    client = new_client(engine)
    user = make_user(engine)
    client.post("/api/auth/password-reset/request", json={"email": user.email})
    old = _outbox_token(engine, user.email)
    client.post("/api/auth/password-reset/request", json={"email": user.email})
    new = _outbox_token(engine, user.email)
    assert old != new
    assert (
        client.post(
            "/api/auth/password-reset/confirm", json={"token": old, "new_password": "a new password"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/auth/password-reset/confirm", json={"token": new, "new_password": "a new password"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"token": "made-up", "new_password": "a new password"}, 400),
        ({"token": "", "new_password": "a new password"}, 422),
        ({"token": "x", "new_password": "short"}, 422),
        ({"email": "not an email"}, 422),
    ],
)
def test_reset_bad_input(engine, payload, code):
    path = "/api/auth/password-reset/" + ("request" if "email" in payload else "confirm")
    assert new_client(engine).post(path, json=payload).status_code == code


# --- throttling ---


def test_lockout_grows():
    assert [lock_seconds(n, 5) for n in (4, 5, 6, 7)] == [0, 30, 60, 120]
    assert lock_seconds(100, 5) == throttle_mod.MAX_LOCK_SECONDS


def test_per_email_throttle_gives_429_with_retry_after(engine):
    client = new_client(engine)
    user = make_user(engine)
    codes = [login(client, user.email, "wrong-password").status_code for _ in range(EMAIL_LIMIT)]
    assert codes == [401] * (EMAIL_LIMIT - 1) + [429]
    blocked = login(client, user.email)  # even the right password waits
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= throttle_mod.BASE_LOCK_SECONDS
    assert "try again" in blocked.json()["detail"]
    # another address is refused too (the lock is on the email)
    assert login(new_client(engine), user.email).status_code == 429


def test_per_ip_throttle_spans_emails(engine):
    client = new_client(engine)
    codes = [login(client, unique_email("spray"), "wrong-password").status_code for _ in range(IP_LIMIT)]
    assert codes[-1] == 429 and set(codes[:-1]) == {401}
    user = make_user(engine)
    assert login(client, user.email).status_code == 429
    assert login(new_client(engine), user.email).status_code == 200  # another address is fine


def test_success_resets_the_email_count(engine):
    client = new_client(engine)
    user = make_user(engine)
    for _ in range(EMAIL_LIMIT - 1):
        assert login(client, user.email, "wrong-password").status_code == 401
    assert login(client, user.email).status_code == 200
    for _ in range(EMAIL_LIMIT - 1):
        assert login(client, user.email, "wrong-password").status_code == 401


def test_throttle_works_in_process_when_redis_is_down(engine):
    settings = Settings(redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = TestClient(create_app(settings, engine=engine), client=(f"10.7.{uuid.uuid4().int % 250}.1", 1))
    user = make_user(engine)
    codes = [login(client, user.email, "wrong-password").status_code for _ in range(EMAIL_LIMIT + 1)]
    assert codes[: EMAIL_LIMIT - 1] == [401] * (EMAIL_LIMIT - 1) and codes[EMAIL_LIMIT - 1 :] == [429, 429]
    assert int(login(client, user.email).headers["retry-after"]) > 0


def test_progressive_lockout_in_redis_and_locally(monkeypatch):
    """Each failure past the limit doubles the lockout, whichever store holds the count."""
    for url in ("redis://127.0.0.1:6379/0", f"redis://127.0.0.1:{closed_port()}/0"):
        t = LoginThrottle(RedisHandle(url), namespace=f"test-{uuid.uuid4().hex}", secret="test-secret")
        email, ip = unique_email("prog"), "192.0.2.1"
        got = [t.failure(email=email, ip=ip) for _ in range(EMAIL_LIMIT + 2)]
        assert got == [0] * (EMAIL_LIMIT - 1) + [30, 60, 120], url
        assert 100 < t.retry_after(email=email, ip=ip) <= 120
        t.success(email=email)
        assert t.retry_after(email=email, ip=ip) == 0
