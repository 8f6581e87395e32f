"""What students see from a search, counted: answers with no result, no-match answers, and the
relaxations made (which of place, price, time, ...), for the search dashboard and its rates.

index.search's observers are called with the stage timings only (api/metrics.py uses them), not
with the answer, so these are read from the answer itself: a pure ASGI middleware that looks only at
GET /api/search answered 200, keeps that one JSON body as it goes out and reads three fields of it.
"""

from __future__ import annotations

import orjson
from prometheus_client import Counter

from index.search import RELAX_NAMES

SEARCH_PATH = "/api/search"
MAX_BODY = 4_000_000  # a page of 50 results is far below; anything larger is not counted

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


class SearchOutcomeMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != SEARCH_PATH or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        status = 0
        chunks: list[bytes] = []
        size = 0

        async def send_wrapper(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200 and size <= MAX_BODY:
                body = message.get("body", b"")
                chunks.append(body)
                size += len(body)
            await send(message)

        await self.app(scope, receive, send_wrapper)
        if status == 200 and 0 < size <= MAX_BODY:
            try:
                answer = orjson.loads(b"".join(chunks))
            except orjson.JSONDecodeError:
                return
            if isinstance(answer, dict):
                count(answer)
