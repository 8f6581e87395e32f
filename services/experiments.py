"""The interleaving experiment that is running, if any, and its part in a search answer.

An operator starts one by writing `var/experiment.json` (deployment-local, read again when it changes):
{"name": "best-rated-vs-base", "a": "base", "b": "best-rated", "share": 0.1}. That share of first
pages in relevance order is shown as a team-draft interleaving of configs `a` and `b`
(services/interleaving.py) re-ranking the page search returned; the impression keeps the experiment and
each result's config, and `python -m eval experiment NAME` credits the clicks and bookings.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.settings import PROJECT_ROOT
from services import interleaving

log = logging.getLogger(__name__)
ACTIVE_FILE = PROJECT_ROOT / "var" / "experiment.json"


@dataclass(frozen=True)
class Experiment:
    name: str
    a: interleaving.RankerConfig
    b: interleaving.RankerConfig
    share: float


@dataclass(frozen=True)
class Trial:
    """One interleaved answer: the experiment and the config behind each shown result."""

    experiment: str
    teams: list[str]


# How long the file's state is trusted before it is looked at again. Every search answer asks, on the event
# loop, and a stat() lets go of the GIL: under load a searching thread took it, and the loop waited 0.9 ms
# on average to get it back (cProfile on the loop thread at 16 connections: 902 calls, 0.82 s of 4.4 s).
# So an experiment starts, changes or stops within a second of its file being written.
RECHECK_SECONDS = 1.0
_loaded: tuple[Path, float, Experiment | None] | None = None
_checked: tuple[Path, float, Experiment | None] | None = None  # (path, when looked at, what it said)


def active(path: Path | None = None) -> Experiment | None:
    """The running experiment (None without a file, or with a broken one, which is logged), as its file
    said at most RECHECK_SECONDS ago."""
    global _checked
    path = path or ACTIVE_FILE
    now = time.monotonic()
    if _checked is not None and _checked[0] == path and now - _checked[1] < RECHECK_SECONDS:
        return _checked[2]
    experiment = _read(path)
    _checked = (path, now, experiment)
    return experiment


def _read(path: Path) -> Experiment | None:
    """The experiment in the file, parsed again only when the file changed."""
    global _loaded
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    if _loaded is not None and _loaded[0] == path and _loaded[1] == mtime:
        return _loaded[2]
    experiment: Experiment | None = None
    try:
        data = json.loads(path.read_text())
        experiment = Experiment(
            name=str(data["name"])[:80],
            a=interleaving.load_config(data["a"]),
            b=interleaving.load_config(data["b"]),
            share=min(1.0, max(0.0, float(data["share"]))),
        )
    except (OSError, ValueError, KeyError, TypeError):
        log.exception("the experiment file %s is not usable; no experiment runs", path)
    _loaded = (path, mtime, experiment)
    return experiment


def interleave(
    result: dict[str, Any], *, offset: int, sort: str, rng: random.Random | None = None
) -> tuple[dict[str, Any], Trial | None]:
    """The answer, interleaved for the running experiment's share of first pages in relevance order."""
    experiment = active()
    results = result.get("results") or []
    if experiment is None or offset != 0 or sort != "relevance" or len(results) < 2:
        return result, None
    rng = rng or random.Random()  # made only while an experiment runs: seeding one costs ~25 µs
    if rng.random() >= experiment.share:
        return result, None
    shown = interleaving.team_draft(
        interleaving.rerank(experiment.a, results),
        interleaving.rerank(experiment.b, results),
        length=len(results),
        rng=rng,
    )
    return {**result, "results": shown.results}, Trial(experiment.name, shown.teams)


OUTCOMES = text("""
SELECT i.teams,
       ARRAY(SELECT DISTINCT e.position FROM search_events e
             WHERE e.search_id = i.id AND e.kind IN ('result_click', 'slot_click', 'profile_view')
               AND e.position IS NOT NULL) AS clicks,
       ARRAY(SELECT array_position(i.result_ids, e.instructor_service_id) FROM search_events e
             WHERE e.search_id = i.id AND e.kind = 'booking') AS bookings
FROM search_impressions i
WHERE i.experiment = :name AND i.teams IS NOT NULL AND i.created_at >= :since AND i.created_at < :until
""")


def outcomes(db: Session, *, name: str, since: datetime, until: datetime) -> list[str | None]:
    """The winner ("A", "B" or None) of each interleaved search of experiment `name` in [since, until):
    each config is credited with the distinct clicked positions of its results and the bookings made
    from them (services/interleaving.credit)."""
    rows = db.execute(OUTCOMES, {"name": name, "since": since, "until": until})
    return [
        interleaving.credit(row.teams, list(row.clicks), [p for p in row.bookings if p is not None]) for row in rows
    ]
