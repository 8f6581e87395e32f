"""Candidate retrieval: one SQL statement applying every hard filter and scoring each row by
pgvector cosine similarity and pg_trgm word similarity."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg.vector import register_vector_info
from psycopg.types import TypeInfo
from sqlalchemy.engine import Connection

from index import catalog, places, sessions, statements
from index.constraints import Constraints

# Rows per query in the ANN branch (no service or category): HNSW with iterative scan keeps
# returning rows until the filters are satisfied, so filters never starve the result.
ANN_LIMIT = 200
TIER_ROWS = 200
EXTRA_ROWS = 200

CATALOG_JOINS = """
JOIN services sv ON sv.id = s.service_id
JOIN subcategories sc ON sc.id = sv.subcategory_id
JOIN categories c ON c.id = sc.category_id
"""
JOINS = (
    CATALOG_JOINS
    + """JOIN instructor_profiles p ON p.id = s.profile_id
JOIN users u ON u.id = p.user_id
WHERE s.is_active AND u.is_active AND u.role = 'instructor'
"""
)
FROM_WHERE = "\nFROM instructor_services s" + JOINS
# The catalog tables alone: what a choice of nearest rows needs when no condition reads the profile.
CATALOG_FROM = "\nFROM instructor_services s" + CATALOG_JOINS + "WHERE s.is_active\n"
# A candidate row's columns, in Candidate's field order (before semantic and lexical).
# The ids come as text: a search keys dicts and sorts by them (a UUID orders as its text does, fixed-width
# hex), and psycopg would build a UUID object for each, hashed in Python at every lookup. Prices and the
# rating come as float8: the ranking reads them as floats, and a Decimal costs more to build than the
# rest of the row's columns together (numeric(8,2) and (3,2) values convert to the same floats).
ROW_COLUMNS = (
    ("CAST(s.id AS text)", "id"),
    ("CAST(s.profile_id AS text)", "profile_id"),
    ("CAST(s.price_in_person AS float8)", "price_in_person"),
    ("CAST(s.price_online AS float8)", "price_online"),
    ("s.duration_options", "duration_options"),
    ("s.levels", "levels"),
    ("s.age_groups", "age_groups"),
    ("sv.slug", "slug"),
    ("sv.name", "service_name"),
    ("sv.default_duration", "default_duration"),
    ("c.slug", "category"),
    ("CAST(p.rating_avg AS float8)", "rating_avg"),
    ("p.rating_count", "rating_count"),
    ("p.languages", "languages"),
    ("p.boroughs", "boroughs"),
    ("p.neighborhoods", "neighborhoods"),
    ("u.full_name", "full_name"),
)
ROW = ", ".join(f"{expr} AS {name}" for expr, name in ROW_COLUMNS)
ROW_NAMES = ", ".join(name for _, name in ROW_COLUMNS)
SEMANTIC = "COALESCE(1 - (s.embedding <=> CAST(:qvec AS vector)), 0) AS semantic"
# Trigram word similarity costs about 18 µs a row (the whole table: 350 ms at 10k), so a statement
# that keeps only its nearest rows computes it for those rows alone (`nearest`), not for all it sorts.
LEXICAL = "CASE WHEN :qtext = '' THEN 0 ELSE word_similarity(:qtext, {text}) END AS lexical"
SELECT = f"SELECT {ROW}, {SEMANTIC}, {LEXICAL.format(text='s.search_text')}{FROM_WHERE}"


# Rows of instructors no longer listed (an account switched off, a role taken away) are dropped only
# after the nearest rows are chosen (see `nearest`): this many more are chosen, and a statement that
# still comes back short is run again the full way (`_nearest_rows`).
SPARE_ROWS = 20
READS_PROFILE = re.compile(r"\b[pu]\.")


def services_first(where: str, extra: str = "") -> bool:
    """Whether `nearest` may choose among the services before joining profiles: no condition reads them."""
    return not READS_PROFILE.search(where + extra)


def nearest(where: str, limit: str, extra: str = "", choose_first: bool = True) -> str:
    """The `limit` rows nearest the query vector among those `where` lets through, nearest first,
    with the lexical score computed for those rows only. When `choose_first` and no condition reads
    the instructor's profile or account, the nearest rows are chosen among the services alone and
    joined to profiles and accounts afterwards: joining every row first took 12 µs a row (a music
    goal's services at 100,000 instructors: 10,000 rows joined, then sorted, 180-300 ms; now ~30 ms)."""
    if choose_first and services_first(where, extra):
        chosen = (
            f"SELECT s.id AS chosen_id, s.embedding <=> CAST(:qvec AS vector) AS distance{CATALOG_FROM}{where}{extra}"
            f" ORDER BY distance LIMIT CAST(:{limit} AS int) + {SPARE_ROWS}"
        )
        listed = (
            f"SELECT {ROW}, {SEMANTIC}, {LEXICAL.format(text='s.search_text')}, chosen.distance"
            f" FROM chosen JOIN instructor_services s ON s.id = chosen.chosen_id{JOINS}"
            f" ORDER BY chosen.distance LIMIT :{limit}"
        )
        # One row (of NULLs) even when none is listed, so that the count of chosen rows always comes back.
        return (
            f"WITH chosen AS ({chosen}), listed AS ({listed})"
            f" SELECT {ROW_NAMES}, semantic, lexical, counted.n AS chosen_rows"
            f" FROM (SELECT count(*) AS n FROM chosen) AS counted LEFT JOIN listed ON true ORDER BY listed.distance"
        )
    inner = (
        f"SELECT {ROW}, {SEMANTIC}, s.search_text, s.embedding <=> CAST(:qvec AS vector) AS distance{FROM_WHERE}"
        f"{where}{extra} ORDER BY distance LIMIT :{limit}"
    )
    return (
        f"SELECT {ROW_NAMES}, semantic, {LEXICAL.format(text='nearest.search_text')},"
        f" 0 AS chosen_rows FROM ({inner}) AS nearest ORDER BY distance"
    )


@dataclass
class Candidate:
    id: object
    profile_id: object
    price_in_person: float | None
    price_online: float | None
    duration_options: list[int]
    levels: list[str]
    age_groups: list[str]
    slug: str
    service_name: str
    default_duration: int
    category: str
    rating_avg: float | None
    rating_count: int
    languages: list[str]
    boroughs: list[str]
    neighborhoods: list[str]
    full_name: str
    semantic: float
    lexical: float
    # Ranking block: rows are ranked by score only within a block, and blocks keep their order.
    # In the ANN branch a block is a fixed stretch of the nearest-neighbour order, so asking
    # for more rows appends blocks and never reshuffles the pages already served.
    tier: int = 0
    # How well this row's service serves the query's goal (index/goals.py), for a query that names
    # no service; None otherwise.
    goal: float | None = None
    # (point, miles): this row's distance from the last point asked (index/misses.py).
    miles_from: tuple[tuple[float, float], float | None] | None = None


def audience_groups(c: Constraints) -> list[str] | None:
    if c.audience == "kids":
        # "for my toddler" says kids with no age: toddler teachers must not be filtered out.
        return ["kids", "toddler"] if c.age is None or c.age <= 4 else ["kids"]
    if c.audience in ("teens", "adults"):
        return [c.audience]
    return None


def where_clause(c: Constraints) -> tuple[str, dict[str, Any]]:
    sql: list[str] = []
    params: dict[str, Any] = {}
    if c.service:
        sql.append("sv.slug = :service")
        params["service"] = c.service
    elif c.services:
        sql.append("sv.slug = ANY(CAST(:services AS text[]))")
        params["services"] = statements.array_literal(c.services)
    if c.category and not c.service:
        sql.append("c.slug = :category")
        params["category"] = c.category
    # With no format or place asked, a lesson costs the lower of its two prices, except for a
    # hands-on service (swimming, driving, ...), where only the in-person lesson is the real thing.
    price = {"online": "s.price_online", "in_person": "s.price_in_person"}.get(
        c.priced_format or "",
        "CASE WHEN sv.slug = ANY(CAST(:hands_on AS text[])) THEN s.price_in_person "
        "ELSE LEAST(s.price_in_person, s.price_online) END",
    )
    if (c.price_max is not None or c.price_min is not None) and not c.priced_format:
        params["hands_on"] = statements.array_literal(catalog.hands_on())
    if c.price_max is not None:
        sql.append(f"{price} <= :price_max")
        params["price_max"] = c.price_max
    if c.price_min is not None:
        sql.append(f"{price} >= :price_min")
        params["price_min"] = c.price_min
    if c.format == "online":
        sql.append("s.price_online IS NOT NULL")
    elif c.format == "in_person" or c.has_place():
        # A place means someone who comes there: in-person lessons, by someone with service areas.
        place = "s.price_in_person IS NOT NULL AND (cardinality(p.boroughs) > 0 OR cardinality(p.neighborhoods) > 0)"
        if c.area:
            place += " AND (p.neighborhoods && CAST(:area AS text[]) OR p.boroughs && CAST(:area_boroughs AS text[]))"
            params["area"] = statements.array_literal(c.area)
            params["area_boroughs"] = statements.array_literal(
                sorted({b for h in c.area if (b := places.borough_of(h))})
            )
        elif c.neighborhood:
            place += " AND (:hood = ANY(p.neighborhoods) OR :borough = ANY(p.boroughs))"
            params["hood"] = c.neighborhood
            params["borough"] = c.borough or places.borough_of(c.neighborhood)
        elif c.borough:
            place += " AND (:borough = ANY(p.boroughs) OR p.neighborhoods && CAST(:borough_hoods AS text[]))"
            params["borough"] = c.borough
            params["borough_hoods"] = statements.array_literal(places.neighborhoods_of(c.borough))
        if c.online_ok and c.format is None:
            # While relaxing: an online lesson stands in for a visit, except for hands-on services.
            place = f"(({place}) OR (s.price_online IS NOT NULL AND NOT sv.slug = ANY(CAST(:hands_on AS text[]))))"
            params["hands_on"] = statements.array_literal(catalog.hands_on())
        sql.append(place)
    groups = audience_groups(c)
    if groups:
        sql.append("(s.age_groups && CAST(:groups AS text[]) OR sv.slug = ANY(CAST(:not_meant_for AS text[])))")
        params["groups"] = statements.array_literal(groups)
        params["not_meant_for"] = statements.array_literal(catalog.not_meant_for(tuple(groups)))
    if c.language:
        sql.append(":language = ANY(p.languages)")
        params["language"] = c.language
    if c.min_rating is not None:
        sql.append("p.rating_avg >= :min_rating")
        params["min_rating"] = c.min_rating
    if c.duration:
        sql.append(":duration = ANY(s.duration_options)")
        params["duration"] = c.duration
    return "".join(f" AND {part}" for part in sql), params


def vector_literal(vec: np.ndarray) -> str:
    """The vector as pgvector's text literal (for callers that cannot bind it: see bind_vectors)."""
    return "[" + ",".join(f"{x:.6f}" for x in vec) + "]"


def bind_vectors(conn: Connection) -> None:
    """Let this connection bind numpy vectors as pgvector values (pgvector's binary encoder: microseconds,
    where formatting the text literal took about half a millisecond per statement). Registered once per
    database connection: the pool keeps the mark in the connection's info."""
    info = conn.connection.info
    if not info.get("pgvector"):
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection), "the engine's driver is psycopg"
        try:
            vector = TypeInfo.fetch(driver, "vector")
        except psycopg.Error as exc:
            # As a statement's failure: SQLAlchemy's exception, the connection invalidated if the server went
            # away (a replica stopped under load: read routing retries on the primary, not a 500).
            raise statements.sqlalchemy_error(conn, exc, "TypeInfo.fetch('vector')", None) from exc
        register_vector_info(driver, vector)
        info["pgvector"] = True


