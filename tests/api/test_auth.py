"""/api/auth over HTTP: register, login (Bearer and cookies), me, refresh, logout, logout everywhere,
change password; tampered, expired and revoked tokens are refused; bad input gets a clear 422.

API tests commit to the shared test database: every user here has a unique email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from services import passwords, tokens
from tests.factories import (
    PASSWORD,
    bearer,
    embed,
    login,
    make_instructor,
    make_user,
    new_client,
    search_all,
    unique_email,
)


@pytest.fixture
def client(engine):
    return new_client(engine)


# --- register and login ---


def test_register_logs_in_and_sets_httponly_cookies(client):
    email = unique_email("reg")
    response = client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "full_name": "  Ana  Lee "}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == email and body["user"]["role"] == "student"
    assert body["user"]["full_name"] == "Ana Lee" and body["token_type"] == "bearer"
    cookies = response.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("access_token="))
    refresh = next(c for c in cookies if c.startswith("refresh_token="))
    for cookie in (access, refresh):
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # development
    assert "Path=/api/auth" in refresh
    # the cookie alone authenticates
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["email"] == email
    assert "create_bookings" in me.json()["permissions"]


def test_cookies_are_secure_outside_development(engine):
    c = TestClient(create_app(Settings(environment="production", secret_key="p" * 40), engine=engine))
    response = c.post("/api/auth/register", json={"email": unique_email("sec"), "password": PASSWORD, "full_name": "S"})
    assert response.status_code == 201
    assert all("Secure" in h for h in response.headers.get_list("set-cookie"))


def test_register_twice_is_409_case_insensitive(client):
    email = unique_email("dup")
    assert (
        client.post("/api/auth/register", json={"email": email, "password": PASSWORD, "full_name": "A"}).status_code
        == 201
    )
    again = client.post("/api/auth/register", json={"email": email.upper(), "password": PASSWORD, "full_name": "B"})
    assert again.status_code == 409 and "already exists" in again.json()["detail"]


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"email": "not-an-email", "password": PASSWORD, "full_name": "A"}, "valid email"),
        ({"email": "a@b", "password": PASSWORD, "full_name": "A"}, "valid email"),
        ({"email": "a b@example.com", "password": PASSWORD, "full_name": "A"}, "valid email"),
        ({"email": "ok@example.com", "password": "short", "full_name": "A"}, "at least 8 characters"),
        ({"email": "ok@example.com", "password": "x" * 1025, "full_name": "A"}, "at most 1024"),
        ({"email": "ok@example.com", "password": PASSWORD, "full_name": "   "}, "Enter your name"),
        ({"email": "ok@example.com", "password": PASSWORD}, "Field required"),
        ({"email": "ok@example.com", "password": PASSWORD, "full_name": "A", "role": "admin"}, "Extra inputs"),
    ],
)
def test_register_bad_input_is_422_and_writes_nothing(client, engine, payload, fragment):
    response = client.post("/api/auth/register", json=payload)
    assert response.status_code == 422 and fragment in response.text
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE lower(email) = 'ok@example.com'")).scalar() == 0


def test_login_with_bearer_and_the_demo_account(client):
    response = login(client, "student@instainstru.test", "demo-pass-123")
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    fresh = new_client(client.app.state.engine)  # no cookies: the header alone
    me = fresh.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["role"] == "student"


def test_login_email_is_case_insensitive(client, engine):
    user = make_user(engine)
    assert login(client, user.email.upper()).status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_401(client, engine):
    user = make_user(engine)
    wrong = login(client, user.email, "wrong password!")
    unknown = login(client, unique_email("nobody"), "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Email or password is incorrect.", "code": "bad_credentials"}
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"


def test_unknown_email_runs_a_password_check(client, monkeypatch):
    calls = []
    monkeypatch.setattr(passwords, "dummy_verify", lambda p: calls.append(p))
    login(client, unique_email("ghost"), "whatever-pass")
    assert calls == ["whatever-pass"]


def test_anonymized_or_inactive_accounts_cannot_log_in(client, engine):
    user = make_user(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": user.id})
    assert login(client, user.email).status_code == 401


# --- tokens ---


def test_tampered_token_is_refused(client, engine):
    user = make_user(engine)
    token = bearer(user)["Authorization"][7:]
    head, payload, sig = token.split(".")
    tampered = f"{head}.{payload}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    forged = jwt.encode(
        {
            "sub": str(user.id),
            "type": "access",
            "jti": "x",
            "ver": 0,
            "exp": int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()),
        },
        "not-the-secret",
        algorithm="HS256",
    )
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    unsigned = jwt.encode(
        {"sub": str(user.id), "type": "access", "jti": "x", "ver": 0, "exp": 9999999999}, None, algorithm="none"
    )
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {unsigned}"}).status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer garbage"}).status_code == 401


def test_expired_token_is_refused(client, engine):
    user = make_user(engine)
    past = datetime.now(UTC) - timedelta(minutes=tokens.ACCESS_MINUTES + 1)
    token, _ = tokens.issue(user_id=user.id, token_version=0, kind="access", secret=Settings().secret_key, now=past)
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_refresh_token_is_not_an_access_token(client, engine):
    user = make_user(engine)
    refresh, _ = tokens.issue(user_id=user.id, token_version=0, kind="refresh", secret=Settings().secret_key)
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {refresh}"}).status_code == 401


def test_logout_revokes_access_and_refresh(client, engine):
    user = make_user(engine)
    pair = login(client, user.email).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    out = client.post("/api/auth/logout", headers=headers, json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 200
    assert any(c.startswith('access_token=""') for c in out.headers.get_list("set-cookie"))
    other = new_client(engine)
    assert other.get("/api/auth/me", headers=headers).status_code == 401
    assert other.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_refresh_rotates_and_the_old_refresh_token_is_single_use(client, engine):
    user = make_user(engine)
    pair = login(new_client(engine), user.email).json()
    other = new_client(engine)
    first = other.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert first.status_code == 200
    assert first.json()["refresh_token"] != pair["refresh_token"]
    assert other.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    assert new_client(engine).post("/api/auth/refresh").status_code == 401


def test_refresh_by_cookie(client, engine):
    user = make_user(engine)
    assert login(client, user.email).status_code == 200
    for _ in range(2):  # each refresh sets the next refresh cookie
        response = client.post("/api/auth/refresh")
        assert response.status_code == 200, response.text
    assert client.get("/api/auth/me").json()["email"] == user.email


def test_logout_everywhere_revokes_every_session(client, engine):
    user = make_user(engine)
    one = login(client, user.email).json()
    two = login(new_client(engine), user.email).json()
    out = client.post("/api/auth/logout-all", headers={"Authorization": f"Bearer {one['access_token']}"})
    assert out.status_code == 200
    fresh = new_client(engine)
    for pair in (one, two):
        assert fresh.get("/api/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}).status_code == 401
        assert fresh.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    assert login(fresh, user.email).status_code == 200  # a new login works


def test_change_password(client, engine):
    user = make_user(engine)
    old = login(client, user.email).json()
    headers = {"Authorization": f"Bearer {old['access_token']}"}
    wrong = client.post(
        "/api/auth/change-password",
        headers=headers,
        json={"current_password": "not-it-at-all", "new_password": "brand new pass"},
    )
    assert wrong.status_code == 400 and "current password" in wrong.json()["detail"]
    short = client.post(
        "/api/auth/change-password", headers=headers, json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    done = client.post(
        "/api/auth/change-password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "brand new pass"},
    )
    assert done.status_code == 200
    fresh = new_client(engine)
    assert fresh.get("/api/auth/me", headers=headers).status_code == 401  # old session signed out
    new_headers = {"Authorization": f"Bearer {done.json()['access_token']}"}
    assert fresh.get("/api/auth/me", headers=new_headers).status_code == 200
    assert login(fresh, user.email).status_code == 401
    assert login(fresh, user.email, "brand new pass").status_code == 200


def test_me_without_a_token_is_401(client):
    response = client.get("/api/auth/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_concurrent_refreshes_with_one_token_give_one_new_session(engine):
    """Two refreshes racing with the same token: the database lets exactly one of them win."""
    from concurrent.futures import ThreadPoolExecutor

    user = make_user(engine)
    token = login(new_client(engine), user.email).json()["refresh_token"]
    clients = [new_client(engine) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(
            pool.map(lambda c: c.post("/api/auth/refresh", json={"refresh_token": token}).status_code, clients)
        )
    assert sorted(codes) == [200] + [401] * 7


def test_an_admin_cannot_override_their_own_permissions(engine):
    admin = make_user(engine, role="admin")
    other = make_user(engine, role="student")
    client = new_client(engine)
    own = client.put(
        f"/api/admin/users/{admin.id}/permissions/manage_users", json={"granted": False}, headers=bearer(admin)
    )
    assert own.status_code == 409 and "your own permissions" in own.json()["detail"]
    assert client.get("/api/admin/users", headers=bearer(admin)).status_code == 200  # still an admin
    theirs = client.put(
        f"/api/admin/users/{other.id}/permissions/create_bookings", json={"granted": False}, headers=bearer(admin)
    )
    assert theirs.status_code == 200


def test_a_demoted_instructor_leaves_search(indexed_engine):
    inst = make_instructor(indexed_engine)  # this test's own instructor: no seeded row changes
    embed(indexed_engine, inst)
    client = new_client(indexed_engine)
    assert str(inst.profile_id) in search_all(client, "piano lessons in brooklyn")
    with indexed_engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'student' WHERE id = :u"), {"u": inst.user_id})
    client.app.state.cache.bump()  # a direct SQL write; an admin's role change through the API bumps too
    assert str(inst.profile_id) not in search_all(client, "piano lessons in brooklyn")
