"""Answers of instructor self-service (/api/instructor); the inputs are in api.schemas.bookings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from api.schemas.public import Areas


class ProfileOut(BaseModel):
    id: str
    bio: str
    years_experience: int
    languages: list[str]
    areas: Areas


class ServiceRef(BaseModel):
    slug: str
    name: str


class OfferingOut(BaseModel):
    id: str
    service: ServiceRef
    price_in_person: float | None
    price_online: float | None
    duration_options: list[int]
    description: str
    age_groups: list[str]
    levels: list[str]


class OfferingList(BaseModel):
    services: list[OfferingOut]


class OfferingRemoved(BaseModel):
    id: str
    deleted: Literal["soft", "hard"]


class WindowOut(BaseModel):
    start: str
    end: str


class WeekDayOut(BaseModel):
    date: str
    weekday: str
    blackout: bool
    windows: list[WindowOut]


class WeekOut(BaseModel):
    week_start: str
    days: list[WeekDayOut]


class WrittenDays(BaseModel):
    """What a copy or a pattern wrote: days and windows, and what was skipped (and why)."""

    days: int
    windows: int
    skipped: list[str]


class BlackoutOut(BaseModel):
    date: str
    reason: str


class BlackoutList(BaseModel):
    blackouts: list[BlackoutOut]
