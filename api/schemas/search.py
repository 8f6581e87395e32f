"""Response shapes of /api/search (docs/search-contract.md), for the OpenAPI schema."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Location(BaseModel):
    borough: str | None
    neighborhood: str | None


class Parsed(BaseModel):
    query: str
    service: str | None
    category: str | None
    price_min: float | None
    price_max: float | None
    price_intent: str | None
    location: Location | None
    near_me: bool
    zip: str | None
    landmark: str | None
    nearby: bool
    within_miles: float | None
    format: str | None
    dates: list[str] | None
    weekdays: list[int] | None
    start_time: str | None
    end_time: str | None
    age: int | None
    audience: str | None
    level: str | None
    duration_minutes: int | None
    min_rating: float | None
    lesson_language: str | None
    urgency: str | None
    text: str


class Areas(BaseModel):
    boroughs: list[str]
    neighborhoods: list[str]


class Instructor(BaseModel):
    id: str
    name: str
    rating: float | None
    reviews: int
    languages: list[str]
    areas: Areas
    area_names: list[str]


class ServiceRef(BaseModel):
    slug: str
    name: str
    category: str


class Price(BaseModel):
    in_person: float | None
    online: float | None


class Lesson(BaseModel):
    """The lesson the student would take (its format and hourly price): what a price condition reads."""

    format: str | None
    price: float | None


class Slot(BaseModel):
    start: str
    end: str


class Result(BaseModel):
    instructor: Instructor
    service: ServiceRef
    instructor_service_id: str
    price: Price
    formats: list[str]
    lesson: Lesson
    duration_minutes: int
    slots: list[Slot]
    next_available: str | None
    score: float
    why: list[str]
    misses: list[str]  # what this result does not meet of the query (empty for an exact fit)
    distance_miles: float | None  # from the student's point (coordinates, ZIP, landmark) to the nearest area served


class Suggestion(BaseModel):
    slug: str
    name: str


class SearchResponse(BaseModel):
    search_id: str  # this answer's id: interaction events and a booking made from it name it
    query: str
    corrected_query: str | None
    parsed: Parsed
    results: list[Result]
    relaxed: list[str]
    message: str | None
    total: int
    total_is_exact: bool
    took_ms: float
    timings_ms: dict[str, float]
    cached: bool
    no_match: bool  # the catalog teaches nothing the query names (then results is empty)
    suggestions: list[Suggestion]
    needs_location: bool  # "near me" with no coordinates and no place: the page may ask for the position
    sort: str  # the order of `results`: relevance, price, rating or soonest
    sorted_among: int | None  # a sort but relevance orders this many most relevant results


class SearchStatusOut(BaseModel):
    """GET /api/search/status: how far the index build is (services/index_status.py)."""

    embedded: int = Field(description="active instructor services whose embedding is written")
    total: int = Field(description="active instructor services")
    percent: int = Field(ge=0, le=100, description="embedded / total, rounded down; 100 only when ready")
    ready: bool = Field(description="every active service has its embedding: semantic search is complete")
    message: str | None = Field(
        description="what to tell the student while not ready (word matches work); null once ready"
    )


class ErrorOut(BaseModel):
    detail: str
    code: str
