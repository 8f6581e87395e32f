"""Search analytics: every search and browse answer has a search_id and an impression; clicks are
recorded by POST /api/search/{search_id}/events; a booking made from a result is attributed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.factories import at, bearer, make_instructor, make_user, new_client, nyc_today

IP = "10.123.45.67"


@pytest.fixture(scope="module")
def client(indexed_engine):
    with new_client(indexed_engine, ip=IP) as c:
        yield c


def impression(client, engine, search_id: str) -> dict:
    client.app.state.impressions.flush()
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM search_impressions WHERE id = :i"), {"i": search_id}).mappings().one()
    return dict(row)


def events(engine, search_id: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM search_events WHERE search_id = :i ORDER BY created_at"), {"i": search_id}
        ).mappings()
        return [dict(r) for r in rows]


def test_a_search_answer_names_its_impression(client, indexed_engine):
    user = make_user(indexed_engine)
    response = client.get("/api/search", params={"q": "piano lessons in park slope", "limit": 5}, headers=bearer(user))
    assert response.status_code == 200
    body = response.json()
    search_id = body["search_id"]
    assert response.headers["X-Search-ID"] == search_id
    row = impression(client, indexed_engine, search_id)
    assert row["surface"] == "search" and row["query"] == "piano lessons in park slope" and row["submitted"]
    assert row["user_id"] == user.id and row["parsed"]["service"] == "piano"
    assert [str(i) for i in row["result_ids"]] == [r["instructor_service_id"] for r in body["results"]]
    assert row["total"] == body["total"] and row["offset"] == 0 and row["ranker"].startswith("hybrid@")
    assert set(row["kinds"]) == {"named_service", "with_place"}
    assert row["visitor_hash"] and IP not in row["visitor_hash"]


def test_every_answer_has_its_own_search_id_and_typing_is_not_submitted(client, indexed_engine):
    guest = {"X-Guest-Session-ID": uuid.uuid4().hex}
    first = client.get("/api/search", params={"q": "guitar", "record": "false"}, headers=guest).json()
    second = client.get("/api/search", params={"q": "guitar", "record": "false"}, headers=guest).json()
    assert first["search_id"] != second["search_id"]
    row = impression(client, indexed_engine, second["search_id"])
    assert not row["submitted"] and row["guest_id"] == guest["X-Guest-Session-ID"] and row["user_id"] is None
    assert row["kinds"] == ["named_service"]


def test_a_browse_answer_has_a_search_id_even_when_revalidated(client, indexed_engine):
    first = client.get("/api/catalog/services/piano/instructors", params={"limit": 5})
    assert first.status_code == 200
    body = first.json()
    assert list(body)[0] == "search_id" and first.headers["X-Search-ID"] == body["search_id"]
    row = impression(client, indexed_engine, body["search_id"])
    assert row["surface"] == "service" and row["query"] == "Piano" and row["parsed"]["service"] == "piano"
    assert [str(i) for i in row["result_ids"]] == [r["instructor_service_id"] for r in body["results"]]
    again = client.get(
        "/api/catalog/services/piano/instructors", params={"limit": 5}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.headers["X-Search-ID"] not in ("", body["search_id"])
    revalidated = impression(client, indexed_engine, again.headers["X-Search-ID"])
    assert revalidated["result_ids"] is None and revalidated["total"] is None
    category = client.get("/api/catalog/categories/music/instructors", params={"limit": 3}).json()
    assert impression(client, indexed_engine, category["search_id"])["surface"] == "category"


def test_clicks_are_recorded_with_position_and_who(client, indexed_engine):
    user = make_user(indexed_engine)
    body = client.get("/api/search", params={"q": "piano", "limit": 5}, headers=bearer(user)).json()
    search_id, chosen = body["search_id"], body["results"][1]["instructor_service_id"]
    for kind in ("result_click", "slot_click", "profile_view"):
        sent = client.post(
            f"/api/search/{search_id}/events",
            json={"kind": kind, "position": 2, "instructor_service_id": chosen},
            headers=bearer(user),
        )
        assert sent.status_code == 204, sent.text
    recorded = events(indexed_engine, search_id)
    assert [e["kind"] for e in recorded] == ["result_click", "slot_click", "profile_view"]
    assert all(e["position"] == 2 and str(e["instructor_service_id"]) == chosen for e in recorded)
    assert all(e["user_id"] == user.id and e["visitor_hash"] for e in recorded)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/search/not-a-uuid/events", {"kind": "result_click", "position": 1, "instructor_service_id": None}),
        ("/api/search/{sid}/events", {"kind": "booking", "position": 1, "instructor_service_id": "{isid}"}),
        ("/api/search/{sid}/events", {"kind": "result_click", "position": 0, "instructor_service_id": "{isid}"}),
        ("/api/search/{sid}/events", {"kind": "result_click", "position": 1}),
        ("/api/search/{sid}/events", {"kind": "result_click", "position": 1, "instructor_service_id": "x"}),
        (
            "/api/search/{sid}/events",
            {"kind": "result_click", "position": 1, "instructor_service_id": "{isid}", "x": 1},
        ),
    ],
)
def test_bad_events_are_a_clear_422(client, path, body):
    sid, isid = str(uuid.uuid4()), str(uuid.uuid4())
    filled = {k: (v.format(isid=isid) if isinstance(v, str) else v) for k, v in body.items()}
    response = client.post(path.format(sid=sid), json=filled)
    assert response.status_code == 422, response.text


def test_a_booking_made_from_a_result_is_attributed_once(client, indexed_engine):
    student, teacher = make_user(indexed_engine), make_instructor(indexed_engine)
    search_id = str(uuid.uuid4())
    booking = {
        "instructor_id": str(teacher.profile_id),
        "instructor_service_id": str(teacher.offerings["piano"]),
        "start": at(nyc_today() + timedelta(days=3), 14),
        "duration_minutes": 60,
        "format": "online",
        "search_id": search_id,
    }
    headers = {**bearer(student), "Idempotency-Key": uuid.uuid4().hex}
    made = client.post("/api/bookings", json=booking, headers=headers)
    assert made.status_code == 201, made.text
    replay = client.post("/api/bookings", json=booking, headers=headers)
    assert replay.status_code == 200
    recorded = events(indexed_engine, search_id)
    assert [(e["kind"], str(e["booking_id"]), e["user_id"]) for e in recorded] == [
        ("booking", made.json()["id"], student.id)
    ]
    plain = {**booking, "start": at(nyc_today() + timedelta(days=3), 16)}
    del plain["search_id"]
    assert client.post("/api/bookings", json=plain, headers=bearer(student)).status_code == 201
    with indexed_engine.connect() as conn:
        attributed = conn.execute(
            text("SELECT count(*) FROM search_events e JOIN bookings b ON b.id = e.booking_id WHERE b.student_id = :s"),
            {"s": student.id},
        ).scalar_one()
    assert attributed == 1


def test_a_first_time_guest_is_named_in_the_impression_by_the_cookie_it_was_given(indexed_engine):
    with new_client(indexed_engine, ip=IP) as fresh:  # no cookie, no header: a first visit
        response = fresh.get("/api/search", params={"q": "chess lessons"})
        given = next(c for c in response.headers.get_list("set-cookie") if c.startswith("guest_id="))
        row = impression(fresh, indexed_engine, response.json()["search_id"])
    assert row["guest_id"] == given.split(";")[0].removeprefix("guest_id=")
    assert row["user_id"] is None
