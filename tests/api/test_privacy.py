"""/api/privacy: export holds the profile, bookings and search history; delete anonymizes the account,
removes the history, and is refused while an upcoming booking exists."""
from __future__ import annotations

import random
import uuid
from datetime import date, time, timedelta

import pytest
from sqlalchemy import text

from tests.api.test_auth import PASSWORD, bearer, login, make_user, new_client


def _booking(engine, student_id, *, when: date, status: str = "confirmed") -> uuid.UUID:
    """A booking with a random seeded instructor at a random hour (far from other tests' bookings)."""
    booking_id = uuid.uuid4()
    hour = random.randint(6, 20)
    with engine.begin() as conn:
        profile_id, service_id = conn.execute(text(
            "SELECT profile_id, id FROM instructor_services WHERE is_active ORDER BY random() LIMIT 1")).one()
        conn.execute(text(
            "INSERT INTO bookings (id, student_id, instructor_id, instructor_service_id, booking_date, start_time, "
            "end_time, duration_minutes, status, location_type, hourly_rate, total_price, notes) VALUES "
            "(:id, :s, :p, :svc, :d, :st, :et, 60, :status, 'online', 50, 50, 'bring the red book')"),
            {"id": booking_id, "s": student_id, "p": profile_id, "svc": service_id, "d": when,
             "st": time(hour), "et": time(hour + 1), "status": status})
    return booking_id


def _far_future() -> date:
    return date(2090, 1, 1) + timedelta(days=random.randint(0, 3000))


def _history(engine, user_id, query: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO search_history (id, user_id, query, normalized_query, search_type) "
                          "VALUES (:id, :u, :q, lower(:q), 'natural_language')"),
                     {"id": uuid.uuid4(), "u": user_id, "q": query})


def test_export_has_profile_bookings_and_history(engine):
    user = make_user(engine)
    past = _booking(engine, user["id"], when=date(2001, 1, 1) + timedelta(days=random.randint(0, 3000)),
                    status="completed")
    _history(engine, user["id"], "Cello for adults")
    client = new_client(engine)
    response = client.get("/api/privacy/export", headers=bearer(user))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["profile"]["email"] == user["email"] and data["profile"]["id"] == str(user["id"])
    assert "manage_own_data" in data["profile"]["permissions"]
    assert [(b["id"], b["as"], b["status"]) for b in data["bookings"]] == [(str(past), "student", "completed")]
    assert [h["query"] for h in data["search_history"]] == ["Cello for adults"]


def test_export_needs_a_login(engine):
    assert new_client(engine).get("/api/privacy/export").status_code == 401


def test_delete_anonymizes_and_removes_history(engine):
    user = make_user(engine)
    past = _booking(engine, user["id"], when=date(2001, 1, 1) + timedelta(days=random.randint(0, 3000)),
                    status="completed")
    _history(engine, user["id"], "drum lessons")
    client = new_client(engine)
    session = login(client, user["email"]).json()
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    wrong = client.post("/api/privacy/delete", headers=headers, json={"password": "not my password"})
    assert wrong.status_code == 400
    done = client.post("/api/privacy/delete", headers=headers, json={"password": PASSWORD})
    assert done.status_code == 200, done.text
    with engine.connect() as conn:
        row = conn.execute(text("SELECT email, full_name, is_active, anonymized_at FROM users WHERE id = :u"),
                           {"u": user["id"]}).one()
        left = conn.execute(text("SELECT count(*) FROM search_history WHERE user_id = :u"), {"u": user["id"]}).scalar()
        notes = conn.execute(text("SELECT notes FROM bookings WHERE id = :b"), {"b": past}).scalar()
    assert user["email"] not in row.email and row.full_name == "Deleted user"
    assert row.is_active is False and row.anonymized_at is not None
    assert left == 0 and notes == ""  # the past booking stays (the instructor's record), without notes
    fresh = new_client(engine)
    assert fresh.get("/api/auth/me", headers=headers).status_code == 401
    assert login(fresh, user["email"]).status_code == 401
    assert fresh.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code == 401


@pytest.mark.parametrize("status, refused", [("confirmed", True), ("cancelled", False)])
def test_delete_is_refused_while_an_upcoming_booking_is_live(engine, status, refused):
    user = make_user(engine)
    _booking(engine, user["id"], when=_far_future(), status=status)
    response = new_client(engine).post("/api/privacy/delete", headers=bearer(user), json={"password": PASSWORD})
    if refused:
        assert response.status_code == 409
        assert "1 upcoming booking" in response.json()["detail"] and "cancel" in response.json()["detail"]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT anonymized_at FROM users WHERE id = :u"), {"u": user["id"]}).scalar() is None
    else:
        assert response.status_code == 200


def test_delete_of_an_instructor_with_upcoming_lessons_is_refused(engine):
    """Upcoming bookings of one's lessons count too."""
    with engine.connect() as conn:
        instructor_user, profile_id, service_id = conn.execute(text(
            "SELECT p.user_id, p.id, s.id FROM instructor_profiles p JOIN instructor_services s "
            "ON s.profile_id = p.id AND s.is_active ORDER BY random() LIMIT 1")).one()
    student = make_user(engine)
    day, hour = _far_future(), random.randint(6, 20)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO bookings (id, student_id, instructor_id, instructor_service_id, booking_date, start_time, "
            "end_time, duration_minutes, status, location_type, hourly_rate, total_price) VALUES "
            "(:id, :s, :p, :svc, :d, :st, :et, 60, 'confirmed', 'online', 50, 50)"),
            {"id": uuid.uuid4(), "s": student["id"], "p": profile_id, "svc": service_id, "d": day,
             "st": time(hour), "et": time(hour + 1)})
    response = new_client(engine).post("/api/privacy/delete", headers=bearer({"id": instructor_user}),
                                       json={"password": "demo-pass-123"})
    assert response.status_code == 409


def test_delete_bad_input(engine):
    user = make_user(engine)
    client = new_client(engine)
    assert client.post("/api/privacy/delete", headers=bearer(user), json={}).status_code == 422
    assert client.post("/api/privacy/delete", headers=bearer(user), json={"password": ""}).status_code == 422
    assert client.post("/api/privacy/delete", json={"password": PASSWORD}).status_code == 401
