"""Shapes of /api/privacy."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class DeleteAccountIn(BaseModel):
    """The password again: a stolen session alone cannot delete an account."""

    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class ExportedInstructorProfile(BaseModel):
    id: str
    bio: str
    years_experience: int
    languages: list[str]
    boroughs: list[str]
    neighborhoods: list[str]


class ExportedProfile(BaseModel):
    id: str
    email: str
    full_name: str
    role: str
    is_active: bool
    created_at: str | None
    permissions: list[str]
    instructor_profile: ExportedInstructorProfile | None


class ExportedBooking(BaseModel):
    id: str
    as_: Literal["student", "instructor"] = Field(alias="as")
    instructor_id: str
    instructor_service_id: str
    date: str
    start_time: str
    end_time: str
    duration_minutes: int
    status: str
    location_type: str
    location: str
    hourly_rate: str
    total_price: str
    notes: str
    created_at: str | None
    cancelled_at: str | None

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ExportedSearch(BaseModel):
    id: str
    query: str
    normalized_query: str
    search_type: str
    result_count: int
    search_count: int
    first_searched_at: str | None
    last_searched_at: str | None
    deleted_at: str | None


class ExportedImpression(BaseModel):
    """A search or browse answer shown to the person, as search analytics keeps it."""

    search_id: str
    created_at: str | None
    surface: str
    query: str
    relaxed: list[str]
    result_ids: list[str] | None
    total: int | None
    offset: int
    sort: str
    ranker: str
    visitor_hash: str | None  # the day's keyed hash of the address (the address itself is never kept)


class ExportedEvent(BaseModel):
    """A click on a result of a search, or a booking made from one."""

    search_id: str
    created_at: str | None
    kind: str
    position: int | None
    instructor_service_id: str | None
    booking_id: str | None
    visitor_hash: str | None


class ExportOut(BaseModel):
    """Everything held about the caller: profile, bookings (as student and as instructor), searches,
    and the search impressions and events of search analytics."""

    exported_at: str
    profile: ExportedProfile
    bookings: list[ExportedBooking]
    search_history: list[ExportedSearch]
    search_impressions: list[ExportedImpression]
    search_events: list[ExportedEvent]
