"""GET /metrics: Prometheus text exposition (see api/metrics.py for the series), behind the monitoring key."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api import metrics
from api.monitoring_key import require_monitoring_key

router = APIRouter(tags=["health"], include_in_schema=False, dependencies=[Depends(require_monitoring_key)])


@router.get("/metrics")
def metrics_route(request: Request) -> Response:
    body, content_type = metrics.render(request.app)
    return Response(body, media_type=content_type)
