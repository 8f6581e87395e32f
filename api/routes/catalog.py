"""Category and pill browsing: the catalog tree and the instructors of one service or category."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.caching import cached_json
from api.deps import SessionDep
from api.filters import DAY_HELP, SORT_HELP, Sort, check_filters
from api.impressions import stamp_browse
from api.read_routing import ReadsDep, ReadSessionDep, current_reads
from api.recording import remember
from api.schemas.catalog import BrowseOut, CategoryTreeOut
from api.schemas.dates import Day
from core.clock import market_now
from index import places, slots
from index.search import SORT_POOL, SearchOptions, browse
from services import catalog
from services.errors import Invalid

router = APIRouter(prefix="/api/catalog", tags=["catalog"])
MARKET = "America/New_York"  # browsing has no student time zone: days are New York days
TREE_MAX_AGE = 300
BROWSE_MAX_AGE = 30
# From this offset on, pages are slices of one cached ranking of everyone listed, so paging deep costs
# one ranking, not one per page growing with its depth (F10).
DEEP_FROM = 100


@router.get("/categories", response_model=CategoryTreeOut)
def categories(request: Request, read_db: ReadSessionDep) -> Response:
    """categories → subcategories → services, with the number of active instructors per service."""
    return cached_json(request, "catalog:tree", TREE_MAX_AGE, lambda: {"categories": catalog.category_tree(read_db)})


@router.get("/services/{slug}/instructors", response_model=BrowseOut)
def service_instructors(
    slug: str,
    request: Request,
    db: SessionDep,
    _reads: ReadsDep,  # browse() reads where this chose (current_reads)
    borough: Annotated[str | None, Query(max_length=40)] = None,
    neighborhood: Annotated[str | None, Query(max_length=60)] = None,
    price_min: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    price_max: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    format: Annotated[Literal["in_person", "online"] | None, Query()] = None,
    dates: Annotated[list[Day] | None, Query(max_length=31, description="YYYY-MM-DD, repeatable")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    sort: Annotated[Sort, Query(description=SORT_HELP)] = "relevance",
    day: Annotated[str | None, Query(max_length=20, description=DAY_HELP)] = None,
    time_of_day: Annotated[str | None, Query(max_length=20, description="morning, afternoon or evening")] = None,
    level: Annotated[str | None, Query(max_length=20, description="only teachers who take this level")] = None,
    record: Annotated[bool, Query(description="false: kept out of search history")] = True,
) -> Response:
    """Instructors of one service, ranked like search and in the same result shape, each with its
    next bookable slots; sorted and filtered like search."""
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
    check_filters(MARKET, price_min, price_max, day, time_of_day, level)
    filters: dict = {"service": service.slug, "price_min": price_min, "price_max": price_max, "format": format}
    if borough or neighborhood:
        where = borough or (places.borough_of(neighborhood) if neighborhood else None)
        filters["location"] = {"borough": where, "neighborhood": neighborhood}
    if dates:
        filters["dates"] = sorted({d.isoformat() for d in dates})
    filters = {k: v for k, v in filters.items() if v is not None}
    listing = Listing(limit, offset, sort, day, time_of_day, level, record)
    answer = _browse(request, db, filters, listing, name=service.name, search_type="service_pill")
    return stamp_browse(request, answer, surface="service", name=service.name, filters=filters, listing=listing)


@router.get("/categories/{slug}/instructors", response_model=BrowseOut)
def category_instructors(
    slug: str,
    request: Request,
    db: SessionDep,
    _reads: ReadsDep,  # browse() reads where this chose (current_reads)
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    price_min: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    price_max: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    format: Annotated[Literal["in_person", "online"] | None, Query()] = None,
    sort: Annotated[Sort, Query(description=SORT_HELP)] = "relevance",
    day: Annotated[str | None, Query(max_length=20, description=DAY_HELP)] = None,
    time_of_day: Annotated[str | None, Query(max_length=20, description="morning, afternoon or evening")] = None,
    level: Annotated[str | None, Query(max_length=20, description="only teachers who take this level")] = None,
    record: Annotated[bool, Query(description="false: kept out of search history")] = True,
) -> Response:
    """Instructors of a whole category, ranked like search, in the same result shape; sorted and
    filtered like search."""
    category = catalog.category_by_slug(db, slug=slug)
    check_filters(MARKET, price_min, price_max, day, time_of_day, level)
    filters = {"category": slug, "price_min": price_min, "price_max": price_max, "format": format}
    filters = {k: v for k, v in filters.items() if v is not None}
    listing = Listing(limit, offset, sort, day, time_of_day, level, record)
    answer = _browse(request, db, filters, listing, name=category.name, search_type="category")
    return stamp_browse(request, answer, surface="category", name=category.name, filters=filters, listing=listing)


@dataclass(frozen=True)
class Listing:
    """The page, order and filters of one browse request, besides the parsed-query fields."""

    limit: int
    offset: int
    sort: str
    day: str | None
    time_of_day: str | None
    level: str | None
    record: bool


def _past_the_end(request: Request, db, filters: dict, listing: Listing, *, name: str, search_type: str) -> Response:
    """An empty page past the last instructor, with the first page's total (usually cached)."""
    first = _browse(request, db, filters, replace(listing, offset=0, record=False), name=name, search_type=search_type)
    if first.status_code != 200:
        return first
    body = json.loads(bytes(first.body))
    body.update(results=[], offset=listing.offset, took_ms=0.0)
    return Response(
        json.dumps(body, separators=(",", ":")).encode(),
        media_type="application/json",
        headers={"Cache-Control": f"public, max-age={BROWSE_MAX_AGE}"},
    )


