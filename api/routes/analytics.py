"""Search analytics over HTTP: interaction events of a search (sent by the page with sendBeacon) and
the insights relevance engineers read (the view_analytics permission)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.deps import SessionDep, SettingsDep
from api.schemas.analytics import EventIn, InsightsOut
from api.security import client_ip, guest_id, require_permission, user_or_none
from core.clock import utc_now
from services import analytics, analytics_insights

router = APIRouter(prefix="/api", tags=["search analytics"])


@router.post("/search/{search_id}/events", status_code=204)
def record_event(search_id: uuid.UUID, body: EventIn, request: Request, db: SessionDep, settings: SettingsDep):
    """Record a click on a result of the search `search_id`, on one of its slots, or a view of its
    profile. Anyone may send it (guests too); who sent it is read from the session, if any."""
    user = user_or_none(request, db, settings)
    analytics.record_event(
        db,
        search_id=search_id,
        kind=body.kind,
        position=body.position,
        instructor_service_id=body.instructor_service_id,
        user_id=user.id if user else None,
        guest_id=guest_id(request),
        ip=client_ip(request),
    )
    return Response(status_code=204)


@router.get(
    "/admin/search-insights",
    response_model=InsightsOut,
    dependencies=[Depends(require_permission("view_analytics"))],
)
def search_insights(
    db: SessionDep,
    response: Response,
    days: Annotated[int, Query(ge=1, le=366, description="the last this many days")] = 7,
) -> dict:
    """Queries per day, zero-result, relaxation, click-through at 1/3/10, mean reciprocal rank of the
    first click, booking conversion, top zero-result and abandoned queries, and the same by query kind."""
    response.headers["Cache-Control"] = "no-store"
    until = utc_now()
    return analytics_insights.insights(db, since=until - timedelta(days=days), until=until)
