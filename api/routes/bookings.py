"""Student bookings: /api/bookings (create, list, get, cancel, reschedule).

Refusals are services.errors, answered by the one handler in api.errors (NotFound → 404,
Invalid → 422, Conflict → 409, with a body {"detail", "code", ...})."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from api.caching import invalidate
from api.deps import SessionDep, SettingsDep
from api.schemas.bookings import BookingCreate, BookingList, BookingOut, Reschedule
from api.security import require_permission
from core.clock import utc_now
from models import User
from models.idempotency import MAX_KEY_LENGTH
from services import bookings, permissions

router = APIRouter(prefix="/api/bookings", tags=["bookings"])
Creator = Annotated[User, Depends(require_permission("create_bookings"))]
Viewer = Annotated[User, Depends(require_permission("view_own_bookings"))]
Manager = Annotated[User, Depends(require_permission("manage_own_bookings"))]
When = Annotated[Literal["upcoming", "past"], Query(description="upcoming: confirmed and not ended")]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=r"^[!-~]+$",  # visible ASCII, e.g. a UUID
        description="one key per booking attempt: a retry with the same key and body returns the "
        "original booking (200); the same key with another body is a 422",
    ),
]


@router.post("", status_code=201, response_model=BookingOut, responses={200: {"model": BookingOut}})
def create_booking(
    body: BookingCreate,
    user: Creator,
    db: SessionDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """201 with the new booking; 200 with the original one for a retry under the same Idempotency-Key."""
    view = bookings.create(
        db,
        student_id=user.id,
        instructor_id=body.instructor_id,
        start=body.start,
        duration_minutes=body.duration_minutes,
        location_type=body.format,
        location=body.location,
        notes=body.notes,
        instructor_service_id=body.instructor_service_id,
        service_slug=body.service,
        now=utc_now(),
        notice_minutes=settings.min_notice_minutes,
        idempotency_key=idempotency_key,
        search_id=body.search_id,
    )
    if view.get("_replayed"):
        response.status_code = 200
    else:
        invalidate(request)
    return bookings.public_view(view)


@router.get("", response_model=BookingList)
def list_my_bookings(user: Viewer, db: SessionDep, when: When = "upcoming", limit: Limit = 50, offset: Offset = 0):
    rows = bookings.list_bookings(db, now=utc_now(), when=when, student_id=user.id, limit=limit, offset=offset)
    return {"when": when, "limit": limit, "offset": offset, "bookings": [bookings.public_view(r) for r in rows]}


@router.get("/{booking_id}", response_model=BookingOut)
def get_booking(booking_id: uuid.UUID, user: Viewer, db: SessionDep):
    see_all = "view_all_bookings" in permissions.effective(db, user_id=user.id, role=user.role)
    return bookings.public_view(bookings.get(db, booking_id=booking_id, user_id=user.id, see_all=see_all))


@router.post("/{booking_id}/cancel", response_model=BookingOut)
def cancel_booking(booking_id: uuid.UUID, user: Manager, db: SessionDep, request: Request):
    view = bookings.cancel(db, booking_id=booking_id, user_id=user.id, now=utc_now())
    invalidate(request)
    return bookings.public_view(view)


@router.post("/{booking_id}/reschedule", status_code=201, response_model=BookingOut)
def reschedule_booking(
    booking_id: uuid.UUID, body: Reschedule, user: Manager, db: SessionDep, settings: SettingsDep, request: Request
):
    """A new booking linked to this one (rescheduled_from_id); this one becomes 'rescheduled'."""
    _, new = bookings.reschedule(
        db,
        booking_id=booking_id,
        user_id=user.id,
        start=body.start,
        duration_minutes=body.duration_minutes,
        location_type=body.format,
        location=body.location,
        now=utc_now(),
        notice_minutes=settings.min_notice_minutes,
    )
    invalidate(request)
    return bookings.public_view(new)
