"""Scheduled jobs (services/jobs.py, cli/worker.py): a job runs only under its advisory lock and when
due, so two workers never run it at once nor twice per interval; failures are recorded; the real
worker command, twice side by side, delivers each email once and runs the daily job once; cache
warming puts the most searched queries in the API's cache."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from cli import worker
from core.settings import PROJECT_ROOT, Settings
from index.slots import earliest_start
from services import jobs

pytestmark = pytest.mark.db


def _name() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def _row(engine, name: str):
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM scheduled_jobs WHERE name = :n"), {"n": name}).one_or_none()


def test_a_job_runs_once_per_interval_and_never_twice_at_a_time(engine):
    name = _name()
    started = threading.Event()
    calls: list[int] = []

    def slow_job() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.5)
        return "done"

    outcomes: list[str] = []
    first = threading.Thread(target=lambda: outcomes.append(jobs.run_if_due(engine, name, 3600, slow_job).outcome))
    first.start()
    assert started.wait(10)
    # a second worker while the first one runs: the lock is taken
    assert jobs.run_if_due(engine, name, 3600, slow_job).outcome == "locked"
    first.join()
    assert outcomes == ["ran"] and len(calls) == 1
    # after it: not due before its interval has passed (by the database's clock)
    assert jobs.run_if_due(engine, name, 3600, slow_job).outcome == "not_due"
    assert len(calls) == 1
    row = _row(engine, name)
    assert row.last_status == "ok" and row.runs == 1 and row.last_succeeded_at is not None
    assert jobs.run_if_due(engine, name, 0.2, lambda: None).outcome == "ran"  # a shorter interval has passed


def test_a_lock_held_by_another_process_is_respected(engine):
    name = _name()
    with engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(:c, hashtext(:n))"), {"c": jobs.LOCK_CLASS, "n": name})
        assert jobs.run_if_due(engine, name, 0, lambda: pytest.fail("ran under another's lock")).outcome == "locked"
        other.execute(text("SELECT pg_advisory_unlock(:c, hashtext(:n))"), {"c": jobs.LOCK_CLASS, "n": name})
    assert jobs.run_if_due(engine, name, 0, lambda: 1).outcome == "ran"


def test_a_failing_job_is_recorded_and_shows_in_metrics(engine):
    name = _name()

    def broken() -> None:
        raise RuntimeError("smtp down")

    run = jobs.run_if_due(engine, name, 0, broken)
    assert run.outcome == "failed" and run.error == "RuntimeError: smtp down"
    row = _row(engine, name)
    assert (row.last_status, row.failures, row.last_succeeded_at) == ("failed", 1, None)
    scraped = TestClient(create_app(Settings(), engine=engine)).get("/metrics").text
    assert f'instainstru_job_last_run_failed{{job="{name}"}} 1.0' in scraped
    assert f'instainstru_job_failures_total{{job="{name}"}} 1.0' in scraped


def test_two_worker_processes_share_the_schedule(engine, db_url, tmp_path):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM scheduled_jobs WHERE name IN ('outbox', 'retention', 'warm_cache')"))
        conn.execute(text("UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL"))  # only ours pending
        ids = [uuid.uuid4() for _ in range(6)]
        for i, id_ in enumerate(ids):
            conn.execute(
                text(
                    "INSERT INTO outbox (id, kind, recipient, subject, body) VALUES (:id, 'test', :to, 'Hello', 'Body')"
                ),
                {"id": id_, "to": f"w{i}@example.test"},
            )
    mail_dir = tmp_path / "mail"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("INSTAINSTRU_RESOLVED_DB_URL", "DB_TIER")},
        "DATABASE_URL": db_url,
        "MAIL_SENDER": "file",
        "MAIL_FILE_DIR": str(mail_dir),
        "JOB_OUTBOX_SECONDS": "0.5",
        "JOB_RETENTION_SECONDS": "86400",
        "JOB_WARM_CACHE_SECONDS": "86400",
        "WARM_CACHE_QUERIES": "0",
        "LOG_LEVEL": "WARNING",
    }

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", "worker"], cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE
        )

    workers = [start()]
    started = time.monotonic()
    try:
        # the second worker starts once the first has run the daily job: it must find it not due
        while time.monotonic() < started + 60 and getattr(_row(engine, "retention"), "last_finished_at", None) is None:
            time.sleep(0.2)
        retention = _row(engine, "retention")
        assert retention is not None and retention.last_status == "ok", retention and retention.last_error
        workers.append(start())
        # both take turns at the outbox (so the second is running, its signal handlers in place)
        second = f"%:{workers[1].pid}"
        while time.monotonic() < started + 90:
            with engine.connect() as conn:
                if conn.execute(
                    text("SELECT 1 FROM scheduled_jobs WHERE name = 'outbox' AND last_worker LIKE :w"), {"w": second}
                ).first():
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the second worker never ran the outbox job")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                left = conn.execute(
                    text("SELECT count(*) FROM outbox WHERE id = ANY(:ids) AND sent_at IS NULL"), {"ids": ids}
                ).scalar_one()
            if not left:
                break
            time.sleep(0.5)
        time.sleep(4)  # both workers keep ticking: the daily job must still have run only once
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        errors = [proc.communicate(timeout=60)[1].decode() for proc in workers]
    elapsed = time.monotonic() - started
    assert all(proc.returncode == 0 for proc in workers), errors
    assert left == 0
    assert len(list(mail_dir.iterdir())) == 6  # each email delivered once
    with engine.connect() as conn:
        runs = dict(conn.execute(text("SELECT name, runs FROM scheduled_jobs")).tuples().all())
        conn.execute(text("DELETE FROM outbox WHERE id = ANY(:ids)"), {"ids": ids})
        conn.commit()
    assert runs["retention"] == 1 and runs["warm_cache"] == 1
    assert 2 <= runs["outbox"] <= 2 * elapsed + 2  # once per half second at most, whatever the number of workers


def _clear_of_a_new_earliest_start(notice_minutes: int, within: float = 20.0) -> None:
    """A cached answer is keyed by the earliest bookable start, which moves every 15 minutes: a warm just
    before the move and a search just after it are rightly two keys. Wait out a move due in the next
    `within` seconds, so that warming and searching fall in one window."""
    while True:
        now = datetime.now(UTC)
        if earliest_start(now, notice_minutes) == earliest_start(now + timedelta(seconds=within), notice_minutes):
            return
        time.sleep(1)


def test_warming_puts_the_top_queries_in_the_api_cache(indexed_engine):
    settings = Settings(rate_search_per_ip=10_000, warm_cache_queries=2)
    top = f"cello lessons in astoria {uuid.uuid4().hex[:4]}"
    with indexed_engine.begin() as conn:
        for q, count in ((top, 50), ("flute lessons", 30), ("rare query", 1)):
            conn.execute(
                text(
                    "INSERT INTO search_history (id, guest_session_id, query, normalized_query, search_type, "
                    "search_count) VALUES (gen_random_uuid(), :g, :q, :q, 'natural_language', :c)"
                ),
                {"g": f"warm-{uuid.uuid4().hex}", "q": q, "c": count},
            )
    try:
        assert jobs.top_queries(indexed_engine, limit=2) == [top, "flute lessons"]
        _clear_of_a_new_earliest_start(settings.min_notice_minutes)
        result = worker.warm_cache_job(indexed_engine, settings)()
        assert result == {"warmed": 2, "failed": 0}
        with TestClient(create_app(settings, engine=indexed_engine)) as c:
            assert c.get("/api/search", params={"q": top}).json()["cached"] is True
            assert c.get("/api/search", params={"q": "rare query"}).json()["cached"] is False
    finally:
        with indexed_engine.begin() as conn:
            conn.execute(text("DELETE FROM search_history WHERE guest_session_id LIKE 'warm-%'"))
