"""Search, end to end: parse → embed → candidates (SQL) → slots (SQL) → rank → relax → cache."""

from __future__ import annotations

import gc
import hashlib
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

import nls
from core.cache import Cache
from index import candidates as cand
from index import catalog, geo, goals, misses, places, rank, sessions, slot_memo, slots
from index.constraints import ROW_RELAX_STAGES, Constraints
from index.embedding import get_embedder
from nls.when import PERIODS

MARKET_TZ = slots.MARKET_TZ  # availability and bookings are New York wall-clock times
# Fewer exact results than a first page and the search relaxes: the exact ones lead, and the nearest
# misses fill the page (each card says what it misses) instead of leaving the student with three.
ENOUGH = 10
BATCH = 50  # candidates whose slots are computed per round trip
RELAX_WORDS = {
    "time": "the time of day",
    "date": "the date",
    "place": "the place",
    "price": "the price",
    "language": "the lesson language",
    "rating": "the rating",
    "audience": "the age group",
    "duration": "the lesson length",
    "service": "the lesson (similar ones)",
    "format": "online or in person",
}
RELAX_NAMES = tuple(RELAX_WORDS)  # the contract's names, in its order, then the last resorts
# Chips a student can remove from a parsed query, and the contract fields each one clears.
DROPPABLE = {
    "service": ("service", "category"),
    "category": ("category",),
    "place": ("location", "near_me", "zip", "landmark", "nearby", "within_miles"),
    "date": ("dates", "weekdays"),
    "time": ("start_time", "end_time"),
    "price": ("price_min", "price_max", "price_intent"),
    "audience": ("age", "audience"),
    "level": ("level",),
    "format": ("format",),
    "duration": ("duration_minutes",),
    "rating": ("min_rating",),
    "language": ("lesson_language",),
    "urgency": ("urgency",),
}


@dataclass(frozen=True)
class SearchOptions:
    limit: int = 20
    offset: int = 0
    tz: str = "America/New_York"
    notice_minutes: int = 120
    cache_ttl: int = 300
    drop: tuple[str, ...] = ()  # keys of DROPPABLE: constraints the student removed
    lat: float | None = None  # the student's position, for "near me" and distances
    lng: float | None = None
    # The order of the results (relevance, price, rating, soonest), and the student's filters: they set (or override) the
    # parsed conditions of the same name. `day` is a DAY_WORDS word, a weekday or a date (ISO);
    # `time_of_day` a PERIODS word; a `level` filter keeps only teachers who take that level.
    sort: str = "relevance"
    price_min: float | None = None
    price_max: float | None = None
    format: str | None = None
    day: str | None = None
    time_of_day: str | None = None
    level: str | None = None


# A sort other than relevance orders the SORT_POOL most relevant results (all of them, for most
# queries), so pages of a sorted list never repeat or skip a teacher.
SORT_POOL = 100
DAY_WORDS = ("today", "tomorrow", "weekend")
WEEKDAY_WORDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMES_OF_DAY = ("morning", "afternoon", "evening")
LEVELS = ("beginner", "intermediate", "advanced")


def day_filter(day: str, today: date) -> dict[str, Any]:
    """The parsed-query fields of a day filter; ValueError for a word or date it cannot read."""
    word = day.strip().lower()
    if word in DAY_WORDS:
        if word == "weekend":
            return {"dates": None, "weekdays": [5, 6]}
        return {"dates": [(today + timedelta(days=DAY_WORDS.index(word))).isoformat()], "weekdays": None}
    if word in WEEKDAY_WORDS:
        return {"dates": None, "weekdays": [WEEKDAY_WORDS.index(word)]}
    asked = date.fromisoformat(word)
    if asked < today:
        raise ValueError(f"{asked} is in the past")
    return {"dates": [asked.isoformat()], "weekdays": None}


def _apply_filters(parsed: dict[str, Any], opts: SearchOptions, today: date) -> None:
    """The student's filters over what the parser read (they win where both speak)."""
    for name in ("price_min", "price_max", "format", "level"):
        if getattr(opts, name) is not None:
            parsed[name] = getattr(opts, name)
    if opts.day:
        parsed.update(day_filter(opts.day, today))
    if opts.time_of_day:
        parsed["start_time"], parsed["end_time"] = PERIODS[opts.time_of_day]


def _sorted(run: Callable[[SearchOptions], dict[str, Any]], opts: SearchOptions) -> dict[str, Any]:
    """A page of the results in another order than relevance: the SORT_POOL most relevant (one
    cached search), ordered by the sort, those that meet the whole query before those that miss."""
    pool = run(replace(opts, sort="relevance", offset=0, limit=SORT_POOL))  # never deeper: paging past it is empty
    results = pool["results"]

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        if opts.sort == "price":
            price = r["lesson"]["price"]
            return (bool(r.get("misses")), price is None, price or 0.0)
        if opts.sort == "rating":
            n, avg = r["instructor"]["reviews"], r["instructor"]["rating"]
            shrunk = (rank.PRIOR_WEIGHT * rank.PRIOR_MEAN + n * (avg or rank.PRIOR_MEAN)) / (rank.PRIOR_WEIGHT + n)
            return (bool(r.get("misses")), -shrunk, -n)
        nxt = r.get("next_available")
        return (bool(r.get("misses")), nxt is None, datetime.fromisoformat(nxt) if nxt else datetime.min)

    ordered = sorted(results, key=key)
    pool.update(
        results=ordered[opts.offset : opts.offset + opts.limit],
        total=min(pool["total"], len(results)),
        total_is_exact=pool["total_is_exact"] and len(results) >= pool["total"],
        sort=opts.sort,
        sorted_among=len(results),
    )
    if "limit" in pool:
        pool.update(limit=opts.limit, offset=opts.offset)
    return pool