def _joined(rows: list[Candidate], extra: Iterable[Any]) -> list[Candidate]:
    """`rows` with the extra statement's rows appended (tier 0: they lead the ranking); a row in both
    keeps the extra's place."""
    added = {row.id: row for row in (Candidate(*r) for r in extra)}
    return [row for row in rows if row.id not in added] + list(added.values())


def _tiered(row: Candidate, tier: int) -> Candidate:
    row.tier = tier
    return row


def _nearest_rows(conn: Connection, where: str, extra: str, params: dict[str, Any], limit: str) -> list[Any]:
    """`nearest`'s rows (without its count of chosen rows). Chosen among the services first, an answer
    short of `limit` although every chosen row was used means that more than SPARE_ROWS of them
    belonged to instructors no longer listed: it is asked again the full way, so that fewer rows than
    asked always means every row the conditions let through."""
    found = statements.rows(conn, nearest(where, limit, extra), params, binary=True)
    chosen = found[0][-1] if found else 0
    rows = [row[:-1] for row in found if row[0] is not None]
    wanted = params[limit]
    if services_first(where, extra) and len(rows) < wanted and chosen >= wanted + SPARE_ROWS:
        full = statements.rows(conn, nearest(where, limit, extra, choose_first=False), params, binary=True)
        rows = [row[:-1] for row in full]
    return rows


