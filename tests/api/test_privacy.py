"""/api/privacy: export holds the profile, bookings and search history; delete anonymizes the account,
removes the history, and is refused while an upcoming booking exists."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from tests.factories import PASSWORD, bearer, insert_booking, login, make_instructor, make_user, new_client

FAR_FUTURE = date(2090, 1, 1)  # always upcoming
LONG_AGO = date(2001, 1, 1)  # always past


def _booking(engine, student, *, when: date, status: str = "confirmed") -> uuid.UUID:
    """A booking with a fresh instructor of this test's own (no seeded row is touched)."""
    return insert_booking(
        engine,
        student=student,
        inst=make_instructor(engine, days=0),
        day=when,
        hour=10,
        status=status,
        notes="bring the red book",
    )


def _history(engine, user_id, query: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO search_history (id, user_id, query, normalized_query, search_type) "
                "VALUES (:id, :u, :q, lower(:q), 'natural_language')"
            ),
            {"id": uuid.uuid4(), "u": user_id, "q": query},
        )


def test_export_has_profile_bookings_and_history(engine):
    user = make_user(engine)
    past = _booking(engine, user, when=LONG_AGO, status="completed")
    _history(engine, user.id, "Cello for adults")
    client = new_client(engine)
    response = client.get("/api/privacy/export", headers=bearer(user))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["profile"]["email"] == user.email and data["profile"]["id"] == str(user.id)
    assert "manage_own_data" in data["profile"]["permissions"]
    assert [(b["id"], b["as"], b["status"]) for b in data["bookings"]] == [(str(past), "student", "completed")]
    assert [h["query"] for h in data["search_history"]] == ["Cello for adults"]


def test_export_needs_a_login(engine):
    assert new_client(engine).get("/api/privacy/export").status_code == 401


def test_delete_anonymizes_and_removes_history(engine):
    user = make_user(engine)
    past = _booking(engine, user, when=LONG_AGO, status="completed")
    _history(engine, user.id, "drum lessons")
    client = new_client(engine)
    session = login(client, user.email).json()
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    wrong = client.post("/api/privacy/delete", headers=headers, json={"password": "not my password"})
    assert wrong.status_code == 400
    done = client.post("/api/privacy/delete", headers=headers, json={"password": PASSWORD})
    assert done.status_code == 200, done.text
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT email, full_name, is_active, anonymized_at FROM users WHERE id = :u"), {"u": user.id}
        ).one()
        left = conn.execute(text("SELECT count(*) FROM search_history WHERE user_id = :u"), {"u": user.id}).scalar()
        notes = conn.execute(text("SELECT notes FROM bookings WHERE id = :b"), {"b": past}).scalar()
    assert user.email not in row.email and row.full_name == "Deleted user"
    assert row.is_active is False and row.anonymized_at is not None
    assert left == 0 and notes == ""  # the past booking stays (the instructor's record), without notes
    fresh = new_client(engine)
    assert fresh.get("/api/auth/me", headers=headers).status_code == 401
    assert login(fresh, user.email).status_code == 401
    assert fresh.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code == 401


@pytest.mark.parametrize("status, refused", [("confirmed", True), ("cancelled", False)])
def test_delete_is_refused_while_an_upcoming_booking_is_live(engine, status, refused):
    user = make_user(engine)
    _booking(engine, user, when=FAR_FUTURE, status=status)
    response = new_client(engine).post("/api/privacy/delete", headers=bearer(user), json={"password": PASSWORD})
    if refused:
        assert response.status_code == 409
        assert "1 upcoming booking" in response.json()["detail"] and "cancel" in response.json()["detail"]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT anonymized_at FROM users WHERE id = :u"), {"u": user.id}).scalar() is None
    else:
        assert response.status_code == 200


def test_delete_of_an_instructor_with_upcoming_lessons_is_refused(engine):
    """Upcoming bookings of one's lessons count too."""
    inst = make_instructor(engine, days=0)
    insert_booking(engine, student=make_user(engine), inst=inst, day=FAR_FUTURE, hour=10)
    response = new_client(engine).post("/api/privacy/delete", headers=inst.headers, json={"password": PASSWORD})
    assert response.status_code == 409 and "1 upcoming booking" in response.json()["detail"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT anonymized_at FROM users WHERE id = :u"), {"u": inst.user_id}).scalar() is None


def test_delete_bad_input(engine):
    user = make_user(engine)
    client = new_client(engine)
    assert client.post("/api/privacy/delete", headers=bearer(user), json={}).status_code == 422
    assert client.post("/api/privacy/delete", headers=bearer(user), json={"password": ""}).status_code == 422
    assert client.post("/api/privacy/delete", json={"password": PASSWORD}).status_code == 401
