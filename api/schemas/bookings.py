"""Request and response bodies for bookings, instructor self-service and availability."""

from __future__ import annotations

import uuid
from datetime import time
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.dates import Day, Moment

Format = Literal["in_person", "online"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BookingCreate(Strict):
    instructor_id: uuid.UUID
    instructor_service_id: uuid.UUID | None = Field(None, description="the offering, as search results give it")
    service: str | None = Field(None, max_length=80, description="or the service slug")
    start: Moment = Field(description="ISO 8601 with offset, on the 15-minute grid")
    duration_minutes: int = Field(ge=15, le=480)
    format: Format
    location: str = Field("", max_length=500, description="where, for in-person lessons")
    notes: str = Field("", max_length=2000)
    search_id: uuid.UUID | None = Field(None, description="the search whose result this booking was made from")

    @model_validator(mode="after")
    def _one_service(self):
        if self.instructor_service_id is None and not self.service:
            raise ValueError("Say which service to book: instructor_service_id or service (its slug).")
        return self


class Reschedule(Strict):
    start: Moment
    duration_minutes: int | None = Field(None, ge=15, le=480)
    format: Format | None = None
    location: str | None = Field(None, max_length=500)


class Person(BaseModel):
    id: str
    name: str


class BookedService(BaseModel):
    instructor_service_id: str
    slug: str
    name: str


class BookingOut(BaseModel):
    id: str
    status: str
    instructor: Person
    student: Person
    service: BookedService
    start: str
    end: str
    duration_minutes: int
    format: str
    location: str
    hourly_rate: float
    total_price: float
    notes: str
    cancellation_kind: str | None
    cancelled_at: str | None
    rescheduled_from_id: str | None
    rescheduled_to_id: str | None
    created_at: str | None


class BookingList(BaseModel):
    when: str
    limit: int
    offset: int
    bookings: list[BookingOut]


# ---- instructor self-service -------------------------------------------------------------------


class ProfileUpdate(Strict):
    bio: str | None = Field(None, max_length=5000)
    years_experience: int | None = Field(None, ge=0, le=80)
    languages: list[str] | None = Field(None, max_length=20)
    boroughs: list[str] | None = Field(None, max_length=5)
    neighborhoods: list[str] | None = Field(None, max_length=200)


Price = Decimal | None


class ServiceCreate(Strict):
    service: str = Field(max_length=80, description="catalog service slug")
    price_in_person: Price = Field(None, gt=0, max_digits=8, decimal_places=2)
    price_online: Price = Field(None, gt=0, max_digits=8, decimal_places=2)
    duration_options: list[int] = Field(min_length=1, max_length=12)
    description: str | None = Field(None, max_length=2000)
    age_groups: list[str] | None = None
    levels: list[str] | None = None


class ServiceUpdate(Strict):
    price_in_person: Price = Field(None, gt=0, max_digits=8, decimal_places=2)
    price_online: Price = Field(None, gt=0, max_digits=8, decimal_places=2)
    duration_options: list[int] | None = Field(None, min_length=1, max_length=12)
    description: str | None = Field(None, max_length=2000)
    age_groups: list[str] | None = None
    levels: list[str] | None = None


class WindowIn(Strict):
    start: time = Field(description="HH:MM, New York time")
    end: time


class DayIn(Strict):
    date: Day
    windows: list[WindowIn] = Field(max_length=48)


class WeekIn(Strict):
    days: list[DayIn] = Field(max_length=7, description="days left out get no availability (past days are kept)")

    @model_validator(mode="after")
    def _unique(self):
        seen = [d.date for d in self.days]
        if len(seen) != len(set(seen)):
            raise ValueError("Each date may appear once.")
        return self


class CopyWeek(Strict):
    weeks: int = Field(1, ge=1, le=12, description="how many following weeks get this week's windows")


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class PatternIn(Strict):
    start_date: Day
    end_date: Day
    pattern: dict[
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], list[WindowIn]
    ] = Field(description="weekday → windows; weekdays left out get none")


class BlackoutIn(Strict):
    date: Day
    reason: str = Field("", max_length=200)
