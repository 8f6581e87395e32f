"""GET /api/search: natural-language search with bookable slots."""
from __future__ import annotations

import json
import logging
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.schemas.search import SearchResponse
from api.security import GUEST_HEADER, guest_id, set_guest_cookie, user_or_none
from index.search import DROPPABLE, SearchOptions, search
from services import history

log = logging.getLogger(__name__)

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
    unknown = sorted(set(drop) - set(DROPPABLE))
    if unknown:
        raise HTTPException(422, f"Cannot drop {', '.join(unknown)}; choose from {', '.join(DROPPABLE)}.")
    state = request.app.state
    opts = SearchOptions(limit=limit, offset=offset, tz=tz, notice_minutes=state.settings.min_notice_minutes,
                         drop=tuple(sorted(set(drop))))
    result = search(state.engine, q, cache=state.cache, opts=opts)
    # Serialized once here: the dict already has the contract's shape (see api/schemas/search.py).
    response = Response(json.dumps(result), media_type="application/json")
    _remember(request, response, db, q, int(result.get("total") or 0))
    return response


def _remember(request: Request, response: Response, db, q: str, total: int) -> None:
    """Record the search in the caller's history; a first-time guest gets a guest id cookie.
    A failure here is logged and never fails the search."""
    try:
        settings = request.app.state.settings
        user = user_or_none(request, db, settings)
        guest = None if user else guest_id(request)
        if user is None and guest is None and GUEST_HEADER not in request.headers:
            guest = history.new_guest_id()
            set_guest_cookie(response, settings, guest)
        history.record(db, user_id=user.id if user else None, guest_id=guest, query=q,
                       search_type="natural_language", result_count=total)
        db.commit()
    except Exception:  # noqa: BLE001 - the search answer matters more than its history
        db.rollback()
        log.exception("recording search history failed")
