"""Shapes of the public instructor pages (/api/public/instructors)."""

from __future__ import annotations

from pydantic import BaseModel


class Areas(BaseModel):
    boroughs: list[str]
    neighborhoods: list[str]


class Prices(BaseModel):
    in_person: float | None
    online: float | None


class PublicService(BaseModel):
    instructor_service_id: str
    slug: str
    name: str
    category: str
    price: Prices
    duration_options: list[int]
    description: str
    age_groups: list[str]
    levels: list[str]


class PublicProfileOut(BaseModel):
    id: str
    name: str
    bio: str
    years_experience: int
    languages: list[str]
    rating: float | None
    reviews: int
    areas: Areas
    services: list[PublicService]


class Window(BaseModel):
    start: str
    end: str
    starts: list[str]


class Day(BaseModel):
    date: str
    windows: list[Window]


class PublicAvailabilityOut(BaseModel):
    instructor_id: str
    duration_minutes: int
    timezone: str
    start_date: str
    end_date: str
    earliest_start: str
    days: list[Day]


class NextAvailableOut(BaseModel):
    instructor_id: str
    duration_minutes: int
    next_available: str | None
    end: str | None
    searched_days: int
