"""Scripted fault runs against real uvicorn processes on 127.0.0.1 (bounded in time and requests):

redis     Redis (our own redis-server, never the machine's) is killed during a search load and
          started again: searches keep succeeding, and caching in Redis resumes.
postgres  Postgres (our own pgserver in a temp folder, never .pgdata or the test server) is stopped
          during a search + booking load and started again: 503s during the outage, recovery by
          itself (pool pre-ping), and every acknowledged booking is in the database exactly once.
shared    Two API processes share Redis: one rate-limit budget, and a booking through one process
          invalidates the cached search of the other.

  python -m bench.faults.run_faults [redis postgres shared]
"""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import redis as redis_lib
from sqlalchemy import text

from bench.bench_load import free_port, start_api, stop
from bench.datasets import bench_engine
from core.settings import PROJECT_ROOT

OUT = PROJECT_ROOT / "var" / "faults"
QUERIES = [
    "piano lessons",
    "guitar in brooklyn",
    "math tutor for my 8 year old",
    "yoga",
    "spanish online",
    "swimming for kids",
    "chess",
    "violin in astoria",
    "sat prep",
    "drawing for adults",
]


def own_redis() -> tuple[subprocess.Popen, int, list[str]]:
    port = free_port()
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed"
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            redis_lib.Redis(port=port).ping()
            break
        except redis_lib.RedisError:
            time.sleep(0.05)
    return proc, port, cmd


class Load:
    """Threads sending searches (and optionally bookings); every answer is logged with its time."""

    def __init__(self, base: str, threads: int = 4, booking=None, ip: str = "10.99.0.1"):
        self.base, self.threads, self.booking, self.ip = base, threads, booking, ip
        self.log: list[tuple[float, str, int, bool]] = []  # (time, kind, status, cached)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.tag = f"x{time.time_ns() % 100000}n"

    def _worker(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=10, headers={"X-Forwarded-For": f"10.99.{n}.1"}) as c:
            i = n
            while not self.stop.is_set():
                i += 1
                kind, status, cached = "search", 0, False
                try:
                    if self.booking and i % 25 == 0:
                        kind = "booking"
                        status = self.booking(c)
                    else:
                        # every other search is new (a cache miss), so it needs the database
                        q = QUERIES[i % len(QUERIES)] + (f" {self.tag}{i}" if i % 2 else "")
                        r = c.get("/api/search", params={"q": q})
                        status = r.status_code
                        cached = status == 200 and r.json().get("cached", False)
                except httpx.HTTPError:
                    status = -1  # no answer at all (connection refused / timeout)
                with self.lock:
                    self.log.append((time.monotonic(), kind, status, cached))
                time.sleep(0.02)

    def __enter__(self):
        self.workers = [threading.Thread(target=self._worker, args=(n,), daemon=True) for n in range(self.threads)]
        for w in self.workers:
            w.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for w in self.workers:
            w.join(15)

    def counts(self, start: float, end: float, kind: str | None = None) -> dict:
        c = collections.Counter(str(s) for t, k, s, _ in self.log if start <= t < end and (kind is None or k == kind))
        return dict(sorted(c.items()))


def fault_redis() -> dict:
    engine = bench_engine(1000)
    url = engine.url.render_as_string(hide_password=False)
    proc, port, cmd = own_redis()
    api_port = free_port()
    api = start_api(
        url,
        1,
        api_port,
        OUT / "redis_api.log",
        {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "RATE_LIMIT_ENABLED": "false"},
    )
    base = f"http://127.0.0.1:{api_port}"
    r = redis_lib.Redis(port=port)
    try:
        with Load(base) as load:
            t0 = time.monotonic()
            time.sleep(8)
            keys_before = r.dbsize()
            proc.kill()
            proc.wait()
            t_kill = time.monotonic()
            time.sleep(10)
            during_ready = httpx.get(base + "/ready").json()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t_back = time.monotonic()
            keys_after, resumed_at = 0, None
            while time.monotonic() - t_back < 20:
                time.sleep(0.25)
                try:
                    keys_after = r.dbsize()
                except redis_lib.RedisError:
                    continue
                if keys_after > 0 and resumed_at is None:
                    resumed_at = time.monotonic()
                    break
            time.sleep(6)
            t_end = time.monotonic()
        after_ready = httpx.get(base + "/ready").json()
        cached_after = sum(1 for t, k, s, c in load.log if t >= (resumed_at or t_end) and c)
        return {
            "before": load.counts(t0, t_kill),
            "redis_down": load.counts(t_kill, t_back),
            "after_restart": load.counts(t_back, t_end),
            "cache_keys_before_kill": keys_before,
            "ready_during": during_ready,
            "ready_after": after_ready,
            "redis_cache_resumed_after_s": round(resumed_at - t_back, 2) if resumed_at else None,
            "redis_keys_after": r.dbsize(),
            "cached_answers_after_resume": cached_after,
        }
    finally:
        stop(api)
        proc.kill()
        engine.dispose()


