"""Prometheus metrics (prometheus-client).

Process-wide series live in the default registry: request counts and latency per route, search
stage timings, bookings created and conflicts, rate-limit refusals. Series that belong to one app
(its cache's hits and misses, its database pool, its Redis breaker) are read at scrape time from
app.state by AppCollector, so several apps in one process (the tests) never share them.

With several uvicorn workers each process has its own counters; set PROMETHEUS_MULTIPROC_DIR to a
writable folder (emptied at start) to have /metrics aggregate them (prometheus-client multiprocess mode).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from core import monitoring
from index import search as search_module

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

HTTP_REQUESTS = Counter(
    "instainstru_http_requests_total", "HTTP requests by route template and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "instainstru_http_request_duration_seconds",
    "HTTP request latency by route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "instainstru_http_requests_in_progress", "HTTP requests being served", multiprocess_mode="livesum"
)
SEARCH_STAGE = Histogram(
    "instainstru_search_stage_seconds", "Time per search stage (uncached searches)", ["stage"], buckets=STAGE_BUCKETS
)
SEARCHES = Counter("instainstru_searches_total", "Searches run, by whether the cache answered", ["cached"])
BOOKINGS_CREATED = Counter("instainstru_bookings_created_total", "Bookings created (new and rescheduled)")
BOOKING_CONFLICTS = Counter("instainstru_booking_conflicts_total", "Booking attempts refused with 409 (slot taken)")
BOOKING_CANCELLATIONS = Counter(
    "instainstru_booking_cancellations_total", "Bookings cancelled, by who cancelled (student, instructor)", ["by"]
)
RATE_LIMITED = Counter("instainstru_rate_limited_total", "Requests refused with 429", ["budget", "scope"])
DB_UNAVAILABLE = Counter("instainstru_db_unavailable_total", "Requests answered 503 because the database was down")
DB_READS = Counter(
    "instainstru_db_reads_total", "Routed reads (search, catalog, public pages) by what served them", ["source"]
)
REPLICA_READ_RETRIES = Counter(
    "instainstru_replica_read_retries_total", "Reads that failed on a replica and were served again by the primary"
)
STAGES = ("parse", "embed", "retrieve", "slots", "rank")


def observe_search(timings: dict | None, cached: bool) -> None:
    """The hook index/search.py calls after every search."""
    SEARCHES.labels(cached=str(cached).lower()).inc()
    if timings:
        for stage in STAGES:
            if stage in timings:
                SEARCH_STAGE.labels(stage=stage).observe(timings[stage] / 1000)


if observe_search not in search_module.OBSERVERS:
    search_module.OBSERVERS.append(observe_search)

BOOKING_ROUTES = {("POST", "/api/bookings"), ("POST", "/api/bookings/{booking_id}/reschedule")}
CANCEL_ROUTES = {
    ("POST", "/api/bookings/{booking_id}/cancel"): "student",
    ("POST", "/api/instructor/bookings/{booking_id}/cancel"): "instructor",
}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    HTTP_LATENCY.labels(method=method, route=route).observe(seconds)
    monitoring.observe_request(method, route, status, seconds)  # the slow-request ring
    if (method, route) in BOOKING_ROUTES:
        if status == 201:
            BOOKINGS_CREATED.inc()
        elif status == 409:
            BOOKING_CONFLICTS.inc()
    elif status == 200 and (method, route) in CANCEL_ROUTES:
        BOOKING_CANCELLATIONS.labels(by=CANCEL_ROUTES[(method, route)]).inc()


class AppCollector:
    """Per-app series, read when scraped."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        state = self.app.state
        cache = getattr(state, "cache", None)
        if cache is not None:
            hits = CounterMetricFamily("instainstru_cache_hits", "Search cache hits (Redis or in-process fallback)")
            hits.add_metric([], cache.hits)
            misses = CounterMetricFamily("instainstru_cache_misses", "Search cache misses")
            misses.add_metric([], cache.misses)
            yield hits
            yield misses
        pool = getattr(getattr(state, "engine", None), "pool", None)
        if pool is not None and hasattr(pool, "checkedout"):
            for name, help_text, value in (
                ("size", "Configured pool size", pool.size()),
                ("checked_out", "Connections in use", pool.checkedout()),
                ("checked_in", "Idle connections in the pool", pool.checkedin()),
                ("overflow", "Connections beyond pool_size (negative: unused headroom)", pool.overflow()),
            ):
                gauge = GaugeMetricFamily(f"instainstru_db_pool_{name}", help_text)
                gauge.add_metric([], value)
                yield gauge
        turnover = monitoring.pool_turnover(state.engine) if pool is not None else None
        if turnover is not None:
            for name, help_text, count in (
                ("opened", "Database connections the pool opened", turnover.opened),
                ("closed", "Database connections the pool closed (steady under load: none)", turnover.closed),
            ):
                counter = CounterMetricFamily(f"instainstru_db_pool_connections_{name}", help_text)
                counter.add_metric([], count)
                yield counter
        redis = getattr(state, "redis", None)
        if redis is not None:
            gauge = GaugeMetricFamily("instainstru_redis_circuit_open", "1 while Redis is considered down")
            gauge.add_metric([], 1 if redis.breaker.is_open else 0)
            yield gauge


