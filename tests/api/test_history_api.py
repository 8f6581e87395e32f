"""Search history over HTTP: /api/search records for users and guests (cookie or header), the guest
cookie, list/delete/clear, and the guest-to-user merge at login and registration."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from services import history
from tests.factories import PASSWORD, bearer, make_user, unique_email


@pytest.fixture(scope="module")
def app(indexed_engine):
    return create_app(Settings(), engine=indexed_engine)


def _client(app) -> TestClient:
    return TestClient(app, client=(f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 50000))


def _marker() -> str:
    return f"piano lessons {uuid.uuid4().hex[:8]}"


def test_first_guest_search_sets_a_guest_cookie_and_records(app):
    client = _client(app)
    q = _marker()
    first = client.get("/api/search", params={"q": q})
    assert first.status_code == 200
    cookie = next(c for c in first.headers.get_list("set-cookie") if c.startswith("guest_id="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    second = client.get("/api/search", params={"q": "  " + q.upper() + " "})
    assert second.status_code == 200
    assert not any(c.startswith("guest_id=") for c in second.headers.get_list("set-cookie"))
    entries = client.get("/api/search-history").json()
    assert len(entries) == 1
    entry = entries[0]
    assert entry["normalized_query"] == q and entry["search_count"] == 2
    assert entry["search_type"] == "natural_language" and entry["result_count"] == second.json()["total"]


def test_guest_header_is_used_and_no_cookie_is_set(app):
    client, guest = _client(app), history.new_guest_id()
    q = _marker()
    response = client.get("/api/search", params={"q": q}, headers={"X-Guest-Session-ID": guest})
    assert response.status_code == 200
    assert not any(c.startswith("guest_id=") for c in response.headers.get_list("set-cookie"))
    listed = client.get("/api/search-history", headers={"X-Guest-Session-ID": guest}).json()
    assert [e["normalized_query"] for e in listed] == [q]
    # another guest sees nothing of it
    other = client.get("/api/search-history", headers={"X-Guest-Session-ID": history.new_guest_id()}).json()
    assert other == []


def test_signed_in_search_is_recorded_for_the_user(app, indexed_engine):
    user = make_user(indexed_engine)
    client, headers = _client(app), bearer(user)
    q = _marker()
    response = client.get("/api/search", params={"q": q}, headers=headers)
    assert response.status_code == 200
    assert not any(c.startswith("guest_id=") for c in response.headers.get_list("set-cookie"))
    listed = client.get("/api/search-history", headers=headers).json()
    assert [e["normalized_query"] for e in listed] == [q]


def test_nul_characters_do_not_break_search_or_history(app, indexed_engine):
    user = make_user(indexed_engine)
    client, headers = _client(app), bearer(user)
    response = client.get("/api/search", params={"q": "gui\x00tar lessons"}, headers=headers)
    assert response.status_code == 200
    assert [e["query"] for e in client.get("/api/search-history", headers=headers).json()] == ["gui tar lessons"]


def test_a_history_failure_never_fails_the_search(app, indexed_engine, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("history table on fire")

    monkeypatch.setattr(history, "record", boom)
    response = _client(app).get("/api/search", params={"q": "guitar"}, headers=bearer(make_user(indexed_engine)))
    assert response.status_code == 200 and response.json()["results"]


def test_an_expired_token_does_not_break_search(app):
    response = _client(app).get("/api/search", params={"q": "guitar"}, headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 200


def test_list_limit_delete_and_clear(app, indexed_engine):
    user = make_user(indexed_engine)
    client, headers = _client(app), bearer(user)
    queries = [_marker() for _ in range(12)]
    for q in queries:
        assert client.get("/api/search", params={"q": q, "limit": 1}, headers=headers).status_code == 200
    listed = client.get("/api/search-history", headers=headers).json()
    assert [e["normalized_query"] for e in listed] == queries[::-1][:10]  # default 10, most recent first
    assert len(client.get("/api/search-history", params={"limit": 50}, headers=headers).json()) == 12
    assert client.get("/api/search-history", params={"limit": 0}, headers=headers).status_code == 422

    gone = listed[0]["id"]
    assert client.delete(f"/api/search-history/{gone}", headers=headers).status_code == 204
    assert client.delete(f"/api/search-history/{gone}", headers=headers).status_code == 404
    assert client.delete("/api/search-history/not-a-uuid", headers=headers).status_code == 422
    assert gone not in [
        e["id"] for e in client.get("/api/search-history", params={"limit": 50}, headers=headers).json()
    ]
    # searched again, it comes back
    client.get("/api/search", params={"q": queries[-1], "limit": 1}, headers=headers)
    assert client.get("/api/search-history", headers=headers).json()[0]["id"] == gone

    cleared = client.delete("/api/search-history", headers=headers)
    assert cleared.status_code == 200 and cleared.json() == {"deleted": 12}
    assert client.get("/api/search-history", headers=headers).json() == []


def test_another_users_entry_is_404_and_untouched(app, indexed_engine):
    owner, intruder = make_user(indexed_engine), make_user(indexed_engine)
    client = _client(app)
    client.get("/api/search", params={"q": _marker(), "limit": 1}, headers=bearer(owner))
    entry = client.get("/api/search-history", headers=bearer(owner)).json()[0]
    assert client.delete(f"/api/search-history/{entry['id']}", headers=bearer(intruder)).status_code == 404
    guest = history.new_guest_id()
    assert client.delete(f"/api/search-history/{entry['id']}", headers={"X-Guest-Session-ID": guest}).status_code == 404
    assert client.get("/api/search-history", headers=bearer(owner)).json()[0]["id"] == entry["id"]


def test_no_user_and_no_guest_is_401(app):
    client = _client(app)
    assert client.get("/api/search-history").status_code == 401
    assert client.delete("/api/search-history").status_code == 401
    assert client.get("/api/search-history", headers={"X-Guest-Session-ID": "short"}).status_code == 401


def test_a_user_without_the_permission_is_403(app, indexed_engine):
    user = make_user(indexed_engine)
    with indexed_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_permissions (user_id, permission_id, granted) "
                "SELECT :u, id, false FROM permissions WHERE name = 'view_own_search_history'"
            ),
            {"u": user.id},
        )
    client = _client(app)
    assert client.get("/api/search-history", headers=bearer(user)).status_code == 403
    assert client.delete("/api/search-history", headers=bearer(user)).status_code == 200  # still manages


def test_guest_history_merges_at_login(app, indexed_engine):
    user = make_user(indexed_engine)
    client, q = _client(app), _marker()
    client.get("/api/search", params={"q": q, "limit": 1})
    client.get("/api/search", params={"q": q.title(), "limit": 1})
    client.get("/api/search", params={"q": "  " + q.upper(), "limit": 1})
    assert client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200
    mine = client.get("/api/search-history").json()  # the access cookie
    assert [(e["normalized_query"], e["search_count"]) for e in mine] == [(q, 3)]
    guest = client.cookies.get("guest_id")
    assert _client(app).get("/api/search-history", headers={"X-Guest-Session-ID": guest}).json() == []


def test_guest_history_merges_at_registration_by_header(app):
    client, guest, q = _client(app), history.new_guest_id(), _marker()
    client.get("/api/search", params={"q": q, "limit": 1}, headers={"X-Guest-Session-ID": guest})
    response = client.post(
        "/api/auth/register",
        headers={"X-Guest-Session-ID": guest},
        json={"email": unique_email("merge"), "password": PASSWORD, "full_name": "M"},
    )
    assert response.status_code == 201
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert [e["normalized_query"] for e in client.get("/api/search-history", headers=headers).json()] == [q]


def test_login_succeeds_when_the_merge_fails(app, indexed_engine, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("merge exploded")

    monkeypatch.setattr(history, "merge_guest", boom)
    user = make_user(indexed_engine)
    response = _client(app).post(
        "/api/auth/login",
        headers={"X-Guest-Session-ID": history.new_guest_id()},
        json={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 200
