"""The student side of bookings over HTTP: create (every check), list, get, cancel, reschedule,
the instructor's complete/no-show, and the outbox rows written with each change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.app import create_app
from core.clock import MARKET_TZ
from core.settings import Settings
from services import bookings as booking_service
from tests.factories import at, bearer, booking_body, embed, make_instructor, make_user, nyc_now, nyc_today, search_all


@pytest.fixture
def inst(engine):
    return make_instructor(engine)


@pytest.fixture
def student(engine):
    user = make_user(engine)
    return user.id, bearer(user)


def tomorrow():
    return nyc_today() + timedelta(days=1)


def book(client, headers, body):
    return client.post("/api/bookings", json=body, headers=headers)


def outbox_for(engine, booking_id: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT kind, recipient FROM outbox WHERE payload->>'booking_id' = :b ORDER BY kind, recipient"),
                {"b": booking_id},
            )
        ]


def test_create_snapshots_the_price_and_writes_the_confirmation(client, engine, inst, student):
    uid, headers = student
    r = book(
        client,
        headers,
        booking_body(
            inst, at(tomorrow(), 10), minutes=90, fmt="in_person", location="123 Court St", notes="first lesson"
        ),
    )
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["status"] == "confirmed" and b["duration_minutes"] == 90
    assert b["hourly_rate"] == 80.0 and b["total_price"] == 120.0
    assert datetime.fromisoformat(b["start"]) == datetime.fromisoformat(at(tomorrow(), 10))
    assert datetime.fromisoformat(b["end"]) - datetime.fromisoformat(b["start"]) == timedelta(minutes=90)
    assert b["service"]["slug"] == "piano" and b["student"]["id"] == str(uid)
    kinds = [k for k, _ in outbox_for(engine, b["id"])]
    assert kinds == ["booking_confirmation", "booking_new_for_instructor"]
    # A later price change never touches the booked lesson.
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE instructor_services SET price_in_person = 200 WHERE id = :i"), {"i": inst.offerings["piano"]}
        )
    again = client.get(f"/api/bookings/{b['id']}", headers=headers).json()
    assert again["total_price"] == 120.0


def test_service_slug_and_utc_offsets_are_accepted(client, inst, student):
    _, headers = student
    start_utc = datetime.fromisoformat(at(tomorrow(), 14)).astimezone(UTC).isoformat()
    body = booking_body(inst, start_utc)
    body.pop("instructor_service_id")
    body["service"] = "piano"
    r = book(client, headers, body)
    assert r.status_code == 201, r.text
    assert (
        datetime.fromisoformat(r.json()["start"]).utcoffset() == datetime.fromisoformat(at(tomorrow(), 14)).utcoffset()
    )


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"duration_minutes": 45}, 422, "duration_not_offered"),
        ({"start": "T10:07"}, 422, "off_grid"),
        ({"start": "T23:30"}, 422, "crosses_midnight"),
        ({"service": "guitar", "instructor_service_id": None}, 422, "service_not_offered"),
        ({"instructor_id": str(uuid.uuid4())}, 404, "instructor_not_found"),
    ],
)
def test_create_refuses_with_a_reason(client, inst, student, change, status, code):
    _, headers = student
    body = booking_body(inst, at(tomorrow(), 10))
    for key, value in change.items():
        if key == "start":
            hh, mm = value[1:].split(":")
            value = at(tomorrow(), int(hh), int(mm))
        body[key] = value
    body = {k: v for k, v in body.items() if v is not None}
    r = book(client, headers, body)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code and r.json()["detail"]


def test_outside_availability_blackout_and_notice_are_refused(client, engine, student):
    _, headers = student
    inst = make_instructor(
        engine, windows=((time(9, 0), time(12, 0)),), services=(("piano", None, Decimal("50"), [60]),)
    )
    r = book(client, headers, booking_body(inst, at(tomorrow(), 11, 30)))
    assert r.status_code == 422 and r.json()["code"] == "outside_availability"
    assert "11:30–12:30" in r.json()["detail"]
    r = book(client, headers, booking_body(inst, at(tomorrow(), 10), fmt="in_person"))
    assert r.status_code == 422 and r.json()["code"] == "format_not_offered"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO blackout_dates (id, instructor_id, blackout_date) VALUES (:i, :p, :d)"),
            {"i": uuid.uuid4(), "p": inst.profile_id, "d": tomorrow() + timedelta(days=1)},
        )
    r = book(client, headers, booking_body(inst, at(tomorrow() + timedelta(days=1), 10)))
    assert r.status_code == 422 and r.json()["code"] == "blackout"
    soon = (nyc_now() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    soon -= timedelta(minutes=soon.minute % 15)
    r = book(client, headers, booking_body(make_instructor(engine), soon.isoformat()))
    assert r.status_code == 422 and r.json()["code"] == "too_soon"
    assert "120 minutes" in r.json()["detail"]


def test_naive_times_and_missing_fields_are_422(client, inst, student):
    _, headers = student
    body = booking_body(inst, at(tomorrow(), 10))
    body["start"] = body["start"][:19]
    r = book(client, headers, body)
    assert r.status_code == 422 and "timezone" in r.text.lower()
    body = booking_body(inst, at(tomorrow(), 10))
    del body["instructor_service_id"]
    r = book(client, headers, body)
    assert r.status_code == 422 and "instructor_service_id or service" in r.text


def test_overlaps_are_409_naming_the_conflict(client, engine, inst, student):
    _, headers = student
    assert book(client, headers, booking_body(inst, at(tomorrow(), 10))).status_code == 201
    other = bearer(make_user(engine))
    r = book(client, other, booking_body(inst, at(tomorrow(), 10, 30)))
    assert r.status_code == 409
    assert r.json()["code"] == "slot_taken" and r.json()["constraint"] == "ex_bookings_instructor_overlap"
    # The same student, another instructor, an overlapping time: the student constraint.
    r = book(client, headers, booking_body(make_instructor(engine), at(tomorrow(), 10, 45), minutes=30))
    assert r.status_code == 409 and r.json()["code"] == "student_overlap"
    # Back to back is fine.
    assert book(client, other, booking_body(inst, at(tomorrow(), 11))).status_code == 201


def test_permissions_and_ownership(client, engine, inst, student):
    _, headers = student
    assert client.post("/api/bookings", json=booking_body(inst, at(tomorrow(), 10))).status_code == 401
    # Instructors hold no create_bookings permission.
    r = book(client, inst.headers, booking_body(make_instructor(engine), at(tomorrow(), 10)))
    assert r.status_code == 403
    mine = book(client, headers, booking_body(inst, at(tomorrow(), 9))).json()
    stranger = bearer(make_user(engine))
    assert client.get(f"/api/bookings/{mine['id']}", headers=stranger).status_code == 404
    assert client.post(f"/api/bookings/{mine['id']}/cancel", headers=stranger).status_code == 404
    # The instructor sees it through the instructor routes.
    assert client.get(f"/api/instructor/bookings/{mine['id']}", headers=inst.headers).status_code == 200
    admin = bearer(make_user(engine, role="admin"))
    assert client.get(f"/api/bookings/{mine['id']}", headers=admin).status_code == 200


def test_list_upcoming_and_past(client, engine, inst, student):
    uid, headers = student
    ids = [
        book(client, headers, booking_body(inst, at(tomorrow() + timedelta(days=d), 10))).json()["id"]
        for d in (2, 0, 1)
    ]
    up = client.get("/api/bookings", params={"when": "upcoming"}, headers=headers).json()["bookings"]
    assert [b["id"] for b in up] == [ids[1], ids[2], ids[0]]
    client.post(f"/api/bookings/{ids[2]}/cancel", headers=headers)
    up = client.get("/api/bookings", headers=headers).json()["bookings"]
    past = client.get("/api/bookings", params={"when": "past"}, headers=headers).json()["bookings"]
    assert [b["id"] for b in up] == [ids[1], ids[0]]
    assert [b["id"] for b in past] == [ids[2]] and past[0]["status"] == "cancelled"
    lessons = client.get("/api/instructor/bookings", headers=inst.headers).json()["bookings"]
    assert [b["id"] for b in lessons] == [ids[1], ids[0]]
    assert client.get("/api/bookings", params={"when": "soon"}, headers=headers).status_code == 422


def test_cancel_policy_full_refund_and_late(client, engine, inst, student):
    _, headers = student
    far = book(client, headers, booking_body(inst, at(tomorrow() + timedelta(days=2), 10))).json()
    r = client.post(f"/api/bookings/{far['id']}/cancel", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["cancellation_kind"] == "full_refund" and r.json()["cancelled_at"]
    assert [k for k, _ in outbox_for(engine, far["id"])].count("booking_cancelled") == 2
    # Less than 24 h ahead (but after the 2 h notice): a late cancellation.
    soon = (nyc_now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    soon += timedelta(minutes=(-soon.minute) % 15)
    if soon.hour * 60 + soon.minute > 22 * 60 + 30:
        soon = datetime.combine(soon.date() + timedelta(days=1), datetime.min.time(), tzinfo=MARKET_TZ)
    late = book(client, headers, booking_body(inst, soon.isoformat())).json()
    r = client.post(f"/api/bookings/{late['id']}/cancel", headers=headers)
    assert r.status_code == 200 and r.json()["cancellation_kind"] == "late"
    # Cancelling twice is a 409 with the reason; the cancelled time is free again.
    r = client.post(f"/api/bookings/{late['id']}/cancel", headers=headers)
    assert r.status_code == 409 and "cancelled" in r.json()["detail"]
    assert book(client, bearer(make_user(engine)), booking_body(inst, soon.isoformat())).status_code == 201


def test_reschedule_links_the_new_booking(client, engine, inst, student):
    _, headers = student
    day = tomorrow() + timedelta(days=2)  # more than 24 h ahead, whatever the time of day
    old = book(client, headers, booking_body(inst, at(day, 10), fmt="in_person")).json()
    # Move by 30 minutes: overlaps its own old time, which is released in the same transaction.
    r = client.post(f"/api/bookings/{old['id']}/reschedule", json={"start": at(day, 10, 30)}, headers=headers)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["rescheduled_from_id"] == old["id"] and new["status"] == "confirmed"
    assert new["hourly_rate"] == old["hourly_rate"] and new["format"] == "in_person"
    was = client.get(f"/api/bookings/{old['id']}", headers=headers).json()
    assert was["status"] == "rescheduled" and was["rescheduled_to_id"] == new["id"]
    assert [k for k, _ in outbox_for(engine, new["id"])].count("booking_rescheduled") == 2
    # The old one cannot move again; the new one cannot move onto someone else's lesson.
    r = client.post(f"/api/bookings/{old['id']}/reschedule", json={"start": at(day, 15)}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert book(client, bearer(make_user(engine)), booking_body(inst, at(day, 16))).status_code == 201
    r = client.post(f"/api/bookings/{new['id']}/reschedule", json={"start": at(day, 16)}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "slot_taken"
    # ... and the failed attempt left everything as it was.
    assert client.get(f"/api/bookings/{new['id']}", headers=headers).json()["status"] == "confirmed"
    r = client.post(f"/api/bookings/{new['id']}/reschedule", json={"start": at(day, 10, 30)}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "same_time"


def test_reschedule_inside_24_hours_is_refused(client, engine, inst, student):
    """Otherwise a student could move a lesson due in 3 hours and then cancel it for a full refund."""
    _, headers = student
    soon = (nyc_now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    soon += timedelta(minutes=(-soon.minute) % 15)
    if soon.hour * 60 + soon.minute > 22 * 60 + 30:
        soon = datetime.combine(soon.date() + timedelta(days=1), datetime.min.time(), tzinfo=MARKET_TZ)
    near = book(client, headers, booking_body(inst, soon.isoformat())).json()
    r = client.post(
        f"/api/bookings/{near['id']}/reschedule",
        json={"start": at(tomorrow() + timedelta(days=3), 10)},
        headers=headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "too_late_to_reschedule"
    assert client.get(f"/api/bookings/{near['id']}", headers=headers).json()["status"] == "confirmed"


def _past_booking(engine, inst, student_id, hours_ago: int) -> str:
    """Booked three days ago for a lesson that started `hours_ago` hours ago."""
    start = (datetime.now(MARKET_TZ) - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    if start.hour == 23:
        # A lesson must end by midnight: run between 01:00 and 02:00 New York time, "26 hours ago"
        # started at 23:00 and the booking was refused. An hour earlier is still as far in the past.
        start -= timedelta(hours=1)
    with Session(engine) as db:
        view = booking_service.create(
            db,
            student_id=student_id,
            instructor_id=inst.profile_id,
            instructor_service_id=inst.offerings["piano"],
            start=start,
            duration_minutes=60,
            location_type="online",
            now=start - timedelta(days=3),
            notice_minutes=120,
        )
    return view["id"]


def test_complete_and_no_show(client, engine, inst, student):
    uid, headers = student
    done = _past_booking(engine, inst, uid, hours_ago=26)
    missed = _past_booking(engine, inst, uid, hours_ago=50)
    future = book(client, headers, booking_body(inst, at(tomorrow(), 10))).json()["id"]
    r = client.post(f"/api/instructor/bookings/{future}/complete", headers=inst.headers)
    assert r.status_code == 409 and r.json()["code"] == "not_ended"
    r = client.post(f"/api/instructor/bookings/{future}/no-show", headers=inst.headers)
    assert r.status_code == 409 and r.json()["code"] == "not_started"
    r = client.post(f"/api/instructor/bookings/{done}/complete", headers=inst.headers)
    assert r.status_code == 200 and r.json()["status"] == "completed"
    r = client.post(f"/api/instructor/bookings/{missed}/no-show", headers=inst.headers)
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    for path in (f"{done}/no-show", f"{missed}/complete", f"{done}/cancel"):
        r = client.post(f"/api/instructor/bookings/{path}", headers=inst.headers)
        assert r.status_code == 409 and r.json()["code"] == "invalid_transition", path
    # A student cannot complete; another instructor does not see the lesson.
    assert client.post(f"/api/instructor/bookings/{done}/complete", headers=headers).status_code == 403
    other = make_instructor(engine)
    assert client.post(f"/api/instructor/bookings/{future}/complete", headers=other.headers).status_code == 404
    # A started lesson can no longer be cancelled by the student.
    r = client.post(f"/api/bookings/{_past_booking(engine, inst, uid, hours_ago=3)}/cancel", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "already_started"


def test_instructor_cancel_is_always_a_full_refund(client, engine, inst, student):
    _, headers = student
    soon = (nyc_now() + timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
    if soon.hour > 22:
        soon = soon + timedelta(hours=2)
    b = book(client, headers, booking_body(inst, soon.isoformat())).json()
    r = client.post(f"/api/instructor/bookings/{b['id']}/cancel", headers=inst.headers)
    assert r.status_code == 200 and r.json()["cancellation_kind"] == "full_refund"


def test_bookings_survive_availability_changes(client, engine, inst, student):
    _, headers = student
    b = book(client, headers, booking_body(inst, at(tomorrow(), 10))).json()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM availability_slots WHERE instructor_id = :p"), {"p": inst.profile_id})
    assert client.get(f"/api/bookings/{b['id']}", headers=headers).json()["status"] == "confirmed"


@pytest.fixture
def search_client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


def test_a_booked_slot_leaves_search(search_client, engine, student):
    """Book the one slot search offers for an instructor, search again: the slot is gone (and with
    it the instructor, who has nothing else to book), because the booking bumped the cache version."""
    _, headers = student
    day = tomorrow() + timedelta(days=1)
    inst = make_instructor(
        engine,
        first_day=day,
        days=1,
        windows=((time(10, 0), time(11, 0)),),
        services=(("piano", None, Decimal("55"), [60]),),
    )
    embed(engine, inst)
    query = "piano lessons online"
    before = search_all(search_client, query)
    mine = before[str(inst.profile_id)]
    assert [s["start"] for s in mine["slots"]] == [at(day, 10)]
    r = book(search_client, headers, booking_body(inst, mine["slots"][0]["start"], minutes=mine["duration_minutes"]))
    assert r.status_code == 201, r.text
    after = search_all(search_client, query)
    assert str(inst.profile_id) not in after
    # Cancelling frees the slot again.
    assert search_client.post(f"/api/bookings/{r.json()['id']}/cancel", headers=headers).status_code == 200
    again = search_all(search_client, query)
    assert [s["start"] for s in again[str(inst.profile_id)]["slots"]] == [at(day, 10)]
