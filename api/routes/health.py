"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.schemas.health import HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health() -> dict[str, str]:
    """The process is alive. Touches nothing else, so it stays fast under load."""
    return {"status": "ok"}


@router.get("/health/lite", response_model=HealthOut)
def health_lite() -> dict[str, str]:
    """For probes that poll often (load balancers, the scheduler's neighbours): answered by the process
    alone, never touching the database or Redis, whatever their state (GET /ready checks those)."""
    return {"status": "ok"}


@router.get("/ready", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
def ready(request: Request) -> JSONResponse:
    """Ready when the database answers; a missing Redis only degrades (the cache falls back in-process),
    and so does a replica that is down or lagging past its bound (its reads fall back to the primary)."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        database = "unavailable"
    redis_state = "ok" if request.app.state.redis.ping() else "unavailable"
    reads = request.app.state.read_router.status()
    if database != "ok":
        status, code = "unavailable", 503
    elif redis_state != "ok" or reads["state"] in ("degraded", "primary"):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    body = {"status": status, "database": database, "redis": redis_state, "reads": reads["state"]}
    return JSONResponse({**body, "replicas": reads["replicas"]}, status_code=code)
