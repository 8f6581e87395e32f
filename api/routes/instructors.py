"""Instructor self-service under /api/instructor: profile, services, availability, blackouts,
and the lessons they teach (list, complete, no-show, cancel)."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from sqlalchemy.engine import Engine

from api.caching import invalidate
from api.deps import SessionDep
from api.schemas.bookings import (
    WEEKDAYS,
    BlackoutIn,
    BookingList,
    BookingOut,
    CopyWeek,
    PatternIn,
    ProfileUpdate,
    ServiceCreate,
    ServiceUpdate,
    WeekIn,
)
from api.schemas.dates import Day
from api.schemas.instructor import (
    BlackoutList,
    BlackoutOut,
    OfferingList,
    OfferingOut,
    OfferingRemoved,
    ProfileOut,
    WeekOut,
    WrittenDays,
)
from api.security import require_permission
from core.cache import Cache
from core.clock import utc_now
from models import InstructorProfile, InstructorService, Service, User
from services import availability, bookings, instructors

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/instructor", tags=["instructor"])


ProfileEditor = Annotated[User, Depends(require_permission("manage_instructor_profile"))]
ServiceEditor = Annotated[User, Depends(require_permission("manage_instructor_services"))]
AvailabilityEditor = Annotated[User, Depends(require_permission("manage_availability"))]
LessonViewer = Annotated[User, Depends(require_permission("view_instructor_bookings"))]
LessonManager = Annotated[User, Depends(require_permission("manage_lessons"))]


def _reindex(engine: Engine, cache: Cache, profile_id: uuid.UUID) -> None:
    """Re-embed this instructor's changed documents so search stays fresh, then invalidate."""
    from index.build import build

    try:
        build(engine, profile_ids=[profile_id], quiet=True)
    except Exception:  # the edit is committed; a failed re-embed is retried by the next build
        log.exception("re-indexing instructor %s failed", profile_id)
    cache.bump()


def _after_profile_change(request: Request, tasks: BackgroundTasks, profile_id: uuid.UUID) -> None:
    invalidate(request)
    tasks.add_task(_reindex, request.app.state.engine, request.app.state.cache, profile_id)


def _profile_view(profile: InstructorProfile) -> dict[str, Any]:
    return {
        "id": str(profile.id),
        "bio": profile.bio,
        "years_experience": profile.years_experience,
        "languages": list(profile.languages),
        "areas": {"boroughs": list(profile.boroughs), "neighborhoods": list(profile.neighborhoods)},
    }


def _service_view(row: InstructorService, service: Service) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "service": {"slug": service.slug, "name": service.name},
        "price_in_person": float(row.price_in_person) if row.price_in_person is not None else None,
        "price_online": float(row.price_online) if row.price_online is not None else None,
        "duration_options": list(row.duration_options),
        "description": row.description,
        "age_groups": list(row.age_groups),
        "levels": list(row.levels),
    }


# ---- profile -----------------------------------------------------------------------------------


@router.get("/profile", response_model=ProfileOut)
def get_profile(user: ProfileEditor, db: SessionDep):
    return _profile_view(instructors.profile_for_user(db, user_id=user.id))


@router.patch("/profile", response_model=ProfileOut)
def update_profile(body: ProfileUpdate, user: ProfileEditor, db: SessionDep, request: Request, tasks: BackgroundTasks):
    profile = instructors.update_profile(db, user_id=user.id, **body.model_dump(exclude_unset=True))
    _after_profile_change(request, tasks, profile.id)
    return _profile_view(profile)


# ---- services ----------------------------------------------------------------------------------


@router.get("/services", response_model=OfferingList)
def list_services(user: ServiceEditor, db: SessionDep):
    profile = instructors.profile_for_user(db, user_id=user.id)
    return {"services": [_service_view(r, s) for r, s in instructors.list_services(db, profile_id=profile.id)]}


@router.post("/services", status_code=201, response_model=OfferingOut)
def add_service(body: ServiceCreate, user: ServiceEditor, db: SessionDep, request: Request, tasks: BackgroundTasks):
    data = instructors.ServiceInput(**body.model_dump(exclude={"service"}))
    row, service = instructors.add_service(db, user_id=user.id, service_slug=body.service, data=data)
    _after_profile_change(request, tasks, row.profile_id)
    return _service_view(row, service)


@router.patch("/services/{instructor_service_id}", response_model=OfferingOut)
def update_service(
    instructor_service_id: uuid.UUID,
    body: ServiceUpdate,
    user: ServiceEditor,
    db: SessionDep,
    request: Request,
    tasks: BackgroundTasks,
):
    row, service = instructors.update_service(
        db, user_id=user.id, instructor_service_id=instructor_service_id, changes=body.model_dump(exclude_unset=True)
    )
    _after_profile_change(request, tasks, row.profile_id)
    return _service_view(row, service)


