"""Insights for relevance engineers, from search impressions and their events (services/analytics.py).

A *search* is the first page of an answer (offset 0) that was submitted, or that a student acted on
(a click on a typed-ahead answer counts): the keystrokes nobody looked at are left out. Per search:
zero results (total 0), relaxed (a condition was relaxed), click-through at k (a click on a result
at position <= k), the reciprocal rank of the first click (0 without a click), and conversion (a
booking made from it). The same metrics are split by query kind (named_service, vague, with_place,
with_time; a search can be of several)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.clock import MARKET_TZ

KINDS = ("named_service", "vague", "with_place", "with_time")
TOP = 10
# A search followed by another one from the same person within this many seconds, with no click on
# the first, was reformulated: its answer did not do.
REFORMULATION_SECONDS = 30

SEARCHES = """
WITH s AS (
  SELECT i.id, i.created_at, (i.created_at AT TIME ZONE :zone)::date AS day, i.normalized_query, i.query,
         i.surface, i.parsed, i.total, cardinality(i.relaxed) > 0 AS relaxed, i.kinds,
         COALESCE(i.user_id::text, i.guest_id, i.visitor_hash) AS who,
         c.first_position, c.best_position, COALESCE(b.booked, false) AS booked
  FROM search_impressions i
  LEFT JOIN LATERAL (
    SELECT (array_agg(e.position ORDER BY e.created_at, e.id))[1] AS first_position, min(e.position) AS best_position
    FROM search_events e
    WHERE e.search_id = i.id AND e.kind IN ('result_click', 'slot_click', 'profile_view')
  ) c ON true
  LEFT JOIN LATERAL (
    SELECT true AS booked FROM search_events e WHERE e.search_id = i.id AND e.kind = 'booking' LIMIT 1
  ) b ON true
  WHERE i.created_at >= :since AND i.created_at < :until AND i."offset" = 0
    AND (i.submitted OR c.first_position IS NOT NULL OR b.booked IS NOT NULL)
)
"""

METRICS = (
    SEARCHES
    + """
SELECT g.kind,
       count(*) AS searches,
       avg(CASE WHEN s.total = 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE s.total IS NOT NULL) AS zero_result_rate,
       avg(CASE WHEN s.relaxed THEN 1.0 ELSE 0.0 END) FILTER (WHERE s.surface = 'search') AS relaxation_rate,
       avg(CASE WHEN s.best_position <= 1 THEN 1.0 ELSE 0.0 END) AS ctr_at_1,
       avg(CASE WHEN s.best_position <= 3 THEN 1.0 ELSE 0.0 END) AS ctr_at_3,
       avg(CASE WHEN s.best_position <= 10 THEN 1.0 ELSE 0.0 END) AS ctr_at_10,
       avg(COALESCE(1.0 / s.first_position, 0.0)) AS mrr_first_click,
       avg(CASE WHEN s.booked THEN 1.0 ELSE 0.0 END) AS booking_conversion
FROM s CROSS JOIN LATERAL unnest(ARRAY['all'] || s.kinds) AS g(kind)
GROUP BY g.kind
"""
)

PER_DAY = (
    SEARCHES
    + """
SELECT s.day, count(*) AS searches,
       avg(CASE WHEN s.total = 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE s.total IS NOT NULL) AS zero_result_rate,
       avg(CASE WHEN s.best_position <= 3 THEN 1.0 ELSE 0.0 END) AS ctr_at_3
FROM s GROUP BY s.day ORDER BY s.day
"""
)

TOP_ZERO = (
    SEARCHES
    + """
SELECT min(s.query) AS query, count(*) AS searches FROM s WHERE s.total = 0
GROUP BY s.normalized_query ORDER BY count(*) DESC, s.normalized_query LIMIT :top
"""
)

TOP_ABANDONED = (
    SEARCHES
    + """
SELECT min(s.query) AS query, count(*) AS searches FROM s
WHERE s.total > 0 AND s.first_position IS NULL AND NOT s.booked
GROUP BY s.normalized_query ORDER BY count(*) DESC, s.normalized_query LIMIT :top
"""
)

# Per query: how often it found nothing, was not clicked, or was quickly searched again differently.
WORST = (
    SEARCHES
    + """
