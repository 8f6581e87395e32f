"""Read replicas: which engine serves a read, and whether each replica is fit to serve one.

A replica serves reads while it is reachable, is a standby, and its replay lag is within
REPLICA_MAX_LAG_SECONDS; otherwise reads go to the primary until a later check finds it fit again.

Lag is measured against the primary, not by the standby's own clock: every check first samples the
primary's WAL position (pg_current_wal_lsn) and keeps the samples of the last moments; a replica's lag
is the age of the newest sample its replay position has reached. So everything committed on the
primary more than `lag` seconds ago is visible on it, whether the primary is busy or idle, and a
standby that lost its primary (whose own view would say "caught up") ages out like a slow one.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("instainstru.replica")

ReplicaHealth = Literal["ok", "lagging", "unavailable"]
CHECK_TIMEOUT_MS = 2000


def parse_lsn(value: str) -> int:
    """'16/B374D848' -> a comparable integer."""
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass
class ReplicaState:
    name: str  # host and database, never the password
    health: ReplicaHealth = "unavailable"
    lag_seconds: float | None = None
    reason: str = "not checked yet"


class ReadRouter:
    """Chooses the engine for a read: a fit replica (round robin), else None (read the primary).

    A daemon thread checks every replica each `check_seconds`; a read that fails on a replica calls
    `report_failure`, which takes it out at once until the next good check."""

    def __init__(
        self, primary: Engine, replicas: list[Engine], *, max_lag_seconds: float, check_seconds: float
    ) -> None:
        self.primary = primary
        self.replicas = replicas
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self.states = {id(e): ReplicaState(name=_name(e)) for e in replicas}
        # (monotonic time, primary WAL position), newest last; long enough to tell any lag up to the bound.
        self._samples: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()
        self._turn = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Check once now (so the first reads already know), then keep checking in the background."""
        if not self.replicas or self._thread is not None:
            return
        self.check()
        self._thread = threading.Thread(target=self._loop, name="replica-check", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.check_seconds):
            try:
                self.check()
            except Exception:  # the checker must outlive any surprise; the next round tries again
                log.exception("replica check failed")

    def pick(self) -> Engine | None:
        fit = [e for e in self.replicas if self.states[id(e)].health == "ok"]
        if not fit:
            return None
        return fit[next(self._turn) % len(fit)]

    def report_failure(self, replica: Engine, reason: str) -> None:
        """A read on this replica failed (it went away, or cancelled a query in conflict with replay)."""
        state = self.states.get(id(replica))
        if state is not None:
            state.health, state.lag_seconds, state.reason = "unavailable", None, reason
            log.warning("replica %s taken out of reads: %s", state.name, reason)

    def check(self) -> None:
        """One round: sample the primary's WAL position, then judge each replica against the samples."""
        with self._lock:
            try:
                self._sample_primary()
            except SQLAlchemyError as exc:
                log.warning("cannot sample the primary's WAL position: %s", first_line(exc))
            for replica in self.replicas:
                self._judge(replica)

    def _sample_primary(self) -> None:
        with self.primary.connect() as conn:
            lsn = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        now = time.monotonic()
        self._samples.append((now, parse_lsn(lsn)))
        keep_from = now - (self.max_lag_seconds + 2 * self.check_seconds)
        while len(self._samples) > 1 and self._samples[0][0] < keep_from:
            self._samples.popleft()

    def _judge(self, replica: Engine) -> None:
        state = self.states[id(replica)]
        previous = state.health
        try:
            with replica.connect() as conn:
                conn.execute(text(f"SET statement_timeout = {CHECK_TIMEOUT_MS}"))
                standby, replayed = conn.execute(
                    text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                ).one()
                conn.rollback()
        except SQLAlchemyError as exc:
            state.health, state.lag_seconds, state.reason = "unavailable", None, first_line(exc)
        else:
            if not standby or replayed is None:
                # A promoted (or misconfigured) server is not a copy of the primary: never read from it.
                state.health, state.lag_seconds, state.reason = "unavailable", None, "not a standby"
            else:
                state.lag_seconds = self._lag(parse_lsn(replayed))
                if state.lag_seconds is not None and state.lag_seconds <= self.max_lag_seconds:
                    state.health, state.reason = "ok", ""
                else:
                    state.health, state.reason = "lagging", f"behind by more than {self.max_lag_seconds:g} s"
        if state.health != previous:
            log.info("replica %s: %s -> %s %s", state.name, previous, state.health, state.reason)

    def _lag(self, replayed: int) -> float | None:
        """Age of the newest primary sample the replica has replayed; None when it has reached none."""
        now = time.monotonic()
        for taken, lsn in reversed(self._samples):
            if lsn <= replayed:
                return max(0.0, now - taken) if taken != self._samples[-1][0] else 0.0
        return None

    def status(self) -> dict[str, object]:
        """For /ready: "none" without replicas; "ok" when every replica serves reads; else which do not."""
        if not self.replicas:
            return {"state": "none", "replicas": []}
        states = [self.states[id(e)] for e in self.replicas]
        summary = "ok" if all(s.health == "ok" for s in states) else "degraded"
        if all(s.health != "ok" for s in states):
            summary = "primary"  # every read falls back to the primary
        return {
            "state": summary,
            "replicas": [
                {"name": s.name, "health": s.health, "lag_seconds": s.lag_seconds, "reason": s.reason} for s in states
            ],
        }


def _name(engine: Engine) -> str:
    url = engine.url
    where = url.host or dict(url.query).get("host") or "localhost"
    return f"{url.database}@{where}:{url.port or dict(url.query).get('port') or 5432}"


def first_line(exc: BaseException) -> str:
    """The first line of a (driver) error, for logs and /ready; the exception's type when it says nothing."""
    message = str(getattr(exc, "orig", exc)).strip()
    return message.splitlines()[0] if message else type(exc).__name__
