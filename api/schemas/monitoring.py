"""Shapes of /api/monitoring/slow-requests and /slow-queries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class SlowRequestOut(BaseModel):
    method: str
    route: str
    status: int
    duration_ms: float
    request_id: str | None
    at: datetime


class SlowQueryOut(BaseModel):
    statement: str
    duration_ms: float
    request_id: str | None
    at: datetime


class SlowRing(BaseModel):
    process_id: int
    threshold_ms: float
    capacity: int
    kept: int


class SlowRequestsOut(SlowRing):
    items: list[SlowRequestOut]


class SlowQueriesOut(SlowRing):
    items: list[SlowQueryOut]
