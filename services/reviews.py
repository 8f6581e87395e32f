"""Reviews: the student of a completed lesson rates it (1–5 stars) and says why; the review can be
edited for 30 days. An instructor's rating (instructor_profiles.rating_avg, rating_count, which search
ranks by) is recomputed from the reviews on every write, in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import Booking, InstructorProfile, Review, Service, User
from models import InstructorService as Offering
from models.review import MAX_REVIEW_TEXT
from services.errors import Conflict, Invalid, NotFound

EDIT_DAYS = 30
ANONYMOUS_AUTHOR = "A former student"


def _view(review: Review) -> dict:
    return {
        "id": str(review.id),
        "booking_id": str(review.booking_id),
        "instructor_id": str(review.instructor_id),
        "rating": review.rating,
        "text": review.text,
        "created_at": review.created_at.isoformat(),
        "updated_at": review.updated_at.isoformat(),
        "editable_until": (review.created_at + timedelta(days=EDIT_DAYS)).isoformat(),
    }


def recompute_rating(db: Session, instructor_id: uuid.UUID) -> None:
    """rating_avg and rating_count from the instructor's reviews (no reviews: no rating)."""
    count, average = db.execute(
        select(func.count(Review.id), func.round(func.avg(Review.rating), 2)).where(
            Review.instructor_id == instructor_id
        )
    ).one()
    db.execute(
        update(InstructorProfile)
        .where(InstructorProfile.id == instructor_id)
        .values(rating_count=count, rating_avg=average if count else None)
    )


def write(
    db: Session, *, booking_id: uuid.UUID, student_id: uuid.UUID, rating: int, body: str, now: datetime
) -> tuple[dict, bool]:
    """Review a completed lesson, or edit its review within EDIT_DAYS of writing it.
    Returns (review, created)."""
    if not 1 <= rating <= 5:
        raise Invalid("Give 1 to 5 stars.", field="rating")
    body = body.strip()
    if len(body) > MAX_REVIEW_TEXT:
        raise Invalid(f"Keep the review under {MAX_REVIEW_TEXT} characters.", field="text")
    booking = db.execute(select(Booking).where(Booking.id == booking_id).with_for_update()).scalar_one_or_none()
    if booking is None or booking.student_id != student_id:
        raise NotFound("No such booking.", code="booking_not_found")
    if booking.status != "completed":
        raise Conflict(
            f"Only a completed lesson can be reviewed; this one is {booking.status.replace('_', ' ')}.",
            code="not_completed",
            status=booking.status,
        )
    review = db.execute(select(Review).where(Review.booking_id == booking_id)).scalar_one_or_none()
    created = review is None
    if review is None:
        review = Review(
            id=uuid.uuid4(),
            booking_id=booking.id,
            instructor_id=booking.instructor_id,
            student_id=student_id,
            rating=rating,
            text=body,
            created_at=now,
            updated_at=now,
        )
        db.add(review)
    else:
        if now > review.created_at + timedelta(days=EDIT_DAYS):
            raise Conflict(
                f"A review can be edited for {EDIT_DAYS} days after it was written; this one no longer.",
                code="review_locked",
            )
        review.rating, review.text, review.updated_at = rating, body, now
    db.flush()
    recompute_rating(db, booking.instructor_id)
    db.commit()
    return _view(review), created


def mine(db: Session, *, student_id: uuid.UUID, limit: int = 100, offset: int = 0) -> list[dict]:
    """The reviews this student wrote, newest first."""
    rows = db.execute(
        select(Review)
        .where(Review.student_id == student_id)
        .order_by(Review.created_at.desc(), Review.id)
        .limit(limit)
        .offset(offset)
    ).scalars()
    return [_view(r) for r in rows]


def of_booking(db: Session, *, booking_id: uuid.UUID, student_id: uuid.UUID) -> dict:
    review = db.execute(
        select(Review).where(Review.booking_id == booking_id, Review.student_id == student_id)
    ).scalar_one_or_none()
    if review is None:
        raise NotFound("This lesson has no review of yours.", code="review_not_found")
    return _view(review)


def _author(full_name: str, anonymized: bool) -> str:
    """First name and last initial ("Sam S."): enough to be a person, not enough to be found."""
    if anonymized:
        return ANONYMOUS_AUTHOR
    parts = full_name.split()
    if not parts:
        return ANONYMOUS_AUTHOR
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def for_instructor(db: Session, *, instructor_id: uuid.UUID, limit: int, offset: int) -> dict:
    """An instructor's public reviews, newest first, with the star histogram."""
    profile = db.execute(
        select(InstructorProfile)
        .join(User, User.id == InstructorProfile.user_id)
        .where(InstructorProfile.id == instructor_id, User.is_active, User.anonymized_at.is_(None))
    ).scalar_one_or_none()
    if profile is None:
        raise NotFound("No such instructor.", code="instructor_not_found")
    histogram = {str(stars): 0 for stars in range(5, 0, -1)}
    for stars, n in db.execute(
        select(Review.rating, func.count()).where(Review.instructor_id == instructor_id).group_by(Review.rating)
    ):
        histogram[str(stars)] = n
    rows = db.execute(
        select(Review, User.full_name, User.anonymized_at, Service.name, Booking.booking_date)
        .join(User, User.id == Review.student_id)
        .join(Booking, Booking.id == Review.booking_id)
        .join(Offering, Offering.id == Booking.instructor_service_id)
        .join(Service, Service.id == Offering.service_id)
        .where(Review.instructor_id == instructor_id)
        .order_by(Review.created_at.desc(), Review.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "instructor_id": str(instructor_id),
        "rating": float(profile.rating_avg) if profile.rating_avg is not None else None,
        "total": sum(histogram.values()),
        "histogram": histogram,
        "limit": limit,
        "offset": offset,
        "reviews": [
            {
                "id": str(r.id),
                "rating": r.rating,
                "text": r.text,
                "author": _author(name, anonymized is not None),
                "service": service,
                "lesson_date": day.isoformat(),
                "created_at": r.created_at.isoformat(),
                "edited": r.updated_at > r.created_at,
            }
            for r, name, anonymized, service, day in rows
        ],
    }
