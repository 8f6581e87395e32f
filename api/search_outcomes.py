"""What students see from a search, counted: answers with no result, no-match answers, and the
relaxations made (which of place, price, time, ...), for the search dashboard and its rates.

index.search's observers are called with the stage timings only (api/metrics.py uses them), not
with the answer, so the search route counts each answer it sends, from the answer itself (cached or
not: a cached answer never reaches index.search's computation).
"""

from __future__ import annotations

from prometheus_client import Counter

from index.search import RELAX_NAMES

SEARCH_RESPONSES = Counter("instainstru_search_responses_total", "Search answers sent (200), cached or not")
ZERO_RESULTS = Counter("instainstru_search_zero_results_total", "Search answers with no result at all")
NO_MATCH = Counter(
    "instainstru_search_no_match_total", "Search answers that found nothing the catalog teaches (no_match)"
)
RELAXED = Counter("instainstru_search_relaxed_total", "Search answers that relaxed at least one condition")
RELAXATIONS = Counter(
    "instainstru_search_relaxations_total", "Conditions relaxed, by kind (one answer may relax several)", ["step"]
)
KNOWN_STEPS = frozenset(RELAX_NAMES)


def count(answer: dict) -> None:
    SEARCH_RESPONSES.inc()
    if not answer.get("total"):
        ZERO_RESULTS.inc()
    if answer.get("no_match"):
        NO_MATCH.inc()
    relaxed = answer.get("relaxed") or []
    if relaxed:
        RELAXED.inc()
        for step in relaxed:
            RELAXATIONS.labels(step=step if step in KNOWN_STEPS else "other").inc()
