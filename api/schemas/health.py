"""Shapes of /health and /ready."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReplicaOut(BaseModel):
    name: str
    health: Literal["ok", "lagging", "unavailable"]
    lag_seconds: float | None
    reason: str


class ReadyOut(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    database: Literal["ok", "unavailable"]
    redis: Literal["ok", "unavailable"]
    # none: no DATABASE_READ_URL; ok: every replica serves reads; degraded: some do not;
    # primary: none does, every read falls back to the primary.
    reads: Literal["none", "ok", "degraded", "primary"]
    replicas: list[ReplicaOut]
