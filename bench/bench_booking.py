"""Booking create benchmark: POST /api/bookings in process (TestClient, full stack: auth, permission,
checks, insert under the EXCLUDE constraints, outbox rows, commit, cache bump), and the service call
alone, on the 1,000-instructor benchmark database. Then a burst: N students at one slot through a real
uvicorn server (one 201, the rest 409). Everything the run creates is deleted at the end.

    python -m bench.bench_booking [--size 1000] [--n 300] [--burst 50]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import uvicorn
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.app import create_app
from bench.datasets import bench_engine
from core.clock import MARKET_TZ
from core.settings import Settings
from services import bookings, tokens

console = Console()
warnings.filterwarnings("ignore", message="The HMAC key")  # the development secret is short by design


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def setup(engine, students: int, tag: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """A fresh instructor (piano, 30-minute lessons, available all day for 60 days) and students."""
    today = datetime.now(MARKET_TZ).date()
    user_id, profile_id, offering = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    student_ids = [uuid.uuid4() for _ in range(students)]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, full_name, role) VALUES "
                "(:i, :e, 'x', 'Bench Teacher', 'instructor')"
            ),
            {"i": user_id, "e": f"t-{tag}@bench.test"},
        )
        conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, full_name, role) VALUES "
                "(:i, :e, 'x', 'Bench Student', 'student')"
            ),
            [{"i": s, "e": f"s{k}-{tag}@bench.test"} for k, s in enumerate(student_ids)],
        )
        conn.execute(
            text(
                "INSERT INTO instructor_profiles (id, user_id, languages, boroughs) VALUES "
                "(:p, :u, ARRAY['english'], ARRAY['brooklyn'])"
            ),
            {"p": profile_id, "u": user_id},
        )
        conn.execute(
            text(
                "INSERT INTO instructor_services (id, profile_id, service_id, price_online, duration_options) "
                "SELECT :i, :p, id, 50, ARRAY[30] FROM services WHERE slug = 'piano'"
            ),
            {"i": offering, "p": profile_id},
        )
        conn.execute(
            text(
                "INSERT INTO availability_slots (id, instructor_id, slot_date, start_time, end_time) "
                "VALUES (:i, :p, :d, '00:00', '23:45')"
            ),
            [{"i": uuid.uuid4(), "p": profile_id, "d": today + timedelta(days=k)} for k in range(60)],
        )
    return user_id, profile_id, offering, student_ids


def cleanup(engine, user_id, profile_id, student_ids) -> None:
    with engine.begin() as conn:
        ids = [str(s) for s in student_ids]
        conn.execute(
            text(
                "DELETE FROM outbox WHERE payload->>'booking_id' IN "
                "(SELECT id::text FROM bookings WHERE instructor_id = :p)"
            ),
            {"p": profile_id},
        )
        conn.execute(text("DELETE FROM bookings WHERE instructor_id = :p"), {"p": profile_id})
        conn.execute(text("DELETE FROM instructor_profiles WHERE id = :p"), {"p": profile_id})
        conn.execute(text("DELETE FROM users WHERE id = :u OR id = ANY(CAST(:s AS uuid[]))"), {"u": user_id, "s": ids})


def slot(k: int) -> datetime:
    """The k-th distinct 30-minute slot from tomorrow 06:00 (New York), 30 a day."""
    day = datetime.now(MARKET_TZ).date() + timedelta(days=1 + k // 30)
    return datetime.combine(day, datetime.min.time(), tzinfo=MARKET_TZ) + timedelta(hours=6, minutes=30 * (k % 30))


def headers(settings: Settings, user_id: uuid.UUID) -> dict:
    token, _ = tokens.issue(user_id=user_id, token_version=0, kind="access", secret=settings.secret_key)
    return {"Authorization": f"Bearer {token}"}


def burst(engine, settings, profile_id, offering, student_ids, start: datetime) -> tuple[int, int, int, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    body = {
        "instructor_id": str(profile_id),
        "instructor_service_id": str(offering),
        "start": start.isoformat(),
        "duration_minutes": 30,
        "format": "online",
    }
    barrier = threading.Barrier(len(student_ids))
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", timeout=30, limits=httpx.Limits(max_connections=len(student_ids))
    ) as client:

        def one(sid):
            h = headers(settings, sid)
            barrier.wait()
            return client.post("/api/bookings", json=body, headers=h).status_code

        with ThreadPoolExecutor(len(student_ids)) as pool:
            t = time.perf_counter()
            codes = list(pool.map(one, student_ids))
            wall = time.perf_counter() - t
    server.should_exit = True
    thread.join(10)
    return len(codes), codes.count(201), codes.count(409), wall * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--n", type=int, default=300, help="bookings per measurement")
    ap.add_argument("--burst", type=int, default=50, help="concurrent requests at one slot")
    args = ap.parse_args()
    settings = Settings(db_pool_size=30, db_max_overflow=40)
    engine = bench_engine(args.size)
    tag = uuid.uuid4().hex[:8]
    user_id, profile_id, offering, students = setup(engine, 2 * args.n + args.burst, tag)
    try:
        http_ms: list[float] = []
        with TestClient(create_app(settings, engine=engine)) as client:
            for k in range(args.n + 10):
                body = {
                    "instructor_id": str(profile_id),
                    "instructor_service_id": str(offering),
                    "start": slot(k).isoformat(),
                    "duration_minutes": 30,
                    "format": "online",
                }
                h = headers(settings, students[k % len(students)])
                t = time.perf_counter()
                r = client.post("/api/bookings", json=body, headers=h)
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == 201, r.text
                if k >= 10:  # the first ten warm the pool and the plans
                    http_ms.append(elapsed)
        service_ms: list[float] = []
        now = datetime.now(UTC)
        for k in range(args.n):
            with Session(engine, expire_on_commit=False) as db:
                t = time.perf_counter()
                bookings.create(
                    db,
                    student_id=students[args.n + k],
                    instructor_id=profile_id,
                    instructor_service_id=offering,
                    start=slot(args.n + 10 + k),
                    duration_minutes=30,
                    location_type="online",
                    now=now,
                    notice_minutes=settings.min_notice_minutes,
                )
                service_ms.append((time.perf_counter() - t) * 1000)
        requests, created, conflicts, wall = burst(
            engine, settings, profile_id, offering, students[2 * args.n :], slot(2 * args.n + 20)
        )
    finally:
        cleanup(engine, user_id, profile_id, students)
        engine.dispose()

    table = Table(title=f"booking create, {args.size:,}-instructor database, n={args.n}")
    for col in ("path", "p50 ms", "p95 ms", "mean ms"):
        table.add_column(col, justify="right" if col != "path" else "left")
    for name, values in (("POST /api/bookings (in process)", http_ms), ("services.bookings.create", service_ms)):
        table.add_row(name, f"{pct(values, 50):.2f}", f"{pct(values, 95):.2f}", f"{statistics.fmean(values):.2f}")
    console.print(table)
    console.print(
        f"burst at one slot (uvicorn): {requests} requests, {created} created, {conflicts} 409, wall {wall:.0f} ms"
    )


if __name__ == "__main__":
    main()