class DatabaseCollector:
    """Series read from the database (services/ops.py), at most every DB_STATS_SECONDS per app: the
    outbox backlog, replica lag and the scheduled jobs. instainstru_db_up is 0 when the read failed
    (the other series are then left out rather than reported stale)."""

    DB_STATS_SECONDS = 10.0

    def __init__(self, app) -> None:
        self.app = app

    def _stats(self):
        import time

        from services import ops

        state = self.app.state
        cached = getattr(state, "db_stats", None)
        if cached is not None and time.monotonic() - cached[0] < self.DB_STATS_SECONDS:
            return cached[1]
        try:
            stats = ops.database_stats(state.engine)
        except Exception:  # noqa: BLE001 - a scrape must answer while the database is down
            stats = None
        state.db_stats = (time.monotonic(), stats)
        return stats

    def collect(self):
        if getattr(self.app.state, "engine", None) is None:
            return
        stats = self._stats()
        up = GaugeMetricFamily("instainstru_db_up", "1 when the metrics read from the database succeeded")
        up.add_metric([], 0 if stats is None else 1)
        yield up
        if stats is None:
            return
        for name, help_text, value in (
            ("outbox_pending", "Emails waiting for delivery (retries left)", stats.outbox_pending),
            ("outbox_oldest_pending_seconds", "Age of the oldest email waiting", stats.outbox_oldest_pending_seconds),
            ("outbox_dead", "Emails that used up their delivery attempts", stats.outbox_dead),
            ("db_replica_lag_seconds", "Replication lag (0 while there is no replica)", stats.replica_lag_seconds),
            ("db_replicas", "Replicas streaming from this database", stats.replicas),
        ):
            gauge = GaugeMetricFamily(f"instainstru_{name}", help_text)
            gauge.add_metric([], value)
            yield gauge
        last_ok = GaugeMetricFamily(
            "instainstru_job_last_success_timestamp_seconds", "When each scheduled job last succeeded", labels=["job"]
        )
        failed = GaugeMetricFamily(
            "instainstru_job_last_run_failed", "1 when a scheduled job's last run failed", labels=["job"]
        )
        runs = CounterMetricFamily("instainstru_job_runs", "Runs of each scheduled job (all workers)", labels=["job"])
        failures = CounterMetricFamily(
            "instainstru_job_failures", "Failed runs of each scheduled job (all workers)", labels=["job"]
        )
        for job in stats.jobs:
            if job.last_succeeded_at is not None:
                last_ok.add_metric([job.name], job.last_succeeded_at.timestamp())
            failed.add_metric([job.name], 1 if job.last_status == "failed" else 0)
            runs.add_metric([job.name], job.runs)
            failures.add_metric([job.name], job.failures)
        yield from (last_ok, failed, runs, failures)


def prepare_multiprocess_dir(workers: int, default: str) -> str | None:
    """Before uvicorn starts several workers: PROMETHEUS_MULTIPROC_DIR (else `default`) exported for them
    and emptied, since counters left by an earlier run would be added to this one's. One worker: None,
    unless the variable is set (then it is emptied all the same)."""
    import pathlib

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or (default if workers > 1 else None)
    if folder is None:
        return None
    path = pathlib.Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for leftover in path.glob("*.db"):
        leftover.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return str(path)


def render(app) -> tuple[bytes, str]:
    """The text exposition: process series (all workers in multiprocess mode) plus this app's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        body = generate_latest(shared)
    else:
        from prometheus_client import REGISTRY

        body = generate_latest(REGISTRY)
    local = CollectorRegistry(auto_describe=False)
    local.register(AppCollector(app))
    local.register(DatabaseCollector(app))
    return body + generate_latest(local), CONTENT_TYPE_LATEST
