"""Read routing against a real streaming standby (issue #19).

The standby is a pg_basebackup -R copy of the test server, started with the embedded Postgres's own
pg_ctl in its own folder under var/ on its own socket and port, and removed when this module ends (even
when a test fails; folders left by a killed run are removed by the next one). Replay is paused on the
standby where a test needs it to be behind, which makes "the replica has not seen this yet" exact instead
of a race.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from api import metrics
from api.app import create_app
from core import embedded_replica
from core.db import READ_APPLICATION_NAME
from core.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_DB
from tests.factories import at, bearer, booking_body, make_instructor, make_user, nyc_today

pytestmark = pytest.mark.db

REPLICA_PREFIX = "replica-test-"
REPLICA_PORT = 5499


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Waits for a state (never asserts on how long it took)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def standby(pg_server, indexed_engine) -> Iterator[embedded_replica.Standby]:
    parent = PROJECT_ROOT / "var"
    embedded_replica.remove_abandoned(parent, REPLICA_PREFIX)
    info = pg_server.get_postmaster_info()
    replica = embedded_replica.start_standby(
        info.socket_dir, info.port, parent / f"{REPLICA_PREFIX}{os.getpid()}", REPLICA_PORT
    )
    try:
        yield replica
    finally:
        replica.remove()


@pytest.fixture(scope="module")
def replica_engine(standby) -> Iterator[Engine]:
    """The test's own view of the standby (not the app's engine): pg_stat_activity, replay pause."""
    engine = create_engine(standby.url(TEST_DB), poolclass=None)
    yield engine
    engine.dispose()


@contextmanager
def replica_app(standby, engine: Engine, **settings: object) -> Iterator[TestClient]:
    """The API with DATABASE_READ_URL on the standby; its replica checker is stopped whatever happens."""
    app = create_app(Settings(database_read_url=[standby.url(TEST_DB)], **settings), engine=engine)  # type: ignore[arg-type]
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.read_router.stop()


def reads_ok(client: TestClient) -> bool:
    return client.app.state.read_router.status()["state"] == "ok"  # type: ignore[attr-defined]


def replayed(replica_engine: Engine, primary: Engine) -> bool:
    """The standby has replayed everything the primary had committed when this was asked."""
    with primary.connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
    with replica_engine.connect() as conn:
        return bool(conn.execute(text("SELECT pg_last_wal_replay_lsn() >= :t"), {"t": target}).scalar_one())


def set_replay(replica_engine: Engine, paused: bool) -> None:
    """Pause or resume replay on the standby; a pause is only asked for, so wait until it holds."""
    with replica_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"))

    def state() -> str:
        with replica_engine.connect() as conn:
            return str(conn.execute(text("SELECT pg_get_wal_replay_pause_state()")).scalar_one())

    wait_until(lambda: state() == ("paused" if paused else "not paused"), "replay to be paused" if paused else "replay")


def routed_connections(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a AND datname = :d"),
                {"a": READ_APPLICATION_NAME, "d": TEST_DB},
            ).scalar_one()
        )


def documents_scanned(engine: Engine) -> int:
    """Scans of the searched documents this server has counted (a standby counts its own reads)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
                    "WHERE relname = 'instructor_services'"
                )
            ).scalar_one()
        )


def counter(source: str) -> float:
    return metrics.DB_READS.labels(source=source)._value.get()


def starts_on(client: TestClient, instructor_id, day, headers: dict[str, str] | None = None) -> list[str]:
    r = client.get(
        f"/api/public/instructors/{instructor_id}/availability",
        params={"start_date": day.isoformat(), "end_date": day.isoformat(), "duration_minutes": 60},
        headers=headers or {},
    )
    assert r.status_code == 200, r.text
    return [s for window in r.json()["days"][0]["windows"] for s in window["starts"]]


def test_search_reads_the_replica_and_writes_go_to_the_primary(standby, replica_engine, indexed_engine):
    with replica_app(standby, indexed_engine) as client:
        wait_until(lambda: reads_ok(client), "the replica to be fit")
        before, scanned = counter("replica"), documents_scanned(replica_engine)
        r = client.get("/api/search", params={"q": "piano lessons in brooklyn", "record": "false"})
        assert r.status_code == 200 and r.json()["results"]
        assert counter("replica") == before + 1
        # The standby (in recovery) scanned the documents, through the app's routed connections (the
        # replica checker touches no table); no routed connection is open on the primary.
        wait_until(lambda: documents_scanned(replica_engine) > scanned, "the standby's statistics to show the search")
        with replica_engine.connect() as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
        assert routed_connections(replica_engine) >= 1
        assert routed_connections(indexed_engine) == 0
        # A write goes to the primary (the standby could not take it) and the standby replays it.
        inst = make_instructor(indexed_engine)
        student = make_user(indexed_engine)
        day = nyc_today() + timedelta(days=1)
        booked = client.post("/api/bookings", json=booking_body(inst, at(day, 10)), headers=bearer(student))
        assert booked.status_code == 201, booked.text
        with indexed_engine.connect() as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is False
            assert (
                conn.execute(
                    text("SELECT count(*) FROM bookings WHERE id = :b"), {"b": booked.json()["id"]}
                ).scalar_one()
                == 1
            )
        wait_until(lambda: replayed(replica_engine, indexed_engine), "the standby to replay the booking")
        with replica_engine.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT count(*) FROM bookings WHERE id = :b"), {"b": booked.json()["id"]}
                ).scalar_one()
                == 1
            )


