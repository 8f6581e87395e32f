"""GET /api/search: natural-language search with bookable slots, sorted and filtered."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import search_outcomes
from api.filters import check_filters
from api.impressions import schedule, search_impression, with_search_id
from api.read_routing import ReadsDep
from api.recording import remember
from api.schemas.search import ErrorOut, SearchResponse, SearchStatusOut
from api.search_params import SEARCH_OPENAPI, read_search_params
from api.security import has_bearer
from index.search import DROPPABLE, SearchOptions, from_cache, prepare, search
from services import experiments, index_status

router = APIRouter(prefix="/api", tags=["search"])
# Longer queries are parsed in the thread pool: a typical query takes ~0.1 ms to read, but 300
# characters of typos or numbers 1.2-1.7 ms (independent review) and 2,000 characters ~3 ms, which the
# event loop should not spend.
LOOP_QUERY_CHARS = 120


# The query parameters are read by api.search_params (one validation), documented from the same model.
@router.get("/search", response_model=SearchResponse, openapi_extra=SEARCH_OPENAPI)
async def search_route(request: Request, reads: ReadsDep) -> Response:
    p = read_search_params(request.query_params)
    q, sort, offset = p.q, p.sort, p.offset
    if not q.strip():
        raise HTTPException(422, "Type what you are looking for, e.g. 'piano lessons in park slope'.")
    try:
        ZoneInfo(p.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise HTTPException(422, f"Unknown time zone {p.tz!r}; use an IANA name such as America/New_York.")
    if (p.lat is None) != (p.lng is None):
        raise HTTPException(422, "Give both lat and lng (your position), or neither.")
    drop = p.drop or []
    unknown = sorted(set(drop) - set(DROPPABLE))
    if unknown:
        raise HTTPException(422, f"Cannot drop {', '.join(unknown)}; choose from {', '.join(DROPPABLE)}.")
    check_filters(p.tz, p.price_min, p.price_max, p.day, p.time_of_day, p.level)
    state = request.app.state
    opts = SearchOptions(
        limit=p.limit,
        offset=offset,
        tz=p.tz,
        notice_minutes=state.settings.min_notice_minutes,
        drop=tuple(sorted(set(drop))),
        lat=p.lat,
        lng=p.lng,
        sort=sort,
        price_min=p.price_min,
        price_max=p.price_max,
        format=p.format,
        day=p.day,
        time_of_day=p.time_of_day,
        level=p.level,
    )
    # Read and keyed here, on the event loop, and looked up in the cache with the asyncio Redis client:
    # a cached answer never waits for a thread. A miss is searched in the thread pool, which gets the
    # key this lookup already found. Sorted lists and very long queries go to the pool at once.
    prepared = looked_up = None
    if sort == "relevance" and len(q) <= LOOP_QUERY_CHARS:
        prepared = prepare(q, opts=opts)
        looked_up = await reads.cache.alookup(prepared.key)
    if prepared is not None and looked_up is not None and looked_up[1] is not None:
        result = from_cache(prepared, looked_up[1])
    else:
        result = await run_in_threadpool(  # a replica when one is fit
            search, reads.engine, q, cache=reads.cache, opts=opts, prepared=prepared, looked_up=looked_up
        )
    result, trial = experiments.interleave(result, offset=offset, sort=sort)  # for a running experiment
    search_outcomes.count(result)
    search_id, answer = with_search_id(result)
    # Serialized once here, by orjson (a 20-result page in tens of microseconds): the dict already has
    # the contract's shape (see api/schemas/search.py).
    response = Response(orjson.dumps(answer), media_type="application/json")
    if p.record and offset == 0:  # a submitted search, not a keystroke or the next page of one
        total = int(result.get("total") or 0)
        if has_bearer(request):  # a signed-in user is read from the database: in the pool, on a session of its own

            def record_history() -> None:
                with state.sessionmaker() as db:
                    remember(request, response, db, query=q, search_type="natural_language", total=total)

            await run_in_threadpool(record_history)
        else:  # a guest: a cookie and a queue append, no I/O
            remember(request, response, None, query=q, search_type="natural_language", total=total)
    schedule(
        request,
        response,
        search_impression(result, search_id, offset=offset, sort=sort, submitted=p.record, trial=trial),
    )
    return response


@router.get(
    "/search/status",
    response_model=SearchStatusOut,
    responses={503: {"model": ErrorOut, "description": "the database cannot say (Retry-After)"}},
)
def search_status(request: Request, response: Response) -> dict[str, object]:
    """How far the search index is. On a first start `make run` serves while the index is built:
    word (trigram) matches work at once and results improve as embeddings are written. Public, counted
    at most once per 2 s per process; the student page polls it until `ready`."""
    response.headers["Cache-Control"] = "no-store"
    return dict(index_status.index_status(request.app.state.engine))
