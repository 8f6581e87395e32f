"""Search, end to end: parse → embed → candidates (SQL) → slots (SQL) → rank → relax → cache."""
from __future__ import annotations

import hashlib
import json
import time as clock
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

import nls
from core.cache import Cache
from index import candidates as cand
from index import expansion, places, rank, slots
from index.constraints import RELAX_ORDER, Constraints
from index.embedding import get_embedder

MARKET_TZ = slots.MARKET_TZ  # availability and bookings are New York wall-clock times
ENOUGH = 3  # fewer results than this and the search relaxes
BATCH = 50  # candidates whose slots are computed per round trip
RELAX_WORDS = {"time": "the time of day", "date": "the date", "place": "the place", "price": "the price"}
# Chips a student can remove from a parsed query, and the contract fields each one clears.
DROPPABLE = {
    "service": ("service", "category"), "category": ("category",), "place": ("location", "near_me"),
    "date": ("dates", "weekdays"), "time": ("start_time", "end_time"),
    "price": ("price_min", "price_max", "price_intent"), "audience": ("age", "audience"),
    "level": ("level",), "format": ("format",), "duration": ("duration_minutes",),
    "rating": ("min_rating",), "language": ("lesson_language",), "urgency": ("urgency",),
}


@dataclass
class SearchOptions:
    limit: int = 20
    offset: int = 0
    tz: str = "America/New_York"
    notice_minutes: int = 120
    cache_ttl: int = 300
    drop: tuple[str, ...] = ()  # keys of DROPPABLE: constraints the student removed


def embedding_text(parsed: dict) -> str:
    """What the query means without its filters: the leftover words plus service, audience, level,
    and, for a query with no service, the topics its vague goals usually mean."""
    parts = [parsed.get("text") or ""]
    if not parsed.get("service"):
        parts.append(expansion.expand(parsed.get("query") or ""))
    if parsed.get("service"):
        parts.append(parsed["service"].replace("-", " "))
    elif parsed.get("category"):
        parts.append(parsed["category"])
    for key in ("audience", "level"):
        if parsed.get(key):
            parts.append(parsed[key])
    joined = " ".join(p for p in parts if p).strip()
    return joined or parsed.get("query", "")[:200] or "lessons"


def _lesson_minutes(c: cand.Candidate, cons: Constraints) -> int:
    if cons.duration:
        return cons.duration
    if c.default_duration in c.duration_options:
        return c.default_duration
    return min(c.duration_options, key=lambda m: (abs(m - c.default_duration), m))


def _iso(dt: datetime) -> str:
    return dt.replace(tzinfo=MARKET_TZ).isoformat()


def _result(c: cand.Candidate, cons: Constraints, parsed: dict, summary: slots.SlotSummary,
            minutes: int, score: float) -> dict:
    formats = []
    if c.price_in_person is not None and (c.neighborhoods or c.boroughs):
        formats.append("in_person")
    if c.price_online is not None:
        formats.append("online")
    return {
        "instructor": {
            "id": str(c.profile_id), "name": c.full_name,
            "rating": float(c.rating_avg) if c.rating_avg is not None else None,
            "reviews": c.rating_count, "languages": list(c.languages),
            "areas": {"boroughs": list(c.boroughs), "neighborhoods": list(c.neighborhoods)},
            "area_names": [places.display_name(slug) for slug in (*c.boroughs, *c.neighborhoods)],
        },
        "service": {"slug": c.slug, "name": c.service_name, "category": c.category},
        "instructor_service_id": str(c.id),
        "price": {
            "in_person": float(c.price_in_person) if c.price_in_person is not None else None,
            "online": float(c.price_online) if c.price_online is not None else None,
        },
        "formats": formats,
        "duration_minutes": minutes,
        "slots": [{"start": _iso(s), "end": _iso(e)} for s, e in summary.first],
        "next_available": _iso(summary.first[0][0]) if summary.first else None,
        "score": score,
        "why": rank.explain(c, cons, parsed, summary),
    }


