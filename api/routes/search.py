"""GET /api/search: natural-language search with bookable slots."""
from __future__ import annotations

import json
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.schemas.search import SearchResponse
from api.recording import remember
from index.search import DROPPABLE, SearchOptions, search

router = APIRouter(prefix="/api", tags=["search"])
MAX_QUERY = 5000


@router.get("/search", response_model=SearchResponse)
def search_route(
    request: Request,
    db: SessionDep,
    q: Annotated[str, Query(max_length=MAX_QUERY, description="what the student typed")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    tz: Annotated[str, Query(max_length=64, description="IANA time zone of the student")] = "America/New_York",
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
    drop: Annotated[list[str], Query(description=f"constraints to ignore: {', '.join(DROPPABLE)}")] = [],
) -> Response:
    if not q.strip():
        raise HTTPException(422, "Type what you are looking for, e.g. 'piano lessons in park slope'.")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise HTTPException(422, f"Unknown time zone {tz!r}; use an IANA name such as America/New_York.")
    if (lat is None) != (lng is None):
        raise HTTPException(422, "Give both lat and lng (your position), or neither.")
    unknown = sorted(set(drop) - set(DROPPABLE))
    if unknown:
        raise HTTPException(422, f"Cannot drop {', '.join(unknown)}; choose from {', '.join(DROPPABLE)}.")
    state = request.app.state
    opts = SearchOptions(limit=limit, offset=offset, tz=tz, notice_minutes=state.settings.min_notice_minutes,
                         drop=tuple(sorted(set(drop))), lat=lat, lng=lng)
    result = search(state.engine, q, cache=state.cache, opts=opts)
    # Serialized once here: the dict already has the contract's shape (see api/schemas/search.py).
    response = Response(json.dumps(result), media_type="application/json")
    remember(request, response, db, query=q, search_type="natural_language", total=int(result.get("total") or 0))
    return response