def fetch(
    conn: Connection, c: Constraints, *, qvec: np.ndarray, qtext: str, depth: int = 0
) -> tuple[list[Candidate], bool]:
    """Rows that satisfy the hard filters, with their semantic and lexical scores, and whether
    that is all of them. With a service named: an exact scan of every matching row (a few thousand at
    100,000 instructors). Otherwise, a category included: the nearest rows by HNSW (iterative scan, so
    filters never starve it), at least `depth` of them, so a deeper page asks for more instead of
    stopping at a cap; an exact scan of a category read tens of thousands of rows at 100,000
    instructors (0.5–1.4 s). The lexical and goal extras are capped at EXTRA_ROWS."""
    where, params = where_clause(c)
    bind_vectors(conn)
    params.update(qvec=qvec, qtext=qtext[:200])
    if c.service or c.services:
        # The scan is planned once per connection and shape, and that plan reused. Its rows do not
        # depend on the plan (every matching row, no LIMIT), and planning its six-table join took as
        # long as running it: 1k, the bench's 646 scans: 1.6 -> 0.55 ms a scan; 10k: median 2.7 -> 1.6.
        # Prepared at its first execution (psycopg waits for the fifth): with a connection pool and a few
        # dozen shapes of scan, most scans would otherwise be planned anew. Rows in binary: psycopg decodes
        # them in about half the time it parses their text (arrays, floats).
        sessions.use(conn, "scan")
        scanned = statements.rows(conn, SELECT + where, params, binary=True, prepare=True)
        return [Candidate(*row) for row in scanned], True
    sessions.use(conn, "nearest")  # plans chosen per query, and the HNSW scan the statements need
    params["ann_limit"] = max(ANN_LIMIT, depth)
    # The lexical and goal extras lead the ranking (tier 0), so their number must not grow with the
    # page asked for: a fixed cap keeps every page's rows where the first page put them.
    params["extra_limit"] = EXTRA_ROWS
    rows = [
        _tiered(Candidate(*row), rank // TIER_ROWS)
        for rank, row in enumerate(_nearest_rows(conn, where, "", params, "ann_limit"))
    ]
    if qtext and not c.category:
        # Lexical matches the ANN may have missed ("chess" typed as a bare word) lead the ranking.
        # Within a category every row is in it already: its name in the text would add them all.
        extra = " AND :qtext <% s.search_text ORDER BY lexical DESC, s.id LIMIT :extra_limit"
        rows = _joined(rows, statements.rows(conn, SELECT + where + extra, params, binary=True))
    if c.boost:
        # The services a loose goal points to (index/goals.py) are candidates whatever the
        # document vectors say; the ranking then weighs how well each serves the goal.
        params["boost"] = statements.array_literal(c.boost)
        boosted = _nearest_rows(conn, where, " AND sv.slug = ANY(CAST(:boost AS text[]))", params, "extra_limit")
        rows = _joined(rows, boosted)
    return rows, len(rows) < params["ann_limit"]
