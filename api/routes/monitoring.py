"""GET /api/monitoring/slow-requests and /slow-queries: the slowest recent requests and SQL statements
of this process (core/monitoring.py), behind the monitoring key like /metrics."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.monitoring_key import HEADER, require_monitoring_key
from api.schemas.monitoring import SlowQueriesOut, SlowRequestsOut
from core import monitoring

KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": f"the monitoring key is missing or wrong ({HEADER})"},
    403: {"description": "no MONITORING_API_KEY is configured outside development"},
}
router = APIRouter(
    prefix="/api/monitoring",
    tags=["monitoring"],
    dependencies=[Depends(require_monitoring_key)],
    responses=KEY_ERRORS,
)
Limit = Annotated[int, Query(ge=1, le=500, description="how many, slowest first")]


def _ring(ring: monitoring.SlowRing, limit: int) -> dict[str, Any]:
    return {
        "process_id": os.getpid(),
        "threshold_ms": ring.threshold_ms,
        "capacity": ring.size,
        "kept": len(ring),
        "items": [e.as_dict() for e in ring.slowest(limit)],
    }


@router.get("/slow-requests", response_model=SlowRequestsOut)
def slow_requests(limit: Limit = 50) -> dict[str, Any]:
    """Requests slower than SLOW_REQUEST_MS among the last ones kept by this process, slowest first."""
    return _ring(monitoring.REQUESTS, limit)


@router.get("/slow-queries", response_model=SlowQueriesOut)
def slow_queries(limit: Limit = 50) -> dict[str, Any]:
    """SQL statements slower than SLOW_QUERY_MS among the last ones kept by this process, slowest first
    (as sent, with placeholders: never their parameters)."""
    return _ring(monitoring.QUERIES, limit)