def topic_text(parsed: dict[str, Any]) -> str:
    """The leftover words a result's relevance is measured against: the parser's leftover text without
    the numbers it could not read ("17" in "piano for kids 17", the 520 of "math score is like 520").
    A bare number names no subject: its trigrams matched years and figures in bios ("17" scores a third
    against "2017"), and the embedder read it as a word of its own, so every such query missed the
    embedding cache and paid for a trigram comparison with every row it scanned (18 µs a row)."""
    return " ".join(word for word in (parsed.get("text") or "").split() if not word.isdigit())


def embedding_text(parsed: dict[str, Any]) -> str:
    """What the query means without its filters: the leftover words plus service, audience, level.
    (A vague goal reaches its services through the service cards, index/goals.py.)"""
    parts = [topic_text(parsed)]
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


@lru_cache(maxsize=8192)
def _iso(dt: datetime) -> str:
    """A New York wall-clock time as ISO text with its offset. Starts fall on a 15-minute grid and
    recur across searches: remembered, since working out the zone's offset costs microseconds a call
    (seven calls a card)."""
    return dt.replace(tzinfo=MARKET_TZ).isoformat()


def _result(
    c: cand.Candidate, cons: Constraints, parsed: dict[str, Any], summary: slots.SlotSummary, minutes: int, score: float
) -> dict[str, Any]:
    miles = _rounded(misses.distance(c, cons))
    why = rank.explain(c, cons, parsed, summary)
    if miles is not None:
        why.insert(1, f"about {miles:.1f} mi away")
    formats = []
    if c.price_in_person is not None and (c.neighborhoods or c.boroughs):
        formats.append("in_person")
    if c.price_online is not None:
        formats.append("online")
    return {
        "instructor": {
            "id": str(c.profile_id),
            "name": c.full_name,
            "rating": float(c.rating_avg) if c.rating_avg is not None else None,
            "reviews": c.rating_count,
            "languages": list(c.languages),
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
        "lesson": _lesson(c, cons, formats),
        "duration_minutes": minutes,
        "slots": [{"start": _iso(s), "end": _iso(e)} for s, e in summary.first],
        "next_available": _iso(summary.first[0][0]) if summary.first else None,
        "score": score,
        "why": why,
        "distance_miles": miles,
    }


def _lesson(c: cand.Candidate, cons: Constraints, formats: list[str]) -> dict[str, Any]:
    """The lesson the student would take, whose price the search reads (docs/search-contract.md):
    the booking dialog preselects its format."""
    prices = {"in_person": c.price_in_person, "online": c.price_online}
    fmt = misses.taken_format(c, cons, catalog.is_hands_on(c.slug))
    if fmt not in formats:
        fmt = min(formats, key=lambda f: float(prices[f] or 0)) if formats else None
    price = prices[fmt] if fmt else None
    return {"format": fmt, "price": float(price) if price is not None else None}


def _rounded(miles: float | None) -> float | None:
    return round(miles, 1) if miles is not None else None


SlotsFound = dict[Any, tuple[slots.SlotSummary, int, Constraints]]


def _slot_finder(
    conn: Connection,
    cons: Constraints,
    now: datetime,
    opts: SearchOptions,
    relaxing: bool,
    memo: slot_memo.MemoUnder | None,
) -> Callable[[dict[Any, int]], SlotsFound]:
    """Slots per instructor and how well they meet the asked days and times. Strictly, only slots
    in the asked window count. While relaxing, an instructor without one shows slots on the asked
    day at another time, else its next slots on other days; nobody loses the slots that fit."""
    tiers = [(misses.SLOTS_IN_WINDOW, cons)]
    if relaxing and cons.has_time():
        tiers.append((misses.SLOTS_OTHER_TIME, cons.without_time()))
    if relaxing and (cons.has_date() or cons.has_time()):
        tiers.append((misses.SLOTS_OTHER_DAY, cons.without_date()))

    def find(minutes: dict[Any, int]) -> SlotsFound:
        out: SlotsFound = {}
        for level, tier_cons in tiers:
            wanted = {k: m for k, m in minutes.items() if k not in out}
            if not wanted:
                break
            for key, summary in slots.find(
                conn, tier_cons, wanted, now=now, notice_minutes=opts.notice_minutes, memo=memo
            ).items():
                if summary.starts:
                    out[key] = (summary, level, tier_cons)
        return out

    return find


def _run(
    conn: Connection,
    cons: Constraints,
    parsed: dict[str, Any],
    qvec: np.ndarray,
    now: datetime,
    opts: SearchOptions,
    timings: dict[str, Any],
    asked: Constraints | None = None,
    goal_similarity: dict[str, float] | None = None,
    fewer_than: int = 0,
    memo: slot_memo.MemoUnder | None = None,
) -> tuple[list[dict[str, Any]] | None, int, bool, set[str]]:
    """Ranked results for one set of constraints: (page, total, total_is_exact, relaxed kinds).

    `asked` holds the original constraints while relaxing: every row is then measured against
    them (index/misses.py), those meeting everything go first, and each card lists what it misses.
    `goal_similarity` maps each service to how well it serves a vague query's goal (index/goals.py).
    With fewer than `fewer_than` teachers before slots, the run stops there: no page (None), and that
    count as its total (an upper bound). `memo`: slot summaries other searches read under the same
    version (index/slot_memo.py).
    Every run of one search shares `conn` (index/sessions.py): a checkout (with its liveness ping) and a
    commit per relaxation run were 13% of an uncached search's time in the API."""
    relaxing = asked is not None
    asked = asked or cons
    t = clock.perf_counter()
    # Rows per instructor average about two: ask the ANN for enough to fill the page.
    rows, complete = cand.fetch(conn, cons, qvec=qvec, qtext=topic_text(parsed), depth=4 * (opts.offset + opts.limit))
    timings["retrieve"] += (clock.perf_counter() - t) * 1000
    t = clock.perf_counter()
    fits: dict[object, misses.RowFit] = {}
    best: dict[object, tuple[tuple[Any, ...], cand.Candidate]] = {}
    fitter = misses.RowFitter(asked)
    for row in rows:  # one result per instructor: the best-matching of their services
        if goal_similarity is not None:
            row.goal = goal_similarity.get(row.slug, 0.0)
        hands_on = catalog.is_hands_on(row.slug)
        if opts.level and opts.level not in row.levels:
            continue  # the student's level filter: teachers who take that level only
        if cons.within is not None and cons.point is not None and (misses.distance(row, cons) or 0.0) > cons.within:
            continue  # serves a neighborhood in the radius only through a whole borough's far side
        fit = fitter.fit(row, hands_on)
        if relaxing and not _within_price(row, asked, cons, hands_on, fit.place):
            continue  # the SQL read the cheaper price; the lesson this student would take costs more
        fits[row.id] = fit
        key = (
            row.tier,
            fit.key,
            rank.online_only_for_hands_on(row, hands_on),
            -rank.prescore(row, cons, parsed),
            row.id,  # the id as text: fixed-width hex orders as the UUID would
        )
        if row.profile_id not in best or key < best[row.profile_id][0]:
            best[row.profile_id] = (key, row)
    ordered = [row for _, row in sorted(best.values(), key=lambda x: x[0])]
    timings["rank"] += (clock.perf_counter() - t) * 1000
    if len(ordered) < fewer_than:
        return None, len(ordered), complete, set()
    # Slots are computed batch by batch in prescore order; each batch is re-ranked with its
    # availability. Batch edges do not depend on offset, so pages never overlap or skip.
    find_slots = _slot_finder(conn, cons, now, opts, relaxing, memo)
    need = opts.offset + opts.limit
    # The page's cards are written once the ranking is known: a batch ranks 50 rows for a page of 20.
    kept: list[tuple[cand.Candidate, float, slots.SlotSummary, int, Constraints, int]] = []
    broken: set[str] = set()
    checked = 0
    while checked < len(ordered) and len(kept) < need:
        t = clock.perf_counter()
        batch = ordered[checked : checked + BATCH]
        checked += len(batch)
        minutes = {row.profile_id: _lesson_minutes(row, cons) for row in batch}
        found = find_slots(minutes)
        t_rank = clock.perf_counter()
        timings["slots"] += (t_rank - t) * 1000
        scored = []
        for row in batch:
            if row.profile_id not in found:
                continue
            summary, level, slot_cons = found[row.profile_id]
            fit = fits[row.id]
            order = (fit.rank_key(level), rank.online_only_for_hands_on(row))
            score = rank.score(row, cons, parsed, summary, now) + rank.nearness(misses.distance(row, asked))
            scored.append((order, round(score, 4), row, summary, level, slot_cons))
        scored.sort(key=lambda x: (x[0], -x[1], x[2].id))
        for _, s, row, summary, level, slot_cons in scored:
            broken.update(misses.kinds(fits[row.id], level, asked))
            kept.append((row, s, summary, level, slot_cons, minutes[row.profile_id]))
        timings["rank"] += (clock.perf_counter() - t_rank) * 1000
    t = clock.perf_counter()
    page = [
        _card(row, asked, fits[row.id], parsed, score, summary, level, slot_cons, lesson_minutes)
        for row, score, summary, level, slot_cons, lesson_minutes in kept[opts.offset : need]
    ]
    timings["rank"] += (clock.perf_counter() - t) * 1000
    exact = checked >= len(ordered) and complete
    total = len(kept) if checked >= len(ordered) else round(len(kept) / max(checked, 1) * len(ordered))
    return page, total, exact, broken


def _card(
    row: cand.Candidate,
    asked: Constraints,
    fit: misses.RowFit,
    parsed: dict[str, Any],
    score: float,
    summary: slots.SlotSummary,
    level: int,
    slot_cons: Constraints,
    minutes: int,
) -> dict[str, Any]:
    """One result as the student sees it: it explains itself against the original ask, with the days
    its slots are on, and says what it misses."""
    window = (slot_cons.dates, slot_cons.weekdays, slot_cons.start_time, slot_cons.end_time)
    shown = (
        asked
        if window == (asked.dates, asked.weekdays, asked.start_time, asked.end_time)
        else replace(
            asked,
            dates=slot_cons.dates,
            weekdays=slot_cons.weekdays,
            start_time=slot_cons.start_time,
            end_time=slot_cons.end_time,
        )
    )
    result = _result(row, shown, parsed, summary, minutes, score)
    result["misses"] = misses.describe(
        row,
        asked,
        fit,
        level,
        summary.first[0][0] if summary.first else None,
        catalog.is_hands_on(row.slug),
    )
    return result


def _with_similar_services(cons: Constraints) -> Constraints | None:
    """The asked services plus the nearest ones by their cards, for when too few teach them."""
    asked = (cons.service,) if cons.service else cons.services
    if not asked:
        return None
    learner = frozenset(cons.learner or ((cons.audience,) if cons.audience else ()))
    similar = goals.get_cards().similar(asked, learner=learner)
    return replace(cons, service=None, services=(*asked, *similar)) if similar else None


def _within_price(row: cand.Candidate, asked: Constraints, cons: Constraints, hands_on: bool, place: int) -> bool:
    """Whether the price of the lesson the student would take fits the current (maybe relaxed) bounds.
    `place`: the row's place level against the ask (misses.RowFit.place)."""
    if cons.price_max is None and cons.price_min is None:
        return True
    price = misses.price_of(row, asked, hands_on, place)
    if price is None:
        return False
    return (cons.price_max is None or price <= cons.price_max) and (cons.price_min is None or price >= cons.price_min)


def _relax_message(relaxed: list[str], total: int) -> str:
    words = [RELAX_WORDS[step] for step in relaxed]
    if total == 0:
        return "No instructors match this search, even after relaxing " + " and ".join(words) + "."
    return (
        "Few exact matches, so we relaxed "
        + ", then ".join(words)
        + ". Teachers who match everything come first; each other card says what it misses."
    )


# Called after every search with (stage timings in ms, or None when the cache answered; cached).
# api/metrics.py registers the Prometheus histograms here; an observer's failure never fails a search.
OBSERVERS: list[Callable[[dict[str, float] | None, bool], None]] = []


def _observe(timings: dict[str, Any] | None, cached: bool) -> None:
    for observer in OBSERVERS:
        try:
            observer(timings, cached)
        except Exception:  # noqa: BLE001 - metrics must not break search
            pass


_KEY_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def cache_key(
    parsed: dict[str, Any],
    opts: SearchOptions,
    earliest: datetime,
    learner: tuple[str, ...] = (),
    other_places: tuple[str, ...] = (),
    together: bool = False,
) -> str:
    # The parse carries resolved dates, so "tomorrow" maps to a new key every day; the earliest
    # bookable start moves every 15 minutes, so a cached slot never becomes too soon to book.
    material = {k: v for k, v in parsed.items() if k != "query"}
    material.update(
        limit=opts.limit,
        offset=opts.offset,
        earliest=earliest.isoformat(),
        only_level=opts.level,
        learner=learner,  # read from the words, not the parse: "i want guitar" and "guitar" parse alike
        other_places=other_places,  # "canarsie or flatlands" parses as canarsie
        together=together,  # "dance class with my 2 year old" and "... for my 2 year old" parse alike
        # ~100 m: nearby students share answers, distances stay right to a tenth of a mile
        at=(round(opts.lat, 3), round(opts.lng, 3)) if opts.lat is not None and opts.lng is not None else None,
    )
    digest = hashlib.sha256(orjson.dumps(material, option=_KEY_OPTIONS, default=str)).hexdigest()
    return f"search:{digest[:32]}"


@dataclass
class Prepared:
    """A query read and keyed, before any I/O: what a cache lookup needs (its `key`), and what the
    search itself goes on with. Parsing costs 0.05-0.3 ms, so the API prepares a query on its event
    loop and answers a cached search there, without a trip through the thread pool."""

    q: str
    started: float
    parsed: dict[str, Any]
    reading: nls.GoalReading
    learner: tuple[str, ...]
    other_places: tuple[str, ...]
    together: bool
    now_market: datetime
    parse_ms: float
    key: str


@dataclass(frozen=True)
class _Reading:
    """What a query says, read against a day: everything `prepare` computes but the time and the key."""

    parsed: dict[str, Any]
    reading: nls.GoalReading
    learner: tuple[str, ...]
    other_places: tuple[str, ...]
    together: bool


def _own_copy(parsed: dict[str, Any]) -> dict[str, Any]:
    """A parse the caller may change (search drops a service a goal overrides) without changing the
    remembered one: its values are scalars, or lists and dicts of scalars."""
    return {k: dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v for k, v in parsed.items()}


# Options that do not change how a query reads: set to their defaults in a remembered reading's key, so
# that every page and order of a query shares one reading (any other option, a new one too, is part of it).
UNREAD_OPTIONS = ("limit", "offset", "notice_minutes", "cache_ttl", "lat", "lng", "sort")
_DEFAULTS = SearchOptions()


@lru_cache(maxsize=4096)
def _reading_of(q: str, today: date, opts: SearchOptions) -> _Reading:
    """The reading of a query on a day, with the options that change a reading, remembered: the parser
    reads dates against the day only, never the time, so a reading stays right all day (the earliest
    bookable start and the key, which move with the time, are computed for every request). Popular
    queries repeat, and reading one took 0.1-0.4 ms of a cached search's ~1.4."""
    parsed, reading = nls.parse_with_reading(q, now=today, tz=opts.tz)
    for chip in opts.drop:
        for name in DROPPABLE[chip]:
            parsed[name] = False if name in ("near_me", "nearby") else None
    _apply_filters(parsed, opts, today)
    return _Reading(
        parsed=parsed,
        reading=reading,
        learner=() if "audience" in opts.drop else nls.learner(q, parsed),
        other_places=() if "place" in opts.drop else reading.other_neighborhoods,
        together=goals.asks_together(reading.english or q),
    )


def forget_readings() -> None:
    """Drop the remembered readings (a benchmark's first pass must read every query)."""
    _reading_of.cache_clear()


def _read(q: str, opts: SearchOptions, today: date) -> _Reading:
    read_as = replace(opts, drop=tuple(opts.drop), **{name: getattr(_DEFAULTS, name) for name in UNREAD_OPTIONS})
    found = _reading_of(q, today, read_as)
    return replace(found, parsed=_own_copy(found.parsed))


def prepare(q: str, *, now: datetime | None = None, opts: SearchOptions | None = None) -> Prepared:
    """Parse `q`, apply the student's filters and chips, and compute the cache key (relevance order)."""
    opts = opts or SearchOptions()
    started = clock.perf_counter()
    user_tz = ZoneInfo(opts.tz)
    now_user = (now.astimezone(user_tz) if now and now.tzinfo else now) or datetime.now(user_tz)
    read = _read(q, opts, now_user.date())
    # Aware New York time: elapsed-time arithmetic (the minimum notice) stays right across DST.
    now_market = (now_user if now_user.tzinfo else now_user.replace(tzinfo=user_tz)).astimezone(MARKET_TZ)
    earliest = slots.earliest_start(now_market, opts.notice_minutes)
    return Prepared(
        q=q,
        started=started,
        parsed=read.parsed,
        reading=read.reading,
        learner=read.learner,
        other_places=read.other_places,
        together=read.together,
        now_market=now_market,
        parse_ms=(clock.perf_counter() - started) * 1000,
        key=cache_key(read.parsed, opts, earliest, read.learner, read.other_places, read.together),
    )


@lru_cache(maxsize=256)
def _decoded(hit: bytes) -> dict[str, Any]:
    """A cached answer, decoded once (~70 µs for a 22 KB page): the cache hands the same bytes object
    back while the entry is current (core/cache.HeldEntries). Shared: never changed, only copied."""
    answer: dict[str, Any] = orjson.loads(hit)
    return answer


def from_cache(prepared: Prepared, hit: bytes) -> dict[str, Any]:
    """The cached answer to a prepared query, as this student asked it (their words, the time taken).
    A new dict whose top level and `parsed` are its own; the results are shared and read only."""
    cached = _decoded(hit)
    took_ms = round((clock.perf_counter() - prepared.started) * 1000, 2)
    response = {**cached, "query": prepared.q, "cached": True, "took_ms": took_ms}
    response["parsed"] = {**cached["parsed"], "query": prepared.q}
    _observe(None, cached=True)
    return response


def search(
    engine: Engine,
    q: str,
    *,
    cache: Cache | None = None,
    now: datetime | None = None,
    opts: SearchOptions | None = None,
    prepared: Prepared | None = None,
    looked_up: tuple[str, bytes | None] | None = None,
) -> dict[str, Any]:
    """Search for `q`. A caller that already prepared the query and looked its key up in the cache
    (the API does both on its event loop) passes them, and neither is done twice."""
    opts = opts or SearchOptions()
    if opts.sort != "relevance":
        return _sorted(lambda o: search(engine, q, cache=cache, now=now, opts=o), opts)
    if prepared is None:
        prepared = prepare(q, now=now, opts=opts)
        looked_up = None
    parsed, reading, learner = prepared.parsed, prepared.reading, prepared.learner
    other_places, together, now_market = prepared.other_places, prepared.together, prepared.now_market
    started = prepared.started
    timings = {"parse": prepared.parse_ms, "embed": 0.0, "retrieve": 0.0, "slots": 0.0, "rank": 0.0}
    # The write version is part of the key (Cache.lookup): any committed change makes a new one.
    key, hit = looked_up or (cache.lookup(prepared.key) if cache else (None, None))
    if hit is not None:
        return from_cache(prepared, hit)

    t = clock.perf_counter()
    # A query that names no service is matched to services by its whole sentence (_goal); the same vector
    # retrieves its teachers: one embedding instead of two for every such query, for nDCG@10 -0.0003 on
    # the judged dev pools (389 queries, 4 W / 8 L, p = 0.46).
    vector_text = _goal_text(reading, q) if _reads_goal_only(parsed) else embedding_text(parsed)
    qvec = get_embedder().embed_query(vector_text)
    timings["embed"] = (clock.perf_counter() - t) * 1000

    original = Constraints.from_parsed(parsed)
    where = _where(parsed, opts, other_places)
    original = replace(
        original,
        point=where.point,
        area=where.area,
        within=where.within,
        place_label=where.label,
        format=where.format or original.format,
        learner=learner or None,
    )
    goal = _goal(parsed, reading, q, timings, learner, together)
    if goal is not None and goal.kind in ("none", "unreadable"):
        response = _no_match(engine, q, parsed, goal, timings)
        if cache and key:
            cache.set(key, orjson.dumps(response, option=orjson.OPT_NON_STR_KEYS), ttl=opts.cache_ttl)
        response["took_ms"] = round((clock.perf_counter() - started) * 1000, 2)
        _observe(timings, cached=False)
        return response
    if goal is not None and goal.category_dropped:
        parsed["category"] = None
        original = replace(original, category=None)
    if goal is not None and goal.kind == "loose" and goal.boost:
        original = replace(original, boost=goal.boost)
    if goal is not None and goal.kind == "clear":
        if parsed.get("service"):  # the sentence means another service than its service word
            parsed.update(service=None, category=None)
        original = replace(original, service=None, category=None, services=goal.services)
    similarity = goal.relevance() if goal is not None else None
    memo = _memo_under(cache, key)
    with sessions.search_connection(engine) as conn:
        results, total, exact, relaxed = _relaxing_runs(
            conn, original, parsed, qvec, now_market, opts, timings, similarity, where, memo
        )
    message = _relax_message(relaxed, total) if relaxed else (None if total else "No instructors match this search.")
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
        "no_match": False,
        "suggestions": [],
        "needs_location": where.needs_location,
        "sort": "relevance",
        "sorted_among": None,
    }
    if where.note:
        response["message"] = f"{where.note} {response['message']}" if response["message"] else where.note
    if cache and key:
        cache.set(key, orjson.dumps(response, option=orjson.OPT_NON_STR_KEYS), ttl=opts.cache_ttl)
    response["took_ms"] = round((clock.perf_counter() - started) * 1000, 2)
    _observe(timings, cached=False)
    return response


