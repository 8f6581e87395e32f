"""Shapes of /api/search-history."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    query: str
    normalized_query: str
    search_type: str
    result_count: int
    search_count: int
    first_searched_at: datetime
    last_searched_at: datetime


class ClearedOut(BaseModel):
    deleted: int
