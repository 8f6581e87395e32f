"""The systems the harness compares, all run the same way over the eval database.

* ``hybrid``   the real search (`index.search.search`): parse, filters, ANN + trigram, slots, rank,
               relaxation. One result per instructor; each maps to its `instructor_service_id`.
* ``trigram``  pg_trgm `similarity()` of the raw query against `instructor_services.search_text`;
               no parsing, no filters.
* ``vector``   cosine nearest neighbours of the raw query's embedding; no parsing, no filters.
* ``url``      the hybrid search behind a running API (`--url`): `GET /api/search?q=&limit=`.

The baselines also return one row per instructor (their best-scoring row), like the search.
Every system gives a `Run` per query: the ranked instructor-service ids and, for constraint
precision, contract-shaped result dicts. For the baselines those are built from the rows (price,
formats, areas, languages, rating, service) with the slots the search would show for the
intended days and times (`index.slots.find`), or, when there are none, the first open slots of
the next 14 days (which then break the time constraints), or no slots at all.
"""

from __future__ import annotations

import json
import time as clock
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine

SYSTEMS = ("hybrid", "trigram", "vector")
BASELINE_SQL = {
    "trigram": "similarity(:q, s.search_text)",
    "vector": "1 - (s.embedding <=> CAST(:qvec AS vector))",
}
FETCH = 400  # rows fetched before keeping the best per instructor


@dataclass
class Run:
    ranking: list[str]  # instructor-service ids, best first
    scores: list[float]
    results: list[dict]  # contract-shaped, for promises.violations
    relaxed: list[str] = field(default_factory=list)
    total: int = 0
    latency_ms: float = 0.0
    parsed: dict | None = None
    error: str | None = None


def run_hybrid(engine: Engine, query: str, *, now: datetime, k: int) -> Run:
    from index.search import SearchOptions, search

    started = clock.perf_counter()
    resp = search(engine, query, cache=None, now=now, opts=SearchOptions(limit=k))
    latency = (clock.perf_counter() - started) * 1000
    results = resp["results"]
    return Run(
        [r["instructor_service_id"] for r in results],
        [float(r["score"]) for r in results],
        results,
        list(resp.get("relaxed") or []),
        int(resp.get("total") or 0),
        latency,
        resp.get("parsed"),
    )


def run_url(base: str, query: str, *, k: int, tz: str) -> Run:
    params = urllib.parse.urlencode({"q": query, "limit": min(k, 50), "tz": tz})
    started = clock.perf_counter()
    with urllib.request.urlopen(f"{base.rstrip('/')}/api/search?{params}", timeout=30) as fh:
        resp = json.loads(fh.read())
    latency = (clock.perf_counter() - started) * 1000
    results = resp["results"]
    return Run(
        [r["instructor_service_id"] for r in results],
        [float(r["score"]) for r in results],
        results,
        list(resp.get("relaxed") or []),
        int(resp.get("total") or 0),
        latency,
        resp.get("parsed"),
    )


def run_baseline(engine: Engine, name: str, query: str, intended: dict, *, now: datetime, k: int) -> Run:
    from index.candidates import SELECT, Candidate, vector_literal

    started = clock.perf_counter()
    params = {"q": query[:200], "qtext": "", "lim": FETCH}
    if name == "vector":
        from index.embedding import get_embedder

        params["qvec"] = vector_literal(get_embedder().embed_query(query or "lessons"))
        order = "s.embedding <=> CAST(:qvec AS vector)"
    else:
        params["qvec"] = None
        order = "similarity(:q, s.search_text) DESC, s.id"
    sql = SELECT + f" ORDER BY {order} LIMIT :lim"
    sql = sql.replace(
        "COALESCE(1 - (s.embedding <=> CAST(:qvec AS vector)), 0) AS semantic", f"{BASELINE_SQL[name]} AS semantic"
    )
    with engine.connect() as conn, conn.begin():
        if name == "vector":
            conn.execute(text("SET LOCAL hnsw.ef_search = 400"))
        rows = [Candidate(*row) for row in conn.execute(text(sql), params)]
    best: dict[object, Candidate] = {}
    for row in rows:  # rows come best first: keep each instructor's first
        best.setdefault(row.profile_id, row)
    kept = [r for r in best.values() if name == "vector" or float(r.semantic) > 0][:k]
    latency = (clock.perf_counter() - started) * 1000
    results = baseline_results(engine, kept, intended, now=now)
    return Run([str(r.id) for r in kept], [float(r.semantic) for r in kept], results, [], len(kept), latency)


def baseline_results(engine: Engine, rows: list, intended: dict, *, now: datetime) -> list[dict]:
    """Contract-shaped results for baseline rows, with the slots the search would show."""
    from eval.judge import full_parsed
    from index import slots as slotmod
    from index.constraints import Constraints
    from index.search import MARKET_TZ, _lesson_minutes, _result

    cons = Constraints.from_parsed(full_parsed(intended))
    loose = Constraints(duration=cons.duration)
    now_market = now.astimezone(MARKET_TZ).replace(tzinfo=None)
    minutes = {row.profile_id: _lesson_minutes(row, cons) for row in rows}
    with engine.connect() as conn:
        asked = slotmod.find(conn, cons, minutes, now=now_market, notice_minutes=120)
        anywhen = slotmod.find(conn, loose, minutes, now=now_market, notice_minutes=120)
    parsed = full_parsed(intended)
    out = []
    for row in rows:
        summary = asked.get(row.profile_id)
        if not summary or not summary.starts:
            summary = anywhen.get(row.profile_id) or slotmod.SlotSummary()
        out.append(_result(row, cons, parsed, summary, minutes[row.profile_id], float(row.semantic)))
    return out


def run(
    system: str,
    engine: Engine | None,
    record: dict,
    *,
    now: datetime,
    k: int,
    url: str | None = None,
    tz: str = "America/New_York",
) -> Run:
    try:
        if system == "hybrid" and url:
            return run_url(url, record["query"], k=k, tz=tz)
        assert engine is not None, "a system other than a running API needs the eval database"
        if system == "hybrid":
            return run_hybrid(engine, record["query"], now=now, k=k)
        if system in BASELINE_SQL:
            return run_baseline(engine, system, record["query"], record.get("intended", {}), now=now, k=k)
    except Exception as exc:  # a failing query is a result (no hits), not a crashed evaluation
        return Run([], [], [], error=f"{type(exc).__name__}: {exc}")
    raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")