def _relaxing_runs(
    conn: Connection,
    original: Constraints,
    parsed: dict[str, Any],
    qvec: np.ndarray,
    now_market: datetime,
    opts: SearchOptions,
    timings: dict[str, Any],
    similarity: dict[str, float] | None,
    where: Where,
    memo: slot_memo.MemoUnder | None = None,
) -> tuple[list[dict[str, Any]], int, bool, list[str]]:
    """The run for the conditions as asked and, with fewer than ENOUGH results, the relaxing runs:
    (page, total, total_is_exact, relaxed names)."""
    # A strict run that has fewer than ENOUGH teachers before any slot is looked up cannot fill a page:
    # it stops there (no page), since relaxing runs measure every row against the ask and whoever meets
    # all of it still comes first. Only when nothing can relax is it run through.
    results, total, exact, _ = _run(
        conn,
        original,
        parsed,
        qvec,
        now_market,
        opts,
        timings,
        goal_similarity=similarity,
        fewer_than=ENOUGH,
        memo=memo,
    )
    if total >= ENOUGH:
        assert results is not None
        return results, total, exact, []
    plan = _relaxing_plan(original, where)
    if not plan:
        if results is None:
            results, total, exact, _ = _run(
                conn, original, parsed, qvec, now_market, opts, timings, goal_similarity=similarity, memo=memo
            )
        assert results is not None
        return results, total, exact, []
    broken: set[str] = set()
    tried: list[str] = []
    for cons, steps in plan:
        results, total, exact, broken = _run(
            conn,
            cons,
            parsed,
            qvec,
            now_market,
            opts,
            timings,
            asked=original,
            goal_similarity=similarity,
            memo=memo,
        )
        tried = steps
        if total >= ENOUGH:
            break
    shown = broken if total else set(tried)
    assert results is not None  # a relaxing run never stops early
    return results, total, exact, [s for s in RELAX_NAMES if s in shown]


