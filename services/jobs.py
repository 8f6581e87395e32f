"""Periodic jobs, safe to run from several worker processes at once.

`run_if_due` takes the job's Postgres advisory lock (session level, on a connection of its own, with
pg_try_advisory_lock: a worker that does not get it skips this turn), then reads the job's row in
scheduled_jobs with the database's clock: a job whose last start is less than its interval ago is not
due. A due job is marked running, run, and its outcome written back. So however many workers run,
each job runs at most once per interval and never twice at a time; a worker that dies mid-job drops
its connection and with it the lock.

The jobs themselves: outbox delivery, retention and cache warming of the most searched queries.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models import ScheduledJob, SearchHistory

log = logging.getLogger("instainstru.jobs")

LOCK_CLASS = 0x1A57  # the first key of pg_try_advisory_lock(int, int); the second is hashtext(job name)
Outcome = Literal["ran", "failed", "not_due", "locked"]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


@dataclass
class JobRun:
    name: str
    outcome: Outcome
    result: Any = None
    error: str | None = None
    duration_ms: float = 0.0


def run_if_due(engine: Engine, name: str, interval_s: float, job: Callable[[], Any]) -> JobRun:
    """Run `job` when it is due and no other worker is running it; commits its bookkeeping."""
    with engine.connect() as lock_conn:
        got = lock_conn.execute(
            text("SELECT pg_try_advisory_lock(:c, hashtext(:n))"), {"c": LOCK_CLASS, "n": name}
        ).scalar_one()
        lock_conn.commit()
        if not got:
            return JobRun(name, "locked")
        try:
            with Session(engine) as db:
                if not _due(db, name, interval_s):
                    db.rollback()
                    return JobRun(name, "not_due")
                db.execute(
                    insert(ScheduledJob)
                    .values(name=name, last_started_at=func.now(), last_status="running", last_worker=worker_id())
                    .on_conflict_do_update(
                        index_elements=["name"],
                        set_={"last_started_at": func.now(), "last_status": "running", "last_worker": worker_id()},
                    )
                )
                db.commit()
            t0 = time.perf_counter()
            try:
                result = job()
            except Exception as exc:  # noqa: BLE001 - a failed job is recorded, and runs again next interval
                run = JobRun(name, "failed", error=f"{type(exc).__name__}: {exc}"[:2000])
                log.exception("job %s failed", name)
            else:
                run = JobRun(name, "ran", result=result)
            run.duration_ms = round((time.perf_counter() - t0) * 1000, 2)
            _finish(engine, run)
            return run
        finally:
            lock_conn.execute(text("SELECT pg_advisory_unlock(:c, hashtext(:n))"), {"c": LOCK_CLASS, "n": name})
            lock_conn.commit()


def _due(db: Session, name: str, interval_s: float) -> bool:
    """Not due while the last start (by the database's clock, one for every worker) is under interval_s ago."""
    recent = db.execute(
        select(ScheduledJob.name).where(
            ScheduledJob.name == name, ScheduledJob.last_started_at > func.now() - timedelta(seconds=interval_s)
        )
    ).first()
    return recent is None


def _finish(engine: Engine, run: JobRun) -> None:
    ok = run.outcome == "ran"
    values: dict[str, Any] = {
        "last_finished_at": func.now(),
        "last_status": "ok" if ok else "failed",
        "last_error": run.error,
        "last_duration_ms": run.duration_ms,
        "runs": ScheduledJob.runs + 1,
    }
    if ok:
        values["last_succeeded_at"] = func.now()
    else:
        values["failures"] = ScheduledJob.failures + 1
    with Session(engine) as db:
        db.execute(update(ScheduledJob).where(ScheduledJob.name == run.name).values(**values))
        db.commit()


def job_states(engine: Engine) -> list[ScheduledJob]:
    with Session(engine, expire_on_commit=False) as db:
        return list(db.execute(select(ScheduledJob).order_by(ScheduledJob.name)).scalars())


# ---- the jobs ------------------------------------------------------------------------------------

WARM_WINDOW_DAYS = 7


def top_queries(engine: Engine, *, limit: int, days: int = WARM_WINDOW_DAYS, now: datetime | None = None) -> list[str]:
    """The most searched natural-language queries of the last `days` days (users' and guests' history
    together, deleted entries included: they were searched all the same), most searched first."""
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    total = func.sum(SearchHistory.search_count)
    stmt = (
        select(func.min(SearchHistory.query))
        .where(SearchHistory.search_type == "natural_language", SearchHistory.last_searched_at >= since)
        .group_by(SearchHistory.normalized_query)
        .order_by(total.desc(), SearchHistory.normalized_query)
        .limit(limit)
    )
    with Session(engine) as db:
        return [q for q in db.execute(stmt).scalars() if q]


def warm_cache(search: Callable[[str], Any], queries: list[str]) -> dict[str, int]:
    """Run each query once through `search` (the API's own search with its cache), so the first
    student to ask it is answered from the cache; a query that fails is counted and skipped."""
    warmed = failed = 0
    for q in queries:
        try:
            search(q)
        except Exception:  # noqa: BLE001 - one bad query must not stop the others
            log.warning("warming %r failed", q, exc_info=True)
            failed += 1
        else:
            warmed += 1
    return {"warmed": warmed, "failed": failed}