@router.delete("/services/{instructor_service_id}", response_model=OfferingRemoved)
def remove_service(
    instructor_service_id: uuid.UUID, user: ServiceEditor, db: SessionDep, request: Request, tasks: BackgroundTasks
):
    """A soft delete (deactivated) when bookings refer to it, else a hard delete."""
    profile = instructors.profile_for_user(db, user_id=user.id)
    kind = instructors.remove_service(db, user_id=user.id, instructor_service_id=instructor_service_id)
    _after_profile_change(request, tasks, profile.id)
    return {"id": str(instructor_service_id), "deleted": kind}


# ---- availability ------------------------------------------------------------------------------


@router.get("/availability/weeks/{week_start}", response_model=WeekOut)
def get_week(week_start: Day, user: AvailabilityEditor, db: SessionDep):
    """The seven days from week_start (New York dates) with their windows."""
    return availability.get_week(db, user_id=user.id, week_start=week_start)


@router.put("/availability/weeks/{week_start}", response_model=WeekOut)
def replace_week(week_start: Day, body: WeekIn, user: AvailabilityEditor, db: SessionDep, request: Request):
    """Replace the week's windows atomically: days left out get none; past days never change."""
    days = {d.date: [(w.start, w.end) for w in d.windows] for d in body.days}
    view = availability.replace_week(db, user_id=user.id, week_start=week_start, days=days, now=utc_now())
    invalidate(request)
    return view


@router.post("/availability/weeks/{week_start}/copy", response_model=WrittenDays)
def copy_week(week_start: Day, body: CopyWeek, user: AvailabilityEditor, db: SessionDep, request: Request):
    result = availability.copy_week(db, user_id=user.id, week_start=week_start, weeks=body.weeks, now=utc_now())
    invalidate(request)
    return result


@router.post("/availability/pattern", response_model=WrittenDays)
def apply_pattern(body: PatternIn, user: AvailabilityEditor, db: SessionDep, request: Request):
    pattern = {WEEKDAYS.index(day): [(w.start, w.end) for w in windows] for day, windows in body.pattern.items()}
    result = availability.apply_pattern(
        db, user_id=user.id, start_date=body.start_date, end_date=body.end_date, pattern=pattern, now=utc_now()
    )
    invalidate(request)
    return result


@router.get("/blackouts", response_model=BlackoutList)
def list_blackouts(user: AvailabilityEditor, db: SessionDep):
    return {"blackouts": availability.list_blackouts(db, user_id=user.id, now=utc_now())}


@router.post("/blackouts", status_code=201, response_model=BlackoutOut)
def add_blackout(body: BlackoutIn, user: AvailabilityEditor, db: SessionDep, request: Request):
    result = availability.add_blackout(db, user_id=user.id, day=body.date, reason=body.reason, now=utc_now())
    invalidate(request)
    return result


@router.delete("/blackouts/{day}", status_code=204)
def remove_blackout(day: Day, user: AvailabilityEditor, db: SessionDep, request: Request):
    availability.remove_blackout(db, user_id=user.id, day=day, now=utc_now())
    invalidate(request)
    return Response(status_code=204)


# ---- lessons -----------------------------------------------------------------------------------


@router.get("/bookings", response_model=BookingList)
def list_lessons(
    user: LessonViewer,
    db: SessionDep,
    when: Annotated[Literal["upcoming", "past"], Query()] = "upcoming",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
):
    profile = instructors.profile_for_user(db, user_id=user.id)
    rows = bookings.list_bookings(db, now=utc_now(), when=when, instructor_id=profile.id, limit=limit, offset=offset)
    return {"when": when, "limit": limit, "offset": offset, "bookings": [bookings.public_view(r) for r in rows]}


@router.get("/bookings/{booking_id}", response_model=BookingOut)
def get_lesson(booking_id: uuid.UUID, user: LessonViewer, db: SessionDep):
    return bookings.public_view(bookings.get(db, booking_id=booking_id, user_id=user.id))


@router.post("/bookings/{booking_id}/complete", response_model=BookingOut)
def complete_lesson(booking_id: uuid.UUID, user: LessonManager, db: SessionDep, request: Request):
    view = bookings.complete(db, booking_id=booking_id, user_id=user.id, now=utc_now())
    invalidate(request)
    return bookings.public_view(view)


@router.post("/bookings/{booking_id}/no-show", response_model=BookingOut)
def mark_no_show(booking_id: uuid.UUID, user: LessonManager, db: SessionDep, request: Request):
    view = bookings.mark_no_show(db, booking_id=booking_id, user_id=user.id, now=utc_now())
    invalidate(request)
    return bookings.public_view(view)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut)
def cancel_lesson(booking_id: uuid.UUID, user: LessonManager, db: SessionDep, request: Request):
    """The instructor cancels: always a full refund for the student."""
    view = bookings.cancel(db, booking_id=booking_id, user_id=user.id, now=utc_now(), as_instructor=True)
    invalidate(request)
    return bookings.public_view(view)
