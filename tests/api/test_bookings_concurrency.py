"""Real concurrency against a real uvicorn server: the database (EXCLUDE constraint + transaction)
decides who gets a slot. 60 students fire at one slot together: exactly one booking, the rest 409.
Back-to-back slots booked at the same moment both succeed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from api.app import create_app
from core.db import make_engine
from core.settings import Settings
from tests.factories import at, bearer, booking_body, make_instructor, make_user, nyc_today
from tests.net import closed_port

REQUESTS = 60


@pytest.fixture(scope="module")
def server(db_url):
    settings = Settings(db_pool_size=30, db_max_overflow=40)
    engine = make_engine(db_url, settings)
    port = closed_port()
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    engine.dispose()


def fire(base: str, requests: list[tuple[dict, dict]]) -> tuple[list[httpx.Response], float]:
    """Send every (headers, body) at once: all threads wait on a barrier, then POST together."""
    barrier = threading.Barrier(len(requests))
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    with httpx.Client(base_url=base, timeout=30, limits=limits) as client:

        def one(item):
            headers, body = item
            barrier.wait()
            return client.post("/api/bookings", json=body, headers=headers)

        with ThreadPoolExecutor(len(requests)) as pool:
            started = time.perf_counter()
            responses = list(pool.map(one, requests))
            wall = time.perf_counter() - started
    return responses, wall


def live_bookings(engine, profile_id) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT student_id, start_time FROM bookings WHERE instructor_id = :p "
                "AND status IN ('confirmed', 'completed', 'no_show') ORDER BY start_time"
            ),
            {"p": profile_id},
        ).all()


def test_many_students_one_slot_exactly_one_wins(server, engine):
    inst = make_instructor(engine)
    day = nyc_today() + timedelta(days=2)
    students = [make_user(engine) for _ in range(REQUESTS)]
    body = booking_body(inst, at(day, 10))
    responses, wall = fire(server, [(bearer(s), body) for s in students])
    codes = [r.status_code for r in responses]
    won = [r for r in responses if r.status_code == 201]
    lost = [r for r in responses if r.status_code == 409]
    print(f"\nconcurrency: {REQUESTS} requests, {len(won)} created, {len(lost)} 409, wall {wall * 1000:.0f} ms")
    assert len(won) == 1, codes
    assert len(lost) == REQUESTS - 1, codes
    assert all(r.json()["code"] == "slot_taken" and "already has a lesson" in r.json()["detail"] for r in lost)
    rows = live_bookings(engine, inst.profile_id)
    assert len(rows) == 1 and str(rows[0][0]) == won[0].json()["student"]["id"]


def test_back_to_back_slots_booked_together_both_succeed(server, engine):
    inst = make_instructor(engine)
    day = nyc_today() + timedelta(days=3)
    pairs = []
    for hour in (8, 10, 12, 14, 16):  # five pairs at once: [h, h+1) and [h+1, h+2)
        pairs.append((bearer(make_user(engine)), booking_body(inst, at(day, hour))))
        pairs.append((bearer(make_user(engine)), booking_body(inst, at(day, hour + 1))))
    responses, _ = fire(server, pairs)
    assert [r.status_code for r in responses] == [201] * len(pairs), [r.text for r in responses]
    assert len(live_bookings(engine, inst.profile_id)) == len(pairs)


def test_one_student_two_instructors_same_time_only_one(server, engine):
    """The student constraint: one student double-clicking onto two instructors gets one lesson."""
    student = bearer(make_user(engine))
    day = nyc_today() + timedelta(days=4)
    requests = [(student, booking_body(make_instructor(engine), at(day, 9))) for _ in range(8)]
    responses, _ = fire(server, requests)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 7, codes
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"student_overlap"}
