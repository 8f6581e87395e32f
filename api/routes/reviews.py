"""Reviews: the student of a completed lesson reviews it (POST, and again to edit it within 30 days);
anyone reads an instructor's reviews."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from api.caching import cached_json, invalidate
from api.deps import SessionDep
from api.schemas.reviews import MyReviewsOut, PublicReviewsOut, ReviewIn, ReviewOut
from api.security import require_permission
from core.clock import utc_now
from models import User
from services import reviews

router = APIRouter(tags=["reviews"])
Writer = Annotated[User, Depends(require_permission("write_reviews"))]
REVIEWS_MAX_AGE = 60


@router.post("/api/bookings/{booking_id}/review", status_code=201, response_model=ReviewOut)
def review_lesson(booking_id: uuid.UUID, body: ReviewIn, user: Writer, db: SessionDep, request: Request) -> Response:
    """Review a completed lesson of yours: 201 the first time, 200 for an edit (within 30 days)."""
    view, created = reviews.write(
        db, booking_id=booking_id, student_id=user.id, rating=body.rating, body=body.text, now=utc_now()
    )
    invalidate(request)  # the rating moved: search and the public pages show it
    return JSONResponse(view, status_code=201 if created else 200)


@router.get("/api/bookings/{booking_id}/review", response_model=ReviewOut)
def my_review_of(booking_id: uuid.UUID, user: Writer, db: SessionDep) -> dict:
    return reviews.of_booking(db, booking_id=booking_id, student_id=user.id)


@router.get("/api/reviews", response_model=MyReviewsOut)
def my_reviews(
    user: Writer,
    db: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict:
    """The reviews you wrote, newest first (each says until when it can be edited)."""
    return {"reviews": reviews.mine(db, student_id=user.id, limit=limit, offset=offset)}


@router.get("/api/public/instructors/{instructor_id}/reviews", response_model=PublicReviewsOut)
def instructor_reviews(
    instructor_id: uuid.UUID,
    request: Request,
    db: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """An instructor's reviews, newest first, with the number of reviews per star."""
    return cached_json(
        request,
        f"reviews:{instructor_id}:{limit}:{offset}",
        REVIEWS_MAX_AGE,
        lambda: reviews.for_instructor(db, instructor_id=instructor_id, limit=limit, offset=offset),
    )
