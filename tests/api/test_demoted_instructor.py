"""F15: an instructor whom an admin demotes is withdrawn: no new bookings, no public page or
availability, not counted in the catalog; the lessons already booked stay (the student sees and can
cancel them, the former instructor still sees them)."""

from __future__ import annotations

from datetime import timedelta

from core.settings import Settings
from tests.factories import at, bearer, booking_body, make_instructor, make_user, new_client, nyc_today


def _piano_count(client) -> int:
    tree = client.get("/api/catalog/categories").json()["categories"]
    return next(
        s["instructors"] for c in tree for sub in c["subcategories"] for s in sub["services"] if s["slug"] == "piano"
    )


def test_a_demoted_instructor_is_withdrawn_but_their_lessons_stay(engine):
    admin = make_user(engine, role="admin")
    inst = make_instructor(engine)
    student = make_user(engine)
    client = new_client(engine, settings=Settings(rate_limit_enabled=False))
    day = nyc_today() + timedelta(days=4)
    booked = client.post("/api/bookings", json=booking_body(inst, at(day, 10)), headers=bearer(student))
    assert booked.status_code == 201
    pianists = _piano_count(client)

    demoted = client.patch(f"/api/admin/users/{inst.user_id}/role", json={"role": "student"}, headers=bearer(admin))
    assert demoted.status_code == 200

    again = client.post("/api/bookings", json=booking_body(inst, at(day, 14)), headers=bearer(student))
    assert again.status_code == 404 and again.json()["code"] == "instructor_not_found"
    assert client.get(f"/api/public/instructors/{inst.profile_id}").status_code == 404
    assert client.get(f"/api/public/instructors/{inst.profile_id}/availability").status_code == 404
    assert client.get(f"/api/public/instructors/{inst.profile_id}/next-available").status_code == 404
    assert _piano_count(client) == pianists - 1

    lesson = booked.json()["id"]
    assert client.get(f"/api/bookings/{lesson}", headers=bearer(student)).status_code == 200
    assert client.get(f"/api/bookings/{lesson}", headers=bearer(inst.user)).status_code == 200
    cancelled = client.post(f"/api/bookings/{lesson}/cancel", headers=bearer(student))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_promoting_back_lists_them_again(engine):
    admin = make_user(engine, role="admin")
    inst = make_instructor(engine)
    client = new_client(engine, settings=Settings(rate_limit_enabled=False))
    for role, expected in (("student", 404), ("instructor", 200)):
        client.patch(f"/api/admin/users/{inst.user_id}/role", json={"role": role}, headers=bearer(admin))
        assert client.get(f"/api/public/instructors/{inst.profile_id}").status_code == expected
