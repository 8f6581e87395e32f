"""POST /api/bookings with an Idempotency-Key header: a retry with the same key and body returns the
original booking (200) instead of a 409, a different body with the same key is a 422, and the key is
stored in the database in the booking's own transaction, so a retry after a crash (or through another
process) finds the booking. Keys are per account."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text

from core.settings import Settings
from tests.factories import at, bearer, booking_body, make_instructor, make_user, new_client, nyc_today

HEADER = "Idempotency-Key"


@pytest.fixture
def inst(engine):
    return make_instructor(engine)


def _client(engine):
    return new_client(engine, settings=Settings(rate_limit_enabled=False))


def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _start(days: int = 3, hour: int = 10) -> str:
    return at(nyc_today() + timedelta(days=days), hour)


def test_a_retry_returns_the_original_booking(engine, inst):
    student = make_user(engine)
    body = booking_body(inst, _start())
    key = {HEADER: str(uuid.uuid4()), **bearer(student)}
    first = _client(engine).post("/api/bookings", json=body, headers=key)
    assert first.status_code == 201
    again = _client(engine).post("/api/bookings", json=body, headers=key)  # another process, same database
    assert again.status_code == 200
    assert again.json() == first.json()
    assert _count(engine, "SELECT count(*) FROM bookings WHERE student_id = :s", s=student.id) == 1
    emails = "SELECT count(*) FROM outbox WHERE payload->>'booking_id' = :b"
    assert _count(engine, emails, b=first.json()["id"]) == 2  # student and instructor, once


def test_without_a_key_a_retry_is_a_conflict(engine, inst):
    student = make_user(engine)
    body = booking_body(inst, _start(hour=12))
    assert _client(engine).post("/api/bookings", json=body, headers=bearer(student)).status_code == 201
    assert _client(engine).post("/api/bookings", json=body, headers=bearer(student)).status_code == 409


def test_the_same_key_with_another_body_is_a_422(engine, inst):
    student = make_user(engine)
    key = {HEADER: str(uuid.uuid4()), **bearer(student)}
    assert (
        _client(engine).post("/api/bookings", json=booking_body(inst, _start(hour=9)), headers=key).status_code == 201
    )
    other = _client(engine).post("/api/bookings", json=booking_body(inst, _start(hour=15)), headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert _count(engine, "SELECT count(*) FROM bookings WHERE student_id = :s", s=student.id) == 1


def test_the_same_instant_in_another_offset_is_the_same_body(engine, inst):
    student = make_user(engine)
    key = {HEADER: "retry-offset-1", **bearer(student)}
    body = booking_body(inst, _start(hour=16))
    first = _client(engine).post("/api/bookings", json=body, headers=key)
    assert first.status_code == 201
    from datetime import UTC, datetime

    utc = datetime.fromisoformat(str(body["start"])).astimezone(UTC).isoformat()
    assert _client(engine).post("/api/bookings", json={**body, "start": utc}, headers=key).status_code == 200


def test_concurrent_retries_create_one_booking(engine, inst):
    student = make_user(engine)
    body = booking_body(inst, _start(days=4, hour=11))
    key = {HEADER: str(uuid.uuid4()), **bearer(student)}
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _client(engine).post("/api/bookings", json=body, headers=key), range(6)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 5 + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1


def test_keys_belong_to_one_account(engine, inst):
    one, two = make_user(engine), make_user(engine)
    key = str(uuid.uuid4())
    a = _client(engine).post(
        "/api/bookings", json=booking_body(inst, _start(days=5, hour=9)), headers={HEADER: key, **bearer(one)}
    )
    b = _client(engine).post(
        "/api/bookings", json=booking_body(inst, _start(days=5, hour=13)), headers={HEADER: key, **bearer(two)}
    )
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_a_refused_attempt_does_not_use_up_the_key(engine, inst):
    student, rival = make_user(engine), make_user(engine)
    body = booking_body(inst, _start(days=6, hour=10))
    assert _client(engine).post("/api/bookings", json=body, headers=bearer(rival)).status_code == 201
    key = {HEADER: str(uuid.uuid4()), **bearer(student)}
    assert _client(engine).post("/api/bookings", json=body, headers=key).status_code == 409
    moved = _client(engine).post("/api/bookings", json=booking_body(inst, _start(days=6, hour=14)), headers=key)
    assert moved.status_code == 201


@pytest.mark.parametrize("bad", ["", "x" * 201, "with space", "naïve".encode()])
def test_malformed_keys_are_422(engine, inst, bad):
    student = make_user(engine)
    answer = _client(engine).post(
        "/api/bookings", json=booking_body(inst, _start(days=7)), headers={HEADER: bad, **bearer(student)}
    )
    assert answer.status_code == 422, answer.text
    assert _count(engine, "SELECT count(*) FROM bookings WHERE student_id = :s", s=student.id) == 0