def _run(engine: Engine, cons: Constraints, parsed: dict, qvec, now: datetime, opts: SearchOptions,
         timings: dict, strict: Constraints | None = None) -> tuple[list[dict], int, bool]:
    """Ranked results for one set of constraints: (page, total, total_is_exact). Under relaxation,
    `strict` holds the original constraints: rows that still keep its place and price go first."""
    t = clock.perf_counter()
    with engine.connect() as conn, conn.begin():
        # Rows per instructor average about two: ask the ANN for enough to fill the page.
        rows, complete = cand.fetch(conn, cons, qvec=qvec, qtext=parsed.get("text") or "",
                                    depth=4 * (opts.offset + opts.limit))
        timings["retrieve"] += (clock.perf_counter() - t) * 1000
        t = clock.perf_counter()
        best: dict[object, tuple[tuple, cand.Candidate]] = {}
        for row in rows:  # one result per instructor: the best-matching of their services
            key = (row.tier, -rank.prescore(row, cons, parsed), str(row.id))
            if row.profile_id not in best or key < best[row.profile_id][0]:
                best[row.profile_id] = (key, row)
        ordered = [row for _, row in sorted(best.values(), key=lambda x: x[0])]
        timings["rank"] += (clock.perf_counter() - t) * 1000
        # Slots are computed batch by batch in prescore order; each batch is re-ranked with its
        # availability. Batch edges do not depend on offset, so pages never overlap or skip.
        need = opts.offset + opts.limit
        kept: list[dict] = []
        checked = 0
        while checked < len(ordered) and len(kept) < need:
            t = clock.perf_counter()
            batch = ordered[checked:checked + BATCH]
            checked += len(batch)
            minutes = {row.profile_id: _lesson_minutes(row, cons) for row in batch}
            found = slots.find(conn, cons, minutes, now=now, notice_minutes=opts.notice_minutes)
            t_rank = clock.perf_counter()
            timings["slots"] += (t_rank - t) * 1000
            scored = []
            for row in batch:
                summary = found.get(row.profile_id)
                if summary and summary.count:
                    exact_match = strict is None or rank.keeps_place_and_price(row, strict)
                    scored.append((rank.score(row, cons, parsed, summary, now), row, summary, exact_match))
            scored.sort(key=lambda x: (not x[3], -x[0], str(x[1].id)))
            kept.extend(_result(row, cons, parsed, summary, minutes[row.profile_id], s)
                        for s, row, summary, _ in scored)
            timings["rank"] += (clock.perf_counter() - t_rank) * 1000
    exact = checked >= len(ordered) and complete
    total = len(kept) if checked >= len(ordered) else round(len(kept) / max(checked, 1) * len(ordered))
    return kept[opts.offset:need], total, exact


def _relax_message(relaxed: list[str], total: int) -> str:
    words = []
    for step in relaxed:
        word = RELAX_WORDS[step]
        if word not in words:
            words.append(word)
    if total == 0:
        return "No instructors match this search, even after relaxing " + " and ".join(words) + "."
    return "Few exact matches, so we relaxed " + ", then ".join(words) + "."


# Called after every search with (stage timings in ms, or None when the cache answered; cached).
# api/metrics.py registers the Prometheus histograms here; an observer's failure never fails a search.
OBSERVERS: list = []


def _observe(timings: dict | None, cached: bool) -> None:
    for observer in OBSERVERS:
        try:
            observer(timings, cached)
        except Exception:  # noqa: BLE001 - metrics must not break search
            pass


def cache_key(parsed: dict, opts: SearchOptions, version: str, earliest: datetime) -> str:
    # The parse carries resolved dates, so "tomorrow" maps to a new key every day; the earliest
    # bookable start moves every 15 minutes, so a cached slot never becomes too soon to book.
    material = {k: v for k, v in parsed.items() if k != "query"}
    material.update(limit=opts.limit, offset=opts.offset, v=version, earliest=earliest.isoformat())
    digest = hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()
    return f"search:{digest[:32]}"