def _slice(request: Request, whole_key: str, listing: Listing, rank_all) -> dict:
    """One page of the ranking of everyone listed, which is computed once and cached for BROWSE_MAX_AGE."""
    cache = current_reads(request).cache
    full_key, raw = cache.lookup(f"public:{whole_key}")  # keyed on the write version
    if raw is None:
        ranked = rank_all()
        cache.set(full_key, json.dumps(ranked, separators=(",", ":")).encode(), ttl=BROWSE_MAX_AGE)
    else:
        ranked = json.loads(raw)
    page = dict(ranked)
    page.update(
        results=ranked["results"][listing.offset : listing.offset + listing.limit],
        limit=listing.limit,
        offset=listing.offset,
    )
    return page


def _browse(request: Request, db, filters: dict, listing: Listing, *, name: str, search_type: str) -> Response:
    """Ranked like search, cached under the write version, and remembered in the caller's history.
    Slots depend on the clock (minimum notice), so the key also carries the earliest bookable start,
    which moves on the 15-minute grid."""
    state = request.app.state
    reads = current_reads(request)  # a replica when one is fit
    opts = SearchOptions(
        limit=listing.limit,
        offset=listing.offset,
        notice_minutes=state.settings.min_notice_minutes,
        sort=listing.sort,
        day=listing.day,
        time_of_day=listing.time_of_day,
        level=listing.level,
    )
    bucket = slots.earliest_start(market_now(), state.settings.min_notice_minutes).isoformat()
    material = repr((sorted(filters.items()), listing, bucket))
    key = "browse:" + hashlib.sha256(material.encode()).hexdigest()[:32]
    if listing.offset:
        # Deep pages (F10): nothing past the instructors who list this can exist (nor, for another
        # sort than relevance, past the SORT_POOL it orders), and deep relevance pages slice one
        # ranking of everyone listed instead of ranking everyone before them again for each page.
        listed = catalog.listed_instructors(db, service=filters.get("service"), category=filters.get("category"))
        holds = listed if listing.sort == "relevance" else min(listed, SORT_POOL)
        if listing.offset >= holds:
            return _past_the_end(request, db, filters, listing, name=name, search_type=search_type)
        if listing.offset >= DEEP_FROM and listing.sort == "relevance":
            everyone = replace(listing, offset=0, limit=listed, record=False)
            whole = (
                "browse-all:"
                + hashlib.sha256(repr((sorted(filters.items()), everyone, bucket)).encode()).hexdigest()[:32]
            )
            return cached_json(
                request,
                key,
                BROWSE_MAX_AGE,
                lambda: _slice(
                    request,
                    whole,
                    listing,
                    lambda: browse(reads.engine, filters, opts=replace(opts, offset=0, limit=listed)),
                ),
            )
    response = cached_json(request, key, BROWSE_MAX_AGE, lambda: browse(reads.engine, filters, opts=opts))
    if response.status_code == 200 and listing.offset == 0 and listing.record:  # a click, not its next page
        total = int(json.loads(bytes(response.body)).get("total") or 0)
        remember(request, response, db, query=name, search_type=search_type, total=total)
    return response