def _memo_under(cache: Cache | None, key: str | None) -> slot_memo.MemoUnder | None:
    """The slot memo under the version this search looked up (`key` is the versioned key lookup gave), for
    a cache that keeps reads; None otherwise (no cache, a replica's view, Redis down)."""
    if cache is None or key is None or not cache.keeps_reads:
        return None
    version = Cache.version_in(key)
    # With its namespace: one process may search two databases (tests, the eval), whose versions both count
    # from 1 and whose seeded instructors may share their ids.
    return slot_memo.MemoUnder(slot_memo.MEMO, f"{cache.ns}/{version}") if version is not None else None


def _relaxing_plan(original: Constraints, where: Where) -> list[tuple[Constraints, list[str]]]:
    """The relaxing runs, loosest last, each with the steps relaxed so far. Time and date relax per
    result (each instructor keeps the slots that fit), the place and the price in one run, since
    every card is measured against the original ask and the nearer misses rank first (a run per step
    gave the same first page at two to five times the cost); then similar services; then, as a last
    resort, language, rating and audience."""
    cons = replace(original, online_ok=True)
    tried = [s for s in ("time", "date") if (original.has_time() if s == "time" else original.has_date())]
    fresh = bool(tried)  # the per-result time and date relaxation alone is worth a run
    plan: list[tuple[Constraints, list[str]]] = []
    for stage in ROW_RELAX_STAGES:
        for step in stage:
            if step == "format" and where.format:
                continue  # outside the city only online lessons can happen: that never relaxes
            looser = _with_similar_services(cons) if step == "service" else cons.relax(step)
            if looser is not None:
                cons = looser
                tried.append(step)
                fresh = True
        if fresh:
            plan.append((cons, list(tried)))
            fresh = False
    return plan


