"""Shapes of the search analytics routes: interaction events and the insights for relevance engineers."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EventIn(BaseModel):
    """A click on a result of the search (its card, one of its slots, or its profile link), at the
    result's position in the whole list (1 is the first result of the first page)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["result_click", "slot_click", "profile_view"]
    position: int = Field(ge=1, le=10_050)
    instructor_service_id: uuid.UUID


class Metrics(BaseModel):
    searches: int
    zero_result_rate: float | None
    relaxation_rate: float | None
    ctr_at_1: float | None
    ctr_at_3: float | None
    ctr_at_10: float | None
    mrr_first_click: float | None
    booking_conversion: float | None


class Day(BaseModel):
    day: str
    searches: int
    zero_result_rate: float | None
    ctr_at_3: float | None


class QueryCount(BaseModel):
    query: str
    searches: int


class InsightsOut(BaseModel):
    since: str
    until: str
    overall: Metrics
    by_kind: dict[str, Metrics]  # named_service, vague, with_place, with_time
    per_day: list[Day]
    top_zero_result: list[QueryCount]
    top_abandoned: list[QueryCount]  # results shown, nothing clicked or booked
