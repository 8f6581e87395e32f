"""What the metrics scrape reads from the database: the outbox backlog, replica lag and the last run
of each scheduled job. One short read-only transaction with a statement timeout, so a slow database
delays a scrape by at most that long."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.jobs import job_states

STATEMENT_TIMEOUT_MS = 2000

# Lag of this server when it is a replica; else the largest replay lag among the replicas streaming
# from it (pg_stat_replication), 0 while there is none.
REPLICA_LAG_SQL = """
SELECT CASE WHEN pg_is_in_recovery()
            THEN coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
            ELSE coalesce((SELECT max(extract(epoch FROM replay_lag)) FROM pg_stat_replication), 0)
       END::float AS lag,
       (SELECT count(*) FROM pg_stat_replication) AS replicas
"""

OUTBOX_SQL = """
SELECT count(*) AS pending,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS oldest,
       (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND attempts >= :max_attempts) AS dead
FROM outbox WHERE sent_at IS NULL AND attempts < :max_attempts
"""


@dataclass
class JobState:
    name: str
    last_succeeded_at: datetime | None
    last_status: str | None
    runs: int
    failures: int
    last_duration_ms: float | None


@dataclass
class DatabaseStats:
    outbox_pending: int
    outbox_oldest_pending_seconds: float
    outbox_dead: int
    replica_lag_seconds: float
    replicas: int
    jobs: list[JobState] = field(default_factory=list)


def database_stats(engine: Engine) -> DatabaseStats:
    from services.outbox import MAX_ATTEMPTS

    with engine.connect() as conn:
        conn.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        outbox = conn.execute(text(OUTBOX_SQL), {"max_attempts": MAX_ATTEMPTS}).one()
        replica = conn.execute(text(REPLICA_LAG_SQL)).one()
        conn.rollback()
    jobs = [
        JobState(j.name, j.last_succeeded_at, j.last_status, j.runs, j.failures, j.last_duration_ms)
        for j in job_states(engine)
    ]
    return DatabaseStats(
        outbox_pending=int(outbox.pending),
        outbox_oldest_pending_seconds=float(outbox.oldest),
        outbox_dead=int(outbox.dead),
        replica_lag_seconds=float(replica.lag),
        replicas=int(replica.replicas),
        jobs=jobs,
    )