@dataclass
class Where:
    """The geography of one search: the point distances are measured from, the neighborhoods that
    count as the asked place for a nearby search, a radius, and what to tell the student."""

    point: tuple[float, float] | None = None
    area: tuple[str, ...] | None = None
    within: float | None = None
    label: str | None = None
    format: str | None = None  # "online" when the student is outside the city
    note: str | None = None
    needs_location: bool = False


def _where(parsed: dict[str, Any], opts: SearchOptions, other_places: tuple[str, ...] = ()) -> Where:
    loc = parsed.get("location") or {}
    hood = loc.get("neighborhood")
    named = bool(loc.get("borough") or hood)
    out = Where()
    if opts.lat is not None and opts.lng is not None:
        if geo.inside_nyc(opts.lat, opts.lng):
            out.point = (opts.lat, opts.lng)
        elif not named:
            out.format = "online"
            out.note = "We only teach in New York City: from where you are, these are online lessons."
    if parsed.get("zip"):
        zip_hoods = [slug for slug, _ in geo.neighborhoods_for_zip(parsed["zip"])]
        if zip_hoods and hood in zip_hoods:  # the ZIP is the place (no other neighborhood named)
            out.point = out.point or geo.centroid(zip_hoods[0])
            out.area = tuple(zip_hoods) + (tuple(geo.adjacent(zip_hoods[0])) if parsed.get("nearby") else ())
            out.label = parsed["zip"]
    elif parsed.get("landmark") and not hood:
        lm = geo.landmark(parsed["landmark"])
        if lm:
            out.point = out.point or (lm["lat"], lm["lng"])
            out.area = tuple(lm["adjacent"]) or None
            out.label = f"near {lm['name']}"
    elif hood and parsed.get("nearby"):
        out.point = out.point or geo.centroid(hood)
        out.area = (hood, *geo.adjacent(hood))
        out.label = f"near {places.display_name(hood)}"
    elif hood and other_places:  # "canarsie or flatlands": either is the asked place
        out.area = (hood, *other_places)
        out.label = " or ".join(places.display_name(h) for h in out.area)
    if parsed.get("within_miles") is not None:
        if out.point is not None:
            out.within = float(parsed["within_miles"])
            out.area = tuple(geo.within(out.point[0], out.point[1], out.within)) or (
                geo.nearest_neighborhood(*out.point),
            )
        elif not named:
            out.needs_location = True
            out.note = "Share your location (or name a neighborhood) to see teachers within that distance."
    if parsed.get("near_me") and out.point is None and not named and not out.format:
        out.needs_location = True
        out.note = out.note or "Share your location (or name a neighborhood) to see teachers near you."
    return out