, t AS (
  SELECT s.*, lead(s.created_at) OVER w AS next_at, lead(s.normalized_query) OVER w AS next_query
  FROM s WINDOW w AS (PARTITION BY s.who ORDER BY s.created_at)
)
SELECT t.normalized_query, min(t.query) AS query, count(*) AS searches,
       count(*) FILTER (WHERE t.total = 0) AS zero_results,
       count(*) FILTER (WHERE t.total > 0 AND t.first_position IS NULL AND NOT t.booked) AS no_click,
       count(*) FILTER (
         WHERE t.first_position IS NULL AND t.who IS NOT NULL AND t.next_query IS DISTINCT FROM t.normalized_query
           AND t.next_at < t.created_at + make_interval(secs => :reformulation)
       ) AS reformulated,
       (array_agg(t.next_query ORDER BY t.created_at DESC) FILTER (
         WHERE t.first_position IS NULL AND t.next_query IS DISTINCT FROM t.normalized_query
           AND t.next_at < t.created_at + make_interval(secs => :reformulation)
       ))[1] AS reformulated_as,
       (array_agg(t.parsed ORDER BY t.created_at DESC))[1] AS parsed
FROM t WHERE t.surface = 'search'
GROUP BY t.normalized_query
"""
)


def _params(since: datetime, until: datetime) -> dict[str, Any]:
    return {"since": since, "until": until, "zone": str(MARKET_TZ), "top": TOP}


def _rate(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def _metrics(row: Any) -> dict[str, Any]:
    return {
        "searches": int(row.searches),
        **{
            name: _rate(getattr(row, name))
            for name in (
                "zero_result_rate",
                "relaxation_rate",
                "ctr_at_1",
                "ctr_at_3",
                "ctr_at_10",
                "mrr_first_click",
                "booking_conversion",
            )
        },
    }


EMPTY = {
    "searches": 0,
    "zero_result_rate": None,
    "relaxation_rate": None,
    "ctr_at_1": None,
    "ctr_at_3": None,
    "ctr_at_10": None,
    "mrr_first_click": None,
    "booking_conversion": None,
}


def insights(db: Session, *, since: datetime, until: datetime) -> dict[str, Any]:
    """The insights of searches made in [since, until)."""
    params = _params(since, until)
    by_kind = {row.kind: _metrics(row) for row in db.execute(text(METRICS), params)}
    per_day = [
        {
            "day": row.day.isoformat(),
            "searches": int(row.searches),
            "zero_result_rate": _rate(row.zero_result_rate),
            "ctr_at_3": _rate(row.ctr_at_3),
        }
        for row in db.execute(text(PER_DAY), params)
    ]
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "overall": by_kind.get("all", dict(EMPTY)),
        "by_kind": {kind: by_kind.get(kind, dict(EMPTY)) for kind in KINDS},
        "per_day": per_day,
        "top_zero_result": [
            {"query": r.query, "searches": int(r.searches)} for r in db.execute(text(TOP_ZERO), params)
        ],
        "top_abandoned": [
            {"query": r.query, "searches": int(r.searches)} for r in db.execute(text(TOP_ABANDONED), params)
        ],
    }


def worst_queries(db: Session, *, since: datetime, until: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """The natural-language queries that did worst online, worst first: the searches that found
    nothing, showed results nobody clicked, or were quickly searched again another way, summed."""
    params = {**_params(since, until), "reformulation": REFORMULATION_SECONDS}
    rows = [
        {
            "query": r.query,
            "normalized_query": r.normalized_query,
            "searches": int(r.searches),
            "zero_results": int(r.zero_results),
            "no_click": int(r.no_click),
            "reformulated": int(r.reformulated),
            "reformulated_as": r.reformulated_as,
            "parsed": r.parsed,
        }
        for r in db.execute(text(WORST), params)
    ]
    bad = [r for r in rows if r["zero_results"] or r["no_click"] or r["reformulated"]]
    bad.sort(key=lambda r: (-(r["zero_results"] + r["no_click"] + r["reformulated"]), r["normalized_query"]))
    return bad[:limit]
