"""`python -m cli worker`: the periodic jobs on a schedule, in one process with a thread per job.

- outbox: deliver pending emails (every JOB_OUTBOX_SECONDS, 5 s)
- retention: the retention policy (every JOB_RETENTION_SECONDS, a day)
- warm_cache: run the WARM_CACHE_QUERIES most searched queries of the week through the API's own
  search and cache (every JOB_WARM_CACHE_SECONDS, 10 minutes), so their first student gets a hit

Several workers may run side by side (`make run` starts one beside the API, a deployment may run one
per host): services/jobs.py runs each job under its Postgres advisory lock and only when the
scheduled_jobs row says it is due, so each job runs once per interval whatever the number of workers.
A plain scheduler rather than Celery beat: see the README (Scheduled jobs) for the measurement.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from core.settings import Settings

log = logging.getLogger("instainstru.worker")
MAX_TICK = 30.0  # a job is looked at least this often, so a shorter interval set elsewhere is seen soon


@dataclass
class Job:
    name: str
    interval_s: float
    run: Callable[[], Any]


def outbox_job(engine: Engine) -> Callable[[], Any]:
    from services import mail, outbox
    from services.mail_settings import get_mail_settings

    sender = mail.make_sender(get_mail_settings())
    return lambda: outbox.deliver_pending(engine, sender=sender).as_dict()


def retention_job(engine: Engine) -> Callable[[], Any]:
    from sqlalchemy.orm import Session

    from services import retention

    def run() -> dict[str, int]:
        with Session(engine) as db:
            return retention.purge(db)

    return run


def warm_cache_job(engine: Engine, settings: Settings) -> Callable[[], Any]:
    def run() -> dict[str, int]:
        from api.app import create_app
        from index.search import SearchOptions, search
        from services import jobs

        queries = jobs.top_queries(engine, limit=settings.warm_cache_queries)
        if not queries:
            return {"warmed": 0, "failed": 0}
        # The API's own cache object (its Redis and namespace), so the entries are the ones it reads.
        cache = create_app(settings, engine=engine).state.cache
        if not cache.redis.ping():
            return {"warmed": 0, "failed": 0, "skipped_redis_down": len(queries)}
        opts = SearchOptions(notice_minutes=settings.min_notice_minutes)
        return jobs.warm_cache(lambda q: search(engine, q, cache=cache, opts=opts), queries)

    return run


def default_jobs(engine: Engine, settings: Settings) -> list[Job]:
    return [
        Job("outbox", settings.job_outbox_seconds, outbox_job(engine)),
        Job("retention", settings.job_retention_seconds, retention_job(engine)),
        Job("warm_cache", settings.job_warm_cache_seconds, warm_cache_job(engine, settings)),
    ]


def _loop(engine: Engine, job: Job, stop: threading.Event) -> None:
    from services.jobs import run_if_due

    tick = min(job.interval_s, MAX_TICK)
    while not stop.is_set():
        try:
            run = run_if_due(engine, job.name, job.interval_s, job.run)
        except Exception:  # noqa: BLE001 - the database may be away for a moment: try again next tick
            log.warning("job %s could not be scheduled", job.name, exc_info=True)
        else:
            if run.outcome in ("ran", "failed"):
                log.info(
                    "job %s %s in %s ms",
                    job.name,
                    run.outcome,
                    run.duration_ms,
                    extra={"job": job.name, "result": run.result, "error": run.error},
                )
        stop.wait(tick)


def run_once(engine: Engine, jobs: list[Job]) -> dict[str, str]:
    """Each job once, if due (cron-style use and tests): job name -> outcome."""
    from services.jobs import run_if_due

    return {job.name: run_if_due(engine, job.name, job.interval_s, job.run).outcome for job in jobs}


def run_forever(engine: Engine, jobs: list[Job], stop: threading.Event | None = None) -> None:
    """A thread per job until SIGTERM, SIGINT or `stop`."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=_loop, args=(engine, job, stop), name=f"job-{job.name}") for job in jobs]
    for thread in threads:
        thread.start()
    log.info("worker %s running %s", os.getpid(), ", ".join(f"{j.name}/{j.interval_s:g}s" for j in jobs))
    while not stop.wait(1.0):
        pass
    for thread in threads:
        thread.join()