def _goal_text(reading: nls.GoalReading, q: str) -> str:
    """The sentence a goal is read from: the query (in English, when it was Spanish)."""
    return " ".join((reading.english or q).split())[: goals.MAX_GOAL_CHARS]


def _reads_goal_only(parsed: dict[str, Any]) -> bool:
    """A query whose services come from its goal alone: no service named, words beyond the conditions."""
    return not parsed.get("service") and bool((parsed.get("text") or "").split())


def _goal(
    parsed: dict[str, Any],
    reading: nls.GoalReading,
    q: str,
    timings: dict[str, Any],
    learner: tuple[str, ...] = (),
    together: bool = True,
) -> goals.GoalMatch | None:
    """The services a query's goal reaches. Asked when the query names no service but says more
    than its conditions ("lessons this saturday in astoria" says nothing to match), and when a
    service word sits in a longer sentence that may mean something else ("get in shape before my
    wedding" is not a wedding-dance lesson)."""
    text = (parsed.get("text") or "").split()
    if not text or (parsed.get("service") and len(q.split()) < goals.SENTENCE_WORDS):
        return None
    if parsed.get("service") and reading.service_stands:
        return None  # a typo the embedding cannot read ("guitr"), or a phrase that names the service
    if parsed.get("service") and not goals.topic_words(" ".join(text)):
        # Beyond the service and its conditions only grammar words and numbers ("piano for my 8 year old
        # 17"): nothing another service could be read from, and the sentence's embedding (2 ms) is saved.
        # Of 2,742 queries (the judged sets, the qrels queries, 2,000 numbered bench queries), 1,518 are
        # such sentences, and the override kept the named service for every one.
        return None
    t = clock.perf_counter()
    qvec = get_embedder().embed_query(_goal_text(reading, q))
    cards = goals.get_cards()
    # An older learner's goal never reaches a service only younger ones take (goals.ServiceCards).
    older = next((g for g in goals.OLDER_LEARNERS if parsed.get("audience") == g or learner == (g,)), None)
    if parsed.get("service"):
        match = cards.override(qvec, parsed["service"], parsed.get("lesson_language"), older)
    else:
        match = cards.judge(qvec, " ".join(text), parsed.get("category"), reading.english or q, older, together)
        if match.kind in ("clear", "loose") and catalog.names_category(" ".join(text)):
            # "music lessons" asks for the whole category: rank by the cards, filter nothing.
            match = goals.GoalMatch("loose", match.similarity, (), match.nearest, broad=True)
    timings["embed"] += (clock.perf_counter() - t) * 1000
    return match


