"""Public instructor pages: profile, bookable windows, next available; ETag, Cache-Control, 304,
and invalidation when a booking, availability or profile changes."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.factories import at, bearer, booking_body, make_instructor, make_user, nyc_today


@pytest.fixture
def inst(engine):
    return make_instructor(
        engine,
        windows=((time(9, 0), time(12, 0)), (time(14, 0), time(16, 0))),
        services=(("piano", Decimal("80"), Decimal("60"), [30, 60]), ("guitar", None, Decimal("45"), [45])),
    )


def day_of(body: dict, day) -> dict:
    return next(d for d in body["days"] if d["date"] == day.isoformat())


def test_profile_is_public_with_services_and_prices(client, inst):
    r = client.get(f"/api/public/instructors/{inst.profile_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == str(inst.profile_id) and body["bio"] == "Patient teacher."
    assert {s["slug"]: s["price"] for s in body["services"]} == {
        "guitar": {"in_person": None, "online": 45.0},
        "piano": {"in_person": 80.0, "online": 60.0},
    }
    assert "email" not in r.text
    assert r.headers["etag"] and "max-age" in r.headers["cache-control"]
    again = client.get(f"/api/public/instructors/{inst.profile_id}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == r.headers["etag"]
    assert client.get(f"/api/public/instructors/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/public/instructors/not-a-uuid").status_code == 422


def test_availability_subtracts_bookings_and_blackouts(client, engine, inst):
    day = nyc_today() + timedelta(days=2)
    url = f"/api/public/instructors/{inst.profile_id}/availability"
    params = {"start_date": day.isoformat(), "end_date": (day + timedelta(days=1)).isoformat(), "duration_minutes": 60}
    before = client.get(url, params=params)
    assert before.status_code == 200, before.text
    windows = day_of(before.json(), day)["windows"]
    assert [(w["start"], w["end"]) for w in windows] == [(at(day, 9), at(day, 12)), (at(day, 14), at(day, 16))]
    assert windows[0]["starts"][:3] == [at(day, 9), at(day, 9, 30), at(day, 10)]
    etag = before.headers["etag"]
    assert client.get(url, params=params, headers={"If-None-Match": etag}).status_code == 304

    student = bearer(make_user(engine))
    assert client.post("/api/bookings", json=booking_body(inst, at(day, 10)), headers=student).status_code == 201
    after = client.get(url, params=params)
    assert after.headers["etag"] != etag  # the booking invalidated the cached answer
    windows = day_of(after.json(), day)["windows"]
    assert [(w["start"], w["end"]) for w in windows] == [
        (at(day, 9), at(day, 10)),
        (at(day, 11), at(day, 12)),
        (at(day, 14), at(day, 16)),
    ]

    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO blackout_dates (id, instructor_id, blackout_date) VALUES (:i, :p, :d)"),
            {"i": uuid.uuid4(), "p": inst.profile_id, "d": day + timedelta(days=1)},
        )
    client.app.state.cache.bump()  # a direct SQL write; the API's own writes bump by themselves
    assert day_of(client.get(url, params=params).json(), day + timedelta(days=1))["windows"] == []


def test_availability_respects_notice_and_duration(client, inst):
    url = f"/api/public/instructors/{inst.profile_id}/availability"
    body = client.get(url).json()  # defaults: today + 6 days, shortest lesson
    assert body["duration_minutes"] == 30 and len(body["days"]) == 7
    earliest = datetime.fromisoformat(body["earliest_start"])
    assert earliest >= datetime.now(earliest.tzinfo) + timedelta(minutes=119)
    for d in body["days"]:
        for w in d["windows"]:
            assert datetime.fromisoformat(w["start"]) >= earliest
    r = client.get(url, params={"duration_minutes": 50})
    assert r.status_code == 422 and "30, 45, 60" in r.json()["detail"]
    r = client.get(url, params={"start_date": "2030-01-10", "end_date": "2030-01-01"})
    assert r.status_code == 422
    r = client.get(url, params={"start_date": "2030-01-01", "end_date": "2030-06-01"})
    assert r.status_code == 422 and "at most" in r.json()["detail"]


def test_next_available(client, engine, inst):
    url = f"/api/public/instructors/{inst.profile_id}/next-available"
    r = client.get(url, params={"duration_minutes": 45})
    assert r.status_code == 200 and r.headers["etag"]
    first = datetime.fromisoformat(r.json()["next_available"])
    assert first >= datetime.now(first.tzinfo) + timedelta(minutes=119)
    assert datetime.fromisoformat(r.json()["end"]) - first == timedelta(minutes=45)
    # No availability at all: null, not an error.
    empty = make_instructor(engine, days=0)
    assert client.get(f"/api/public/instructors/{empty.profile_id}/next-available").json()["next_available"] is None
