"""Category and pill browsing: the catalog tree and the instructors of one service or category."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.caching import cached_json
from api.deps import SessionDep
from api.recording import remember
from api.schemas.catalog import BrowseOut, CategoryTreeOut
from core.clock import market_now
from index import places, slots
from index.search import SearchOptions, browse
from services import catalog
from services.errors import Invalid

router = APIRouter(prefix="/api/catalog", tags=["catalog"])
TREE_MAX_AGE = 300


@router.get("/categories", response_model=CategoryTreeOut)
def categories(request: Request, db: SessionDep) -> Response:
    """categories → subcategories → services, with the number of active instructors per service."""
    return cached_json(request, "catalog:tree", TREE_MAX_AGE, lambda: {"categories": catalog.category_tree(db)})


@router.get("/services/{slug}/instructors", response_model=BrowseOut)
def service_instructors(
    slug: str,
    request: Request,
    db: SessionDep,
    borough: Annotated[str | None, Query(max_length=40)] = None,
    neighborhood: Annotated[str | None, Query(max_length=60)] = None,
    price_min: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    price_max: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    format: Annotated[Literal["in_person", "online"] | None, Query()] = None,
    dates: Annotated[list[date] | None, Query(max_length=31, description="YYYY-MM-DD, repeatable")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """Instructors of one service, ranked like search and in the same result shape, each with its
    next bookable slots."""
    service = catalog.service_by_slug(db, slug=slug)
    if borough is not None and not places.neighborhoods_of(borough):
        raise Invalid(f"Unknown borough {borough!r}.", field="borough")
    if neighborhood is not None:
        of = places.borough_of(neighborhood)
        if of is None:
            raise Invalid(f"Unknown neighborhood {neighborhood!r}.", field="neighborhood")
        if borough is not None and borough != of:
            raise Invalid(
                f"{places.display_name(neighborhood)} is not in {places.display_name(borough)}.", field="neighborhood"
            )
    if price_min is not None and price_max is not None and price_min > price_max:
        raise Invalid("price_min must not be above price_max.", field="price_min")
    filters: dict = {"service": service.slug, "price_min": price_min, "price_max": price_max, "format": format}
    if borough or neighborhood:
        where = borough or (places.borough_of(neighborhood) if neighborhood else None)
        filters["location"] = {"borough": where, "neighborhood": neighborhood}
    if dates:
        filters["dates"] = sorted({d.isoformat() for d in dates})
    filters = {k: v for k, v in filters.items() if v is not None}
    return _browse(request, db, filters, limit=limit, offset=offset, name=service.name, search_type="service_pill")


@router.get("/categories/{slug}/instructors", response_model=BrowseOut)
def category_instructors(
    slug: str,
    request: Request,
    db: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """Instructors of a whole category, ranked like search, in the same result shape."""
    category = catalog.category_by_slug(db, slug=slug)
    return _browse(
        request, db, {"category": slug}, limit=limit, offset=offset, name=category.name, search_type="category"
    )


def _browse(request: Request, db, filters: dict, *, limit: int, offset: int, name: str, search_type: str) -> Response:
    """Ranked like search, cached under the write version, and remembered in the caller's history.
    Slots depend on the clock (minimum notice), so the key also carries the earliest bookable start,
    which moves on the 15-minute grid."""
    state = request.app.state
    opts = SearchOptions(limit=limit, offset=offset, notice_minutes=state.settings.min_notice_minutes)
    bucket = slots.earliest_start(market_now(), state.settings.min_notice_minutes).isoformat()
    material = repr((sorted(filters.items()), limit, offset, bucket))
    key = "browse:" + hashlib.sha256(material.encode()).hexdigest()[:32]
    response = cached_json(request, key, 30, lambda: browse(state.engine, filters, opts=opts))
    if response.status_code == 200 and offset == 0:  # a click, not the next page of it
        total = int(json.loads(bytes(response.body)).get("total") or 0)
        remember(request, response, db, query=name, search_type=search_type, total=total)
    return response