def _no_match(
    engine: Engine, q: str, parsed: dict[str, Any], goal: goals.GoalMatch, timings: dict[str, Any]
) -> dict[str, Any]:
    """The catalog teaches nothing close, or the query has no words to read: say so, with
    suggestions (the nearest services, or the most taught ones for keyboard mash), instead of
    showing teachers of something else."""
    if goal.kind == "unreadable":
        slugs = _popular(engine)
        message = "We couldn't find lessons for “{asked}”. Popular: {names}."
    else:
        slugs = list(goal.nearest)
        message = "We don't have lessons for “{asked}”. Closest: {names}."
    names = [catalog.name_of(slug) for slug in slugs]
    asked = goal.topic or " ".join((parsed.get("text") or q).split())[:60]
    return {
        "query": q,
        "corrected_query": None,
        "parsed": parsed,
        "results": [],
        "relaxed": [],
        "message": message.format(asked=asked, names=", ".join(names)),
        "total": 0,
        "total_is_exact": True,
        "took_ms": 0.0,
        "timings_ms": {k: round(v, 2) for k, v in timings.items()},
        "cached": False,
        "no_match": True,
        "suggestions": [{"slug": slug, "name": name} for slug, name in zip(slugs, names, strict=True)],
        "needs_location": False,
        "sort": "relevance",
        "sorted_among": None,
    }


