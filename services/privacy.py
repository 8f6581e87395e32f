"""A person's own data: export everything we hold about them, or anonymize the account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import Session

from models import (
    Booking,
    InstructorProfile,
    InstructorService,
    PasswordResetToken,
    SearchHistory,
    User,
    UserPermission,
)
from services import analytics, history, outbox, passwords, permissions
from services.errors import BadRequest, Conflict

# Statuses of a booking that is still going to happen (see models.booking.STATUSES).
UPCOMING_STATUSES = ("confirmed",)
ANONYMOUS_NAME = "Deleted user"


def _profile(db: Session, user_id: uuid.UUID) -> InstructorProfile | None:
    return db.execute(select(InstructorProfile).where(InstructorProfile.user_id == user_id)).scalar_one_or_none()


def _mine(user_id: uuid.UUID, profile: InstructorProfile | None):
    if profile is None:
        return Booking.student_id == user_id
    return or_(Booking.student_id == user_id, Booking.instructor_id == profile.id)


def upcoming_bookings(db: Session, *, user_id: uuid.UUID, tz: str, now: datetime | None = None) -> int:
    """How many live bookings (as student or instructor) start after now, in the city's local time."""
    now = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    profile = _profile(db, user_id)
    return db.execute(
        select(text("count(*)"))
        .select_from(Booking)
        .where(
            _mine(user_id, profile),
            Booking.status.in_(UPCOMING_STATUSES),
            text("(bookings.booking_date + bookings.start_time) > :now").bindparams(now=now),
        )
    ).scalar_one()


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def export(db: Session, *, user: User) -> dict:
    """Profile, bookings (as student and as instructor), the whole search history, and the searches and
    clicks search analytics holds of the person (signed in), as plain JSON."""
    history.flush_pending()  # the searches still queued belong in the export
    profile = _profile(db, user.id)
    bookings = db.execute(
        select(Booking).where(_mine(user.id, profile)).order_by(Booking.booking_date, Booking.start_time)
    ).scalars()
    rows = db.execute(
        select(SearchHistory).where(SearchHistory.user_id == user.id).order_by(SearchHistory.last_searched_at.desc())
    ).scalars()
    return {
        "exported_at": datetime.now(UTC).isoformat(),
        "profile": {
            "id": str(user.id),
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role,
            "is_active": user.is_active,
            "created_at": _iso(user.created_at),
            "permissions": sorted(permissions.effective(db, user_id=user.id, role=user.role)),
            "instructor_profile": None
            if profile is None
            else {
                "id": str(profile.id),
                "bio": profile.bio,
                "years_experience": profile.years_experience,
                "languages": profile.languages,
                "boroughs": profile.boroughs,
                "neighborhoods": profile.neighborhoods,
            },
        },
        "bookings": [
            {
                "id": str(b.id),
                "as": "student" if b.student_id == user.id else "instructor",
                "instructor_id": str(b.instructor_id),
                "instructor_service_id": str(b.instructor_service_id),
                "date": _iso(b.booking_date),
                "start_time": _iso(b.start_time),
                "end_time": _iso(b.end_time),
                "duration_minutes": b.duration_minutes,
                "status": b.status,
                "location_type": b.location_type,
                "location": b.location,
                "hourly_rate": str(b.hourly_rate),
                "total_price": str(b.total_price),
                "notes": b.notes,
                "created_at": _iso(b.created_at),
                "cancelled_at": _iso(b.cancelled_at),
            }
            for b in bookings
        ],
        "search_history": [
            {
                "id": str(h.id),
                "query": h.query,
                "normalized_query": h.normalized_query,
                "search_type": h.search_type,
                "result_count": h.result_count,
                "search_count": h.search_count,
                "first_searched_at": _iso(h.first_searched_at),
                "last_searched_at": _iso(h.last_searched_at),
                "deleted_at": _iso(h.deleted_at),
            }
            for h in rows
        ],
        **analytics.export(db, user_id=user.id),
    }


def delete_account(db: Session, *, user: User, password: str, tz: str, now: datetime | None = None) -> bool:
    """Anonymize the account, its search impressions and events, and remove its search history, after
    checking the password. Refused while the person has upcoming bookings. Returns True for an
    instructor, whose cached listings and public page must go."""
    if not passwords.verify_password(user.password_hash, password):
        raise BadRequest("The password is incorrect.", code="wrong_password")
    now = now or datetime.now(UTC)
    analytics.flush_pending()  # before any lock: the queued impressions are written, then anonymized
    # Never the last account that can manage users (F14); the mutex comes before any user row.
    managers = permissions.lock_user_managers(db)
    db.execute(select(User.id).where(User.id == user.id).with_for_update())
    if permissions.user_managers(db, managers, excluding=user.id) == 0 and permissions.MANAGE_USERS in (
        permissions.effective(db, user_id=user.id, role=user.role)
    ):
        raise Conflict(permissions.LAST_MANAGER, code="last_admin")
    upcoming = upcoming_bookings(db, user_id=user.id, tz=tz, now=now)
    if upcoming:
        raise Conflict(
            f"You have {upcoming} upcoming booking{'s' if upcoming != 1 else ''}; cancel "
            f"{'them' if upcoming != 1 else 'it'} (or wait until after the lesson) before deleting "
            "your account.",
            code="upcoming_bookings",
        )
    history.erase(db, user_id=user.id)
    analytics.anonymize_user(db, user_id=user.id, now=now)  # kept for aggregates, unlinkable
    db.execute(delete(UserPermission).where(UserPermission.user_id == user.id))
    db.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    db.execute(update(Booking).where(Booking.student_id == user.id).values(notes=""))
    outbox.forget_recipient(db, email=user.email)
    profile = _profile(db, user.id)
    # An instructor's public page (name, bio) is cached even when no service is listed.
    withdrawn = profile is not None
    if profile is not None:
        profile.bio = ""
        db.execute(
            update(InstructorService)
            .where(InstructorService.profile_id == profile.id, InstructorService.is_active)
            .values(is_active=False)
        )
    user.email = f"deleted-{user.id.hex}@deleted.invalid"
    user.full_name = ANONYMOUS_NAME
    user.password_hash = "!deleted"  # not an Argon2 hash: matches no password
    user.is_active = False
    user.anonymized_at = now
    user.token_version = user.token_version + 1
    db.commit()
    return withdrawn