def fault_postgres() -> dict:
    import pgserver
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

    from core import embedded_pg, migrate
    from core.db import make_engine
    from index.build import build
    from services import seeding

    tmp = Path(tempfile.mkdtemp(prefix="ii-fault-pg-"))
    server = pgserver.get_server(tmp / "pgdata", cleanup_mode="stop")
    embedded_pg.ensure_database(server, "faults")
    url = embedded_pg.url_for(server, "faults")
    migrate.upgrade(url)
    engine = make_engine(url)
    seeding.seed(engine, instructors=120, seed=5, start=date.today(), quiet=True)
    build(engine, quiet=True)
    api_port = free_port()
    api = start_api(url, 1, api_port, OUT / "postgres_api.log", {"RATE_LIMIT_ENABLED": "false"})
    base = f"http://127.0.0.1:{api_port}"
    # Students and bookable (instructor, service, start) offers from searches, before the fault.
    offers = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for q in QUERIES * 2:
            for item in c.get("/api/search", params={"q": q + " online", "limit": 50}).json()["results"]:
                if "online" in item["formats"]:
                    avail = c.get(
                        f"/api/public/instructors/{item['instructor']['id']}/availability",
                        params={"duration_minutes": item["duration_minutes"]},
                    ).json()
                    for day in avail.get("days", []):
                        for window in day["windows"]:
                            for start in window["starts"][::4]:
                                offers.append(
                                    {
                                        "instructor_id": item["instructor"]["id"],
                                        "instructor_service_id": item["instructor_service_id"],
                                        "start": start,
                                        "duration_minutes": item["duration_minutes"],
                                        "format": "online",
                                    }
                                )
        tokens = []
        for n in range(8):
            r = c.post(
                "/api/auth/register",
                json={
                    "email": f"fault-{n}-{time.time_ns()}@faults.test",
                    "password": "fault run password",
                    "full_name": "Fault Tester",
                },
            )
            tokens.append(r.json()["access_token"])
    offers = list({(o["instructor_id"], o["start"]): o for o in offers}.values())
    import random

    random.Random(1).shuffle(offers)
    acked: list[str] = []
    attempts: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()

    def book(client: httpx.Client) -> int:
        with lock:
            if not offers:
                return 0
            offer = offers.pop()
            token = tokens[len(offers) % len(tokens)]
        r = client.post("/api/bookings", json=offer, headers={"Authorization": f"Bearer {token}"})
        with lock:
            attempts[r.status_code] += 1
            if r.status_code == 201:
                acked.append(r.json()["id"])
        return r.status_code

    stats: dict = {"offers": len(offers)}
    try:
        with Load(base, threads=4, booking=book) as load:
            t0 = time.monotonic()
            time.sleep(8)
            t_stop = time.monotonic()
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
            time.sleep(10)
            with pgserver.PostgresServer._lock:
                server.ensure_postgres_running()
            t_start = time.monotonic()
            time.sleep(12)
            t_end = time.monotonic()
        # recovery: the first answer after the restart that needed the database (not a cached search)
        ok_after = [t for t, k, s, cached in load.log if t >= t_start and s in (200, 201) and not cached]
        first_ok = min(ok_after) if ok_after else None
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT b.id::text, b.instructor_id, b.booking_date, b.start_time FROM bookings b JOIN users u ON u.id = b.student_id "
                    "WHERE u.email LIKE '%@faults.test' AND b.status = 'confirmed'"
                )
            ).all()
        db_ids = [r[0] for r in rows]
        slots = collections.Counter((r[1], r[2], r[3]) for r in rows)
        stats.update(
            {
                "before": load.counts(t0, t_stop),
                "outage": load.counts(t_stop, t_start),
                "after_restart": load.counts(t_start, t_end),
                "recovered_after_s": round(first_ok - t_start, 2) if first_ok else None,
                "outage_s": round(t_start - t_stop, 1),
                "booking_answers": dict(attempts),
                "booking_answers_during_outage": load.counts(t_stop, t_start, "booking"),
                "bookings_acknowledged": len(acked),
                "bookings_confirmed_in_db": len(db_ids),
                "acknowledged_but_missing": len(set(acked) - set(db_ids)),
                "in_db_but_not_acknowledged": len(set(db_ids) - set(acked)),
                "duplicate_ids": len(db_ids) - len(set(db_ids)),
                "double_booked_slots": sum(1 for v in slots.values() if v > 1),
            }
        )
        return stats
    finally:
        stop(api)
        engine.dispose()
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def fault_shared() -> dict:
    engine = bench_engine(1000)
    url = engine.url.render_as_string(hide_password=False)
    env = {"RATE_SEARCH_PER_IP": "20"}
    ports = [free_port(), free_port()]
    apis = [start_api(url, 1, p, OUT / f"shared_api_{i}.log", env) for i, p in enumerate(ports)]
    try:
        ip = f"10.77.{int(time.time()) % 250}.9"
        codes: collections.Counter[int] = collections.Counter()
        per_process: list[collections.Counter[int]] = [collections.Counter(), collections.Counter()]
        for i in range(40):
            r = httpx.get(
                f"http://127.0.0.1:{ports[i % 2]}/api/search",
                params={"q": f"piano {i % 3}"},
                headers={"X-Forwarded-For": ip},
                timeout=30,
            )
            codes[r.status_code] += 1
            per_process[i % 2][r.status_code] += 1
        # Cache invalidation across processes.
        q = f"guitar lessons online {time.time_ns() % 1000}"
        h = {"X-Forwarded-For": "10.78.0.1"}
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        first = httpx.get(a + "/api/search", params={"q": q}, headers=h, timeout=30).json()
        second = httpx.get(b + "/api/search", params={"q": q}, headers=h, timeout=30).json()
        item = next(i for i in first["results"] if i["slots"] and "online" in i["formats"])
        token = httpx.post(
            a + "/api/auth/register",
            headers=h,
            json={
                "email": f"shared-{time.time_ns()}@faults.test",
                "password": "fault run password",
                "full_name": "Shared Tester",
            },
        ).json()["access_token"]
        booked = httpx.post(
            a + "/api/bookings",
            headers={**h, "Authorization": f"Bearer {token}"},
            json={
                "instructor_id": item["instructor"]["id"],
                "instructor_service_id": item["instructor_service_id"],
                "start": item["slots"][0]["start"],
                "duration_minutes": item["duration_minutes"],
                "format": "online",
            },
        )
        third = httpx.get(b + "/api/search", params={"q": q}, headers=h, timeout=30).json()
        slot_still_shown = any(
            i["instructor"]["id"] == item["instructor"]["id"] and item["slots"][0] in i["slots"]
            for i in third["results"]
        )
        with engine.begin() as conn:
            conn.execute(
                text(
                    "DELETE FROM outbox WHERE recipient LIKE '%@faults.test' OR payload->>'booking_id' IN "
                    "(SELECT b.id::text FROM bookings b JOIN users u ON u.id = b.student_id "
                    "WHERE u.email LIKE '%@faults.test')"
                )
            )
            conn.execute(
                text("DELETE FROM bookings WHERE student_id IN (SELECT id FROM users WHERE email LIKE '%@faults.test')")
            )
            conn.execute(
                text(
                    "DELETE FROM search_history WHERE user_id IN (SELECT id FROM users WHERE email LIKE '%@faults.test')"
                )
            )
            conn.execute(text("DELETE FROM users WHERE email LIKE '%@faults.test'"))
        return {
            "search_budget_per_ip": 20,
            "requests": 40,
            "answers": dict(codes),
            "per_process": [dict(p) for p in per_process],
            "cache": {
                "first_on_A_cached": first["cached"],
                "then_on_B_cached": second["cached"],
                "booking_on_A": booked.status_code,
                "after_booking_on_B_cached": third["cached"],
                "booked_slot_still_shown_on_B": slot_still_shown,
            },
        }
    finally:
        for api in apis:
            stop(api)
        engine.dispose()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    runs = {"redis": fault_redis, "postgres": fault_postgres, "shared": fault_shared}
    chosen = sys.argv[1:] or list(runs)
    results = {}
    for name in chosen:
        print(f"== {name} ==", flush=True)
        results[name] = runs[name]()
        print(json.dumps(results[name], indent=2, default=str), flush=True)
    (OUT / "summary.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