_popular_cache: tuple[float, list[str]] = (0.0, [])
POPULAR_TTL = 600.0


def warm_up() -> None:
    """Load what a first search would otherwise load while a student waits (the parser's lexicons, the
    model, the service cards and the word frequencies that read a goal, the catalog, the map), then set
    all of it aside from the garbage collector: a full collection walked these long-lived objects inside
    whichever search set it off (two queries of the benchmark's 200 took 80-90 ms instead of 15-20 at
    10k, every run; none with the freeze). Objects made later are collected as usual; only a process's
    first call freezes (an app made again in the same process, as tests do, leaves the rest to the
    collector)."""
    nls.parse("piano lessons in park slope this saturday")
    get_embedder().embed_query("piano lessons")
    goals.get_cards()
    goals.topic_words("lessons")  # wordfreq's English list, 321,180 words: 0.1 s at its first use
    catalog.services()
    geo.centroid("park-slope")
    if not gc.get_freeze_count():
        gc.collect()
        gc.freeze()


def _popular(engine: Engine, n: int = goals.SUGGESTIONS) -> list[str]:
    """The services most instructors teach (refreshed every few minutes)."""
    global _popular_cache
    stamp, slugs = _popular_cache
    if not slugs or clock.monotonic() - stamp > POPULAR_TTL:
        with engine.connect() as conn:
            slugs = list(
                conn.execute(
                    text(
                        "SELECT sv.slug FROM instructor_services s JOIN services sv ON sv.id = s.service_id "
                        "WHERE s.is_active GROUP BY sv.slug ORDER BY count(*) DESC, sv.slug LIMIT :n"
                    ),
                    {"n": n},
                ).scalars()
            )
        _popular_cache = (clock.monotonic(), slugs)
    return slugs


def browse(
    engine: Engine, filters: dict[str, Any], *, now: datetime | None = None, opts: SearchOptions | None = None
) -> dict[str, Any]:
    """Pill browsing: the same ranking and result shape as search, for explicit filters instead of
    text. `filters` uses the parsed-query field names (service, category, location, price_min,
    price_max, format, dates, ...); nothing is relaxed, since the student chose every filter."""
    opts = opts or SearchOptions()
    if opts.sort != "relevance":
        return _sorted(lambda o: browse(engine, filters, now=now, opts=o), opts)
    started = clock.perf_counter()
    parsed = dict.fromkeys(nls.FIELDS)
    parsed.update(query="", near_me=False, text="")
    parsed.update({k: v for k, v in filters.items() if k in parsed})
    timings = {"parse": 0.0, "embed": 0.0, "retrieve": 0.0, "slots": 0.0, "rank": 0.0}
    name = (parsed.get("service") or parsed.get("category") or "lessons").replace("-", " ")
    qvec = get_embedder().embed_query(name)
    now_market = (now.astimezone(MARKET_TZ) if now and now.tzinfo else now) or datetime.now(MARKET_TZ)
    _apply_filters(parsed, opts, now_market.date())
    with sessions.search_connection(engine) as conn:
        results, total, exact, _ = _run(conn, Constraints.from_parsed(parsed), parsed, qvec, now_market, opts, timings)
    return {
        "filters": {k: v for k, v in parsed.items() if v not in (None, False, "")},
        "results": results,
        "total": total,
        "total_is_exact": exact,
        "limit": opts.limit,
        "offset": opts.offset,
        "took_ms": round((clock.perf_counter() - started) * 1000, 2),
        "timings_ms": {k: round(v, 2) for k, v in timings.items()},
        "sort": "relevance",
        "sorted_among": None,
    }
