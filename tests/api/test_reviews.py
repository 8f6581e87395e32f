"""Reviews: only the student of a completed lesson reviews it, once, editable for 30 days; the
instructor's rating is the mean of the reviews; anyone reads them, paged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.factories import bearer, insert_booking, make_instructor, make_user, nyc_today


def _lesson(engine, status="completed", days_ago=3):
    inst = make_instructor(engine)
    student = make_user(engine, name="Robin Quill")
    booking = insert_booking(
        engine, student=student, inst=inst, day=nyc_today() - timedelta(days=days_ago), hour=10, status=status
    )
    return inst, student, booking


def _rating(engine, inst):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT rating_avg, rating_count FROM instructor_profiles WHERE id = :p"), {"p": inst.profile_id}
        ).one()


def test_the_student_reviews_a_completed_lesson_and_the_rating_follows(client, engine):
    inst, student, booking = _lesson(engine)
    other_student = make_user(engine)
    other = insert_booking(
        engine, student=other_student, inst=inst, day=nyc_today() - timedelta(days=4), hour=12, status="completed"
    )
    first = client.post(
        f"/api/bookings/{booking}/review", json={"rating": 5, "text": " Clear and kind. "}, headers=bearer(student)
    )
    assert first.status_code == 201, first.text
    assert first.json()["text"] == "Clear and kind."
    assert float(_rating(engine, inst)[0]) == 5.0
    second = client.post(f"/api/bookings/{other}/review", json={"rating": 2}, headers=bearer(other_student))
    assert second.status_code == 201
    average, count = _rating(engine, inst)
    assert (float(average), count) == (3.5, 2)
    # An edit within 30 days: 200, same review, the rating moves with it.
    edit = client.post(f"/api/bookings/{booking}/review", json={"rating": 4, "text": "Good."}, headers=bearer(student))
    assert edit.status_code == 200
    assert edit.json()["id"] == first.json()["id"]
    assert float(_rating(engine, inst)[0]) == 3.0
    page = client.get(f"/api/public/instructors/{inst.profile_id}/reviews", params={"limit": 1})
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 2 and body["histogram"]["4"] == 1 and body["histogram"]["2"] == 1
    assert len(body["reviews"]) == 1 and body["rating"] == 3.0
    rest = client.get(f"/api/public/instructors/{inst.profile_id}/reviews", params={"limit": 1, "offset": 1}).json()
    assert {body["reviews"][0]["text"], rest["reviews"][0]["text"]} == {"Good.", ""}
    authors = {r["author"] for r in body["reviews"] + rest["reviews"]}
    assert "Robin Q." in authors  # first name and last initial, never the full name or email
    mine = client.get("/api/reviews", headers=bearer(student)).json()["reviews"]
    assert [r["booking_id"] for r in mine] == [str(booking)]
    assert client.get(f"/api/bookings/{booking}/review", headers=bearer(student)).json()["rating"] == 4
    assert client.get(f"/api/public/instructors/{inst.profile_id}", headers={}).json()["rating"] == 3.0


def test_only_completed_lessons_of_ones_own_can_be_reviewed(client, engine):
    _, student, upcoming = _lesson(engine, status="confirmed", days_ago=-3)
    refused = client.post(f"/api/bookings/{upcoming}/review", json={"rating": 5}, headers=bearer(student))
    assert refused.status_code == 409 and refused.json()["code"] == "not_completed"
    _, _, booking = _lesson(engine)
    stranger = make_user(engine)
    assert (
        client.post(f"/api/bookings/{booking}/review", json={"rating": 5}, headers=bearer(stranger)).status_code == 404
    )
    assert client.post(f"/api/bookings/{booking}/review", json={"rating": 5}).status_code == 401


def test_bad_reviews_get_a_clear_422(client, engine):
    _, student, booking = _lesson(engine)
    for body in ({"rating": 0}, {"rating": 6}, {"rating": 5, "text": "x" * 2001}, {"text": "no stars"}):
        response = client.post(f"/api/bookings/{booking}/review", json=body, headers=bearer(student))
        assert response.status_code == 422, body


def test_a_review_is_locked_after_30_days(client, engine):
    _, student, booking = _lesson(engine, days_ago=40)
    assert (
        client.post(f"/api/bookings/{booking}/review", json={"rating": 3}, headers=bearer(student)).status_code == 201
    )
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE reviews SET created_at = now() - interval '31 days' WHERE booking_id = :b"), {"b": booking}
        )
    late = client.post(f"/api/bookings/{booking}/review", json={"rating": 5}, headers=bearer(student))
    assert late.status_code == 409 and late.json()["code"] == "review_locked"


def test_reviews_of_an_unknown_instructor_are_404(client):
    assert client.get("/api/public/instructors/00000000-0000-4000-8000-000000000000/reviews").status_code == 404
