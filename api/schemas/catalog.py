"""Shapes of /api/catalog (the browse results share the search contract, api.schemas.search)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.schemas.search import Result


class CatalogService(BaseModel):
    slug: str
    name: str
    default_duration: int
    age_groups: list[str]
    instructors: int


class Subcategory(BaseModel):
    slug: str
    name: str
    services: list[CatalogService]


class Category(BaseModel):
    slug: str
    name: str
    instructors: int
    subcategories: list[Subcategory]


class CategoryTreeOut(BaseModel):
    categories: list[Category]


class BrowseOut(BaseModel):
    """The instructors of one service or category: results in the search contract's shape."""

    search_id: str  # this answer's id, as in search (also in the X-Search-ID header, which a 304 carries)
    filters: dict[str, Any]
    results: list[Result]
    total: int
    total_is_exact: bool
    limit: int
    offset: int
    took_ms: float
    timings_ms: dict[str, float]
    sort: str  # the order of `results`: relevance, price, rating or soonest
    sorted_among: int | None  # a sort but relevance orders this many most relevant results
