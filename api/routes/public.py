"""Public instructor pages, no login: profile, bookable windows, next available start.

Every answer is cached (core.cache: keys carry the write version, so any committed booking,
availability or profile change invalidates them) and carries an ETag and Cache-Control; a matching
If-None-Match gets a 304. They read from a replica when one is configured and fit (api/read_routing.py).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.caching import cached_json
from api.read_routing import ReadSessionDep
from api.schemas.dates import Day
from api.schemas.public import NextAvailableOut, PublicAvailabilityOut, PublicProfileOut
from core.clock import MARKET_TZ, utc_now
from index import slots
from index.constraints import Constraints
from models import InstructorService
from services import instructors
from services.errors import Invalid, NotFound

router = APIRouter(prefix="/api/public/instructors", tags=["public"])
MAX_DAYS = 62
NEXT_AVAILABLE_DAYS = 90
PROFILE_MAX_AGE = 60
AVAILABILITY_MAX_AGE = 30


def _now_local() -> datetime:
    # Aware: the notice is real elapsed time across DST. (utc_now is looked up here at call time, so
    # eval.snapshot can show the pages at the eval's reference time.)
    return utc_now().astimezone(MARKET_TZ)


def _lesson_minutes(db, instructor_id: uuid.UUID, asked: int | None) -> int:
    offered = sorted(
        {
            m
            for opts in db.execute(
                select(InstructorService.duration_options).where(
                    InstructorService.profile_id == instructor_id, InstructorService.is_active
                )
            ).scalars()
            for m in opts
        }
    )
    if not offered:
        raise NotFound("This instructor offers no lessons at the moment.", code="no_services")
    if asked is None:
        return offered[0]
    if asked not in offered:
        raise Invalid(
            f"This instructor's lessons last {', '.join(map(str, offered))} minutes, not {asked}.",
            code="duration_not_offered",
            field="duration_minutes",
        )
    return asked


def _starts(
    request: Request, db, instructor_id: uuid.UUID, days: tuple[date, ...], minutes: int, now_local: datetime, keep: int
) -> list[datetime]:
    """Bookable starts from the same SQL as search (index.slots), so both always agree."""
    found = slots.find(
        db.connection(),
        Constraints(dates=days),
        {instructor_id: minutes},
        now=now_local,
        notice_minutes=request.app.state.settings.min_notice_minutes,
        keep=keep,
    )
    summary = found.get(instructor_id)
    return [s for s, _ in summary.first] if summary else []


def _iso(dt: datetime) -> str:
    return dt.replace(tzinfo=MARKET_TZ).isoformat()


def _exists(db, instructor_id: uuid.UUID) -> None:
    instructors.public_profile(db, profile_id=instructor_id)  # raises NotFound


@router.get("/{instructor_id}", response_model=PublicProfileOut)
def public_profile(instructor_id: uuid.UUID, request: Request, db: ReadSessionDep) -> Response:
    return cached_json(
        request,
        f"profile:{instructor_id}",
        PROFILE_MAX_AGE,
        lambda: instructors.public_profile(db, profile_id=instructor_id),
    )


@router.get("/{instructor_id}/availability", response_model=PublicAvailabilityOut)
def public_availability(
    instructor_id: uuid.UUID,
    request: Request,
    db: ReadSessionDep,
    start_date: Annotated[Day | None, Query(description="first day, New York time (default today)")] = None,
    end_date: Annotated[Day | None, Query(description="last day (default start_date + 6)")] = None,
    duration_minutes: Annotated[
        int | None, Query(ge=15, le=480, description="lesson length (default the shortest)")
    ] = None,
) -> Response:
    """Bookable windows per day: availability minus live bookings and blackouts, after the minimum
    notice, where a lesson of duration_minutes fits; with the bookable starts inside each window."""
    now_local = _now_local()
    start_date = start_date or now_local.date()
    end_date = end_date or start_date + timedelta(days=6)
    if end_date < start_date:
        raise Invalid("end_date must not be before start_date.", field="end_date")
    if (end_date - start_date).days + 1 > MAX_DAYS:
        raise Invalid(f"Ask for at most {MAX_DAYS} days at a time.", field="end_date")
    earliest = slots.earliest_start(now_local, request.app.state.settings.min_notice_minutes)
    key = f"availability:{instructor_id}:{start_date}:{end_date}:{duration_minutes}:{earliest:%Y%m%d%H%M}"

    def compute() -> dict:
        _exists(db, instructor_id)
        minutes = _lesson_minutes(db, instructor_id, duration_minutes)
        days = tuple(start_date + timedelta(days=i) for i in range((end_date - start_date).days + 1))
        starts = _starts(request, db, instructor_id, days, minutes, now_local, keep=100_000)
        # A window is a stretch of free time with at least one bookable start: it runs from its
        # first start to the end of the free time (the next booking or the end of availability),
        # so a longer lesson that still fits can be read off it.
        stretches = slots.free_stretches(db.connection(), instructor_id, start_date, end_date, earliest)
        by_day: dict[date, list[dict]] = {}
        for opens, closes in stretches:
            inside = [s for s in starts if opens <= s and s + timedelta(minutes=minutes) <= closes]
            if inside:
                by_day.setdefault(opens.date(), []).append(
                    {"start": _iso(inside[0]), "end": _iso(closes), "starts": [_iso(s) for s in inside]}
                )
        return {
            "instructor_id": str(instructor_id),
            "duration_minutes": minutes,
            "timezone": str(MARKET_TZ),
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
            "earliest_start": _iso(earliest),
            "days": [{"date": d.isoformat(), "windows": by_day.get(d, [])} for d in days],
        }

    return cached_json(request, key, AVAILABILITY_MAX_AGE, compute)


@router.get("/{instructor_id}/next-available", response_model=NextAvailableOut)
def next_available(
    instructor_id: uuid.UUID,
    request: Request,
    db: ReadSessionDep,
    duration_minutes: Annotated[int | None, Query(ge=15, le=480)] = None,
) -> Response:
    now_local = _now_local()
    earliest = slots.earliest_start(now_local, request.app.state.settings.min_notice_minutes)
    key = f"next:{instructor_id}:{duration_minutes}:{earliest:%Y%m%d%H%M}"

    def compute() -> dict:
        _exists(db, instructor_id)
        minutes = _lesson_minutes(db, instructor_id, duration_minutes)
        days = tuple(now_local.date() + timedelta(days=i) for i in range(NEXT_AVAILABLE_DAYS))
        first = _starts(request, db, instructor_id, days, minutes, now_local, keep=1)
        return {
            "instructor_id": str(instructor_id),
            "duration_minutes": minutes,
            "next_available": _iso(first[0]) if first else None,
            "end": _iso(first[0] + timedelta(minutes=minutes)) if first else None,
            "searched_days": NEXT_AVAILABLE_DAYS,
        }

    return cached_json(request, key, AVAILABILITY_MAX_AGE, compute)