def test_a_booking_is_never_shown_free_to_its_booker(standby, replica_engine, indexed_engine):
    inst = make_instructor(indexed_engine)
    booker, other = make_user(indexed_engine), make_user(indexed_engine)
    day = nyc_today() + timedelta(days=2)
    start = at(day, 11)
    # A lag bound far above this test's length: the paused standby stays "fit" and keeps serving reads.
    with replica_app(standby, indexed_engine, replica_max_lag_seconds=3600) as client:
        wait_until(lambda: replayed(replica_engine, indexed_engine), "the standby to have the instructor")
        wait_until(lambda: reads_ok(client), "the replica to be fit")
        assert start in starts_on(client, inst.profile_id, day)
        set_replay(replica_engine, paused=True)
        try:
            booked = client.post("/api/bookings", json=booking_body(inst, start), headers=bearer(booker))
            assert booked.status_code == 201, booked.text
            # Anyone else reads the paused standby, which has not seen the booking (and caches that page)...
            assert start in starts_on(client, inst.profile_id, day)
            # ...while the booker's reads go to the primary, past that cached page: the slot is gone for them.
            # (What the primary computed for them replaces that cached page for everyone.)
            assert start not in starts_on(client, inst.profile_id, day, headers=bearer(booker))
            nxt = client.get(f"/api/public/instructors/{inst.profile_id}/next-available", headers=bearer(booker))
            assert nxt.status_code == 200 and nxt.json()["next_available"] != start
            # ...and booking what the stale page shows is refused by the primary's exclusion constraint.
            taken = client.post("/api/bookings", json=booking_body(inst, start), headers=bearer(other))
            assert taken.status_code == 409, taken.text
        finally:
            set_replay(replica_engine, paused=False)


def test_a_replica_past_its_lag_bound_is_left_and_ready_says_so(standby, replica_engine, indexed_engine):
    inst = make_instructor(indexed_engine)
    student = make_user(indexed_engine)
    day = nyc_today() + timedelta(days=3)
    start = at(day, 12)
    with replica_app(standby, indexed_engine, replica_max_lag_seconds=0.5, replica_check_seconds=0.2) as client:
        wait_until(lambda: replayed(replica_engine, indexed_engine), "the standby to have the instructor")
        wait_until(lambda: reads_ok(client), "the replica to be fit")
        # (Other test runs may write to the same primary: a 0.5 s bound can flicker, so wait for /ready's word.)
        wait_until(lambda: client.get("/ready").json()["reads"] == "ok", "/ready to report reads on the replica")
        set_replay(replica_engine, paused=True)
        try:
            booked = client.post("/api/bookings", json=booking_body(inst, start), headers=bearer(student))
            assert booked.status_code == 201, booked.text
            router = client.app.state.read_router  # type: ignore[attr-defined]
            wait_until(lambda: router.status()["state"] == "primary", "the lagging replica to be left")
            ready = client.get("/ready").json()
            assert ready["status"] == "degraded" and ready["reads"] == "primary"
            assert ready["replicas"][0]["health"] == "lagging"
            # Everyone now reads the primary, which has the booking.
            before = counter("primary")
            assert start not in starts_on(client, inst.profile_id, day)
            assert counter("primary") == before + 1
        finally:
            set_replay(replica_engine, paused=False)
        wait_until(lambda: client.get("/ready").json()["status"] == "ok", "/ready to report the replica back")


def test_stopping_the_replica_mid_load_fails_no_request(standby, indexed_engine):
    """Last in this module: it stops the standby."""
    with indexed_engine.connect() as conn:
        instructors = [str(i) for i in conn.execute(text("SELECT id FROM instructor_profiles LIMIT 120")).scalars()]
    with replica_app(standby, indexed_engine) as client:
        wait_until(lambda: reads_ok(client), "the replica to be fit")
        statuses: list[int] = []
        served_by_replica = threading.Event()
        stopped = threading.Event()
        replica_reads = counter("replica")

        def load(worker: int) -> None:
            after_stop = 0
            for n in range(10_000):
                inst = instructors[(n * 3 + worker) % len(instructors)]
                paths = (
                    f"/api/public/instructors/{inst}",
                    f"/api/public/instructors/{inst}/availability?start_date={nyc_today() + timedelta(days=n % 20)}",
                    f"/api/search?q=lessons+{n}+{worker}&record=false",
                )
                statuses.append(client.get(paths[n % 3]).status_code)
                if counter("replica") > replica_reads + 6:
                    served_by_replica.set()
                if stopped.is_set():
                    after_stop += 1
                    if after_stop >= 15:
                        return

        workers = [threading.Thread(target=load, args=(w,)) for w in range(3)]
        for w in workers:
            w.start()
        served_by_replica.wait(timeout=120)
        standby.stop(mode="fast")  # open sessions are cut, as when the replica's host goes away
        stopped.set()
        for w in workers:
            w.join(timeout=300)
        assert served_by_replica.is_set()
        assert len(statuses) > 45
        assert set(statuses) == {200}, sorted(set(statuses))
        ready = client.get("/ready").json()
        assert ready["reads"] == "primary" and ready["replicas"][0]["health"] == "unavailable"