def search(engine: Engine, q: str, *, cache: Cache | None = None, now: datetime | None = None,
           opts: SearchOptions | None = None) -> dict:
    opts = opts or SearchOptions()
    started = clock.perf_counter()
    user_tz = ZoneInfo(opts.tz)
    now_user = (now.astimezone(user_tz) if now and now.tzinfo else now) or datetime.now(user_tz)
    parsed = nls.parse(q, now=now_user.replace(tzinfo=None), tz=opts.tz)
    for chip in opts.drop:
        for field in DROPPABLE[chip]:
            parsed[field] = False if field == "near_me" else None
    timings = {"parse": (clock.perf_counter() - started) * 1000, "embed": 0.0, "retrieve": 0.0,
               "slots": 0.0, "rank": 0.0}
    # Aware New York time: elapsed-time arithmetic (the minimum notice) stays right across DST.
    now_market = (now_user if now_user.tzinfo else now_user.replace(tzinfo=user_tz)).astimezone(MARKET_TZ)
    earliest = slots.earliest_start(now_market, opts.notice_minutes)
    key = cache_key(parsed, opts, cache.version(), earliest) if cache else None
    if cache and (hit := cache.get(key)) is not None:
        response = json.loads(hit)
        response.update(query=q, cached=True, took_ms=round((clock.perf_counter() - started) * 1000, 2))
        response["parsed"]["query"] = q
        _observe(None, cached=True)
        return response

    t = clock.perf_counter()
    qvec = get_embedder().embed_query(embedding_text(parsed))
    timings["embed"] = (clock.perf_counter() - t) * 1000

    cons = original = Constraints.from_parsed(parsed)
    relaxed: list[str] = []
    results, total, exact = _run(engine, cons, parsed, qvec, now_market, opts, timings)
    steps = list(RELAX_ORDER)
    while total < ENOUGH and steps:
        step = steps.pop(0)
        looser = cons.relax(step)
        if looser is None:
            continue
        cons = looser
        relaxed.append(step)
        results, total, exact = _run(engine, cons, parsed, qvec, now_market, opts, timings, strict=original)
    message = _relax_message(relaxed, total) if relaxed else (
        None if total else "No instructors match this search.")
    response = {
        "query": q,
        "corrected_query": None,
        "parsed": parsed,
        "results": results,
        "relaxed": relaxed,
        "message": message,
        "total": total,
        "total_is_exact": exact,
        "took_ms": 0.0,
        "timings_ms": {k: round(v, 2) for k, v in timings.items()},
        "cached": False,
    }
    if cache:
        cache.set(key, json.dumps(response).encode(), ttl=opts.cache_ttl)
    response["took_ms"] = round((clock.perf_counter() - started) * 1000, 2)
    _observe(timings, cached=False)
    return response


def browse(engine: Engine, filters: dict, *, now: datetime | None = None,
           opts: SearchOptions | None = None) -> dict:
    """Pill browsing: the same ranking and result shape as search, for explicit filters instead of
    text. `filters` uses the parsed-query field names (service, category, location, price_min,
    price_max, format, dates, ...); nothing is relaxed, since the student chose every filter."""
    opts = opts or SearchOptions()
    started = clock.perf_counter()
    parsed = {field: None for field in nls.FIELDS}
    parsed.update(query="", near_me=False, text="")
    parsed.update({k: v for k, v in filters.items() if k in parsed})
    timings = {"parse": 0.0, "embed": 0.0, "retrieve": 0.0, "slots": 0.0, "rank": 0.0}
    name = (parsed.get("service") or parsed.get("category") or "lessons").replace("-", " ")
    qvec = get_embedder().embed_query(name)
    now_market = (now.astimezone(MARKET_TZ) if now and now.tzinfo else now) or datetime.now(MARKET_TZ)
    results, total, exact = _run(engine, Constraints.from_parsed(parsed), parsed, qvec,
                                 now_market, opts, timings)
    return {"filters": {k: v for k, v in parsed.items() if v not in (None, False, "")}, "results": results,
            "total": total, "total_is_exact": exact, "limit": opts.limit, "offset": opts.offset,
            "took_ms": round((clock.perf_counter() - started) * 1000, 2),
            "timings_ms": {k: round(v, 2) for k, v in timings.items()}}
