"""GET /metrics: Prometheus text exposition (see api/metrics.py for the series)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import metrics

router = APIRouter(tags=["health"], include_in_schema=False)


@router.get("/metrics")
def metrics_route(request: Request) -> Response:
    body, content_type = metrics.render(request.app)
    return Response(body, media_type=content_type)
