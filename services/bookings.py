"""Bookings: create, list, cancel, reschedule, complete, no-show.

Overlaps are decided by the database: the btree_gist EXCLUDE constraints ex_bookings_instructor_overlap
and ex_bookings_student_overlap refuse a second live booking over the same time, inside the
transaction that inserts it; we turn that refusal into a Conflict naming what overlapped.
Times are NYC wall-clock in the table; inputs and outputs are timezone-aware datetimes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import ParamSpec

from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased

from core.clock import MARKET_TZ
from models import (
    AvailabilitySlot,
    BlackoutDate,
    Booking,
    IdempotencyKey,
    InstructorProfile,
    InstructorService,
    Service,
    User,
)
from models.booking import LOCATION_TYPES
from services import analytics, mail, outbox
from services.errors import Conflict, Deadlocked, Invalid, NotFound, Unauthorized
from services.sql import affected

GRID_MINUTES = 15
FULL_REFUND_NOTICE = timedelta(hours=24)
OVERLAP_MESSAGES = {
    "ex_bookings_instructor_overlap": (
        "slot_taken",
        "The instructor already has a lesson at that time; pick another slot.",
    ),
    "ex_bookings_student_overlap": ("student_overlap", "You already have a lesson booked that overlaps this time."),
}


# ---- time helpers ------------------------------------------------------------------------------


def market_local(dt: datetime) -> datetime:
    """An aware datetime as naive NYC wall-clock time (how bookings are stored)."""
    if dt.tzinfo is None:
        raise Invalid(
            "Give times in ISO 8601 with a UTC offset, e.g. 2026-05-02T10:00:00-04:00.",
            code="naive_datetime",
            field="start",
        )
    return dt.astimezone(MARKET_TZ).replace(tzinfo=None)


def aware(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=MARKET_TZ)


def iso(day: date, at: time) -> str:
    return aware(day, at).isoformat()


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- validation of a wanted lesson -------------------------------------------------------------


@dataclass
class Plan:
    profile: InstructorProfile
    offering: InstructorService
    service: Service
    day: date
    start: time
    end: time
    minutes: int
    location_type: str
    hourly_rate: Decimal
    availability_slot_id: uuid.UUID | None


def _find_offering(
    db: Session, *, profile_id: uuid.UUID, instructor_service_id: uuid.UUID | None, service_slug: str | None
) -> tuple[InstructorService, Service]:
    stmt = (
        select(InstructorService, Service)
        .join(Service, Service.id == InstructorService.service_id)
        .where(InstructorService.profile_id == profile_id, InstructorService.is_active)
    )
    if instructor_service_id is not None:
        stmt = stmt.where(InstructorService.id == instructor_service_id)
    elif service_slug:
        stmt = stmt.where(Service.slug == service_slug)
    else:
        raise Invalid("Say which service to book (instructor_service_id or service).", field="service")
    row = db.execute(stmt).first()
    if row is None:
        raise Invalid("This instructor does not offer that service.", code="service_not_offered", field="service")
    return row[0], row[1]


def plan_lesson(
    db: Session,
    *,
    instructor_id: uuid.UUID,
    start: datetime,
    duration_minutes: int,
    location_type: str,
    now: datetime,
    notice_minutes: int,
    instructor_service_id: uuid.UUID | None = None,
    service_slug: str | None = None,
    student_id: uuid.UUID | None = None,
) -> Plan:
    """Every check a new lesson must pass except overlaps (those are the database's job)."""
    if location_type not in LOCATION_TYPES:
        raise Invalid(f"format must be one of {', '.join(LOCATION_TYPES)}.", field="format")
    profile = db.get(InstructorProfile, instructor_id)
    if profile is None:
        raise NotFound("No such instructor.", code="instructor_not_found")
    teacher = _lock_account(db, profile.user_id)
    # Only an active instructor is bookable: one an admin demoted keeps the lessons booked so far (the
    # student still sees and cancels them) but takes no new ones (F15).
    if teacher is None or teacher.role != "instructor" or not teacher.is_active or teacher.anonymized_at is not None:
        raise NotFound("No such instructor.", code="instructor_not_found")
    if student_id is not None and profile.user_id == student_id:
        raise Invalid("You cannot book a lesson with yourself.", code="self_booking")
    offering, service = _find_offering(
        db, profile_id=profile.id, instructor_service_id=instructor_service_id, service_slug=service_slug
    )
    if duration_minutes not in offering.duration_options:
        options = ", ".join(str(m) for m in sorted(offering.duration_options))
        raise Invalid(
            f"{service.name} lessons with this instructor last {options} minutes, not {duration_minutes}.",
            code="duration_not_offered",
            field="duration_minutes",
        )
    rate = offering.price_in_person if location_type == "in_person" else offering.price_online
    if rate is None:
        raise Invalid(
            f"This instructor does not teach {service.name} "
            f"{'in person' if location_type == 'in_person' else 'online'}.",
            code="format_not_offered",
            field="format",
        )
    local = market_local(start)
    if local.minute % GRID_MINUTES or local.second or local.microsecond:
        raise Invalid(
            f"Lessons start on the quarter hour (:00, :15, :30, :45); {local:%H:%M:%S} is not.",
            code="off_grid",
            field="start",
        )
    earliest = now + timedelta(minutes=notice_minutes)
    if aware(local.date(), local.time()) < earliest:
        raise Invalid(
            f"Book at least {notice_minutes} minutes ahead; the earliest start now is "
            f"{earliest.astimezone(MARKET_TZ):%Y-%m-%d %H:%M} New York time.",
            code="too_soon",
            field="start",
        )
    end = local + timedelta(minutes=duration_minutes)
    if end.date() != local.date():
        raise Invalid("A lesson must end by midnight, New York time.", code="crosses_midnight", field="start")
    day, start_t, end_t = local.date(), local.time(), end.time()
    blackout = db.execute(
        select(BlackoutDate.id).where(BlackoutDate.instructor_id == profile.id, BlackoutDate.blackout_date == day)
    ).first()
    if blackout:
        raise Invalid(f"The instructor is not available on {day:%A %Y-%m-%d}.", code="blackout", field="start")
    slot_id = db.execute(
        select(AvailabilitySlot.id).where(
            AvailabilitySlot.instructor_id == profile.id,
            AvailabilitySlot.slot_date == day,
            AvailabilitySlot.start_time <= start_t,
            AvailabilitySlot.end_time >= end_t,
        )
    ).scalar()
    if slot_id is None:
        raise Invalid(
            f"The instructor is not available {day:%Y-%m-%d} {start_t:%H:%M}–{end_t:%H:%M} (New York time).",
            code="outside_availability",
            field="start",
        )
    return Plan(profile, offering, service, day, start_t, end_t, duration_minutes, location_type, _money(rate), slot_id)


def _lock_account(db: Session, user_id: uuid.UUID):
    """The account's row (role and state), share-locked until the booking commits (F3). An account
    deletion or a role change holds the row for update: a booking waits for it and then reads what it
    committed, and one that comes later waits for the booking and then counts it. Columns, not the
    User entity, so a copy already in the session cannot hide a change."""
    return db.execute(
        select(User.role, User.is_active, User.anonymized_at).where(User.id == user_id).with_for_update(read=True)
    ).first()


def _flush_or_conflict(db: Session) -> None:
    """Flush the pending insert; an EXCLUDE violation becomes a Conflict naming the overlap."""
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or ""
        if name in OVERLAP_MESSAGES:
            code, message = OVERLAP_MESSAGES[name]
            raise Conflict(message, code=code, constraint=name) from None
        raise
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "40P01":
            raise
        db.rollback()  # two writers waited on each other; Postgres aborted one of them
        raise Deadlocked(
            "Someone else was booking this time at the same moment; try again.", code="busy_retry"
        ) from None


# ---- views -------------------------------------------------------------------------------------

_IU = aliased(User, name="iu")
_SU = aliased(User, name="su")
_NEXT = aliased(Booking, name="nb")


def _view_query():
    return (
        select(
            Booking,
            Service.slug,
            Service.name,
            _IU.full_name,
            _IU.email,
            _IU.id,
            _SU.full_name,
            _SU.email,
            select(_NEXT.id)
            .where(_NEXT.rescheduled_from_id == Booking.id)
            .limit(1)
            .correlate(Booking)
            .scalar_subquery(),
        )
        .join(InstructorService, InstructorService.id == Booking.instructor_service_id)
        .join(Service, Service.id == InstructorService.service_id)
        .join(InstructorProfile, InstructorProfile.id == Booking.instructor_id)
        .join(_IU, _IU.id == InstructorProfile.user_id)
        .join(_SU, _SU.id == Booking.student_id)
    )


def _as_view(row) -> dict:
    b, slug, service_name, i_name, i_email, i_user, s_name, s_email, next_id = row
    return {
        "id": str(b.id),
        "status": b.status,
        "instructor": {"id": str(b.instructor_id), "name": i_name},
        "student": {"id": str(b.student_id), "name": s_name},
        "service": {"instructor_service_id": str(b.instructor_service_id), "slug": slug, "name": service_name},
        "start": iso(b.booking_date, b.start_time),
        "end": iso(b.booking_date, b.end_time),
        "duration_minutes": b.duration_minutes,
        "format": b.location_type,
        "location": b.location,
        "hourly_rate": float(b.hourly_rate),
        "total_price": float(b.total_price),
        "notes": b.notes,
        "cancellation_kind": b.cancellation_kind,
        "cancelled_at": b.cancelled_at.isoformat() if b.cancelled_at else None,
        "rescheduled_from_id": str(b.rescheduled_from_id) if b.rescheduled_from_id else None,
        "rescheduled_to_id": str(next_id) if next_id else None,
        "created_at": b.created_at.isoformat() if b.created_at else None,
        # for emails and ownership checks; the routes never return these
        "_instructor_user_id": i_user,
        "_instructor_email": i_email,
        "_student_email": s_email,
    }


def public_view(view: dict) -> dict:
    return {k: v for k, v in view.items() if not k.startswith("_")}


def _load(db: Session, booking_id: uuid.UUID) -> dict:
    row = db.execute(_view_query().where(Booking.id == booking_id)).first()
    if row is None:
        raise NotFound("No such booking.", code="booking_not_found")
    return _as_view(row)


def _mail_fields(view: dict) -> dict:
    start = datetime.fromisoformat(view["start"])
    end = datetime.fromisoformat(view["end"])
    place = (
        "online"
        if view["format"] == "online"
        else (f"in person at {view['location']}" if view["location"] else "in person")
    )
    return {
        "id": view["id"],
        "service_name": view["service"]["name"],
        "instructor_name": view["instructor"]["name"],
        "student_name": view["student"]["name"],
        "date_text": f"{start:%A, %B} {start.day}",
        "start_text": f"{start:%H:%M}",
        "end_text": f"{end:%H:%M}",
        "duration_minutes": view["duration_minutes"],
        "format_text": place,
        "total_price": f"{view['total_price']:.2f}",
    }


def _email(db: Session, *, kind: str, to: str, subject_body: tuple[str, str], booking_id: str) -> None:
    if to:
        subject, body = subject_body
        outbox.enqueue(db, kind=kind, recipient=to, subject=subject, body=body, payload={"booking_id": booking_id})


# ---- create ------------------------------------------------------------------------------------


# Concurrent inserts checked by the same exclusion constraint can wait on each other (a student's
# double click onto two instructors): the victim is run once more, and then finds the overlap.
DEADLOCK_RETRIES = 2
P = ParamSpec("P")


def _retried_on_deadlock(write: Callable[P, dict]) -> Callable[P, dict]:
    """`write`, run again when Postgres picks it as a deadlock's victim (it was rolled back whole)."""

    @functools.wraps(write)
    def run(*args: P.args, **kwargs: P.kwargs) -> dict:
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                return write(*args, **kwargs)
            except Deadlocked:
                if attempt == DEADLOCK_RETRIES:
                    raise
        raise AssertionError("unreachable")

    return run


@_retried_on_deadlock
def create(
    db: Session,
    *,
    student_id: uuid.UUID,
    instructor_id: uuid.UUID,
    start: datetime,
    duration_minutes: int,
    location_type: str,
    now: datetime,
    notice_minutes: int,
    instructor_service_id: uuid.UUID | None = None,
    service_slug: str | None = None,
    location: str = "",
    notes: str = "",
    idempotency_key: str | None = None,
    search_id: uuid.UUID | None = None,
) -> dict:
    """A confirmed booking, with its confirmation emails queued, in one transaction; made from a result
    of search `search_id`, it is attributed to that search (services/analytics.py) in the same one.

    With an idempotency key, a retry of the same request (same key, same meaning) returns the booking
    the first one made, marked "_replayed", instead of a conflict; the same key with another request
    is refused (422). The key is claimed before anything else, so a concurrent retry waits for the
    first attempt to commit (and then replays it) or to fail (and then books itself)."""
    if idempotency_key is not None:
        fingerprint = _fingerprint(
            instructor_id=instructor_id,
            instructor_service_id=instructor_service_id,
            service_slug=service_slug,
            start=start,
            duration_minutes=duration_minutes,
            location_type=location_type,
            location=location,
            notes=notes,
        )
        earlier = _claim_key(db, student_id=student_id, key=idempotency_key, fingerprint=fingerprint)
        if earlier is not None:
            return earlier
    student = _lock_account(db, student_id)
    if student is None or not student.is_active or student.anonymized_at is not None:
        raise Unauthorized("This account is not active.", code="inactive")
    plan = plan_lesson(
        db,
        instructor_id=instructor_id,
        start=start,
        duration_minutes=duration_minutes,
        location_type=location_type,
        now=now,
        notice_minutes=notice_minutes,
        instructor_service_id=instructor_service_id,
        service_slug=service_slug,
        student_id=student_id,
    )
    booking = _new_booking(plan, student_id=student_id, location=location, notes=notes, hourly_rate=plan.hourly_rate)
    db.add(booking)
    _flush_or_conflict(db)
    if idempotency_key is not None:
        db.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == student_id, IdempotencyKey.key == idempotency_key)
            .values(booking_id=booking.id)
        )
    if search_id is not None:
        analytics.attribute_booking(
            db,
            search_id=search_id,
            booking_id=booking.id,
            instructor_service_id=booking.instructor_service_id,
            user_id=student_id,
        )
    view = _load(db, booking.id)
    view["_replayed"] = False
    fields = _mail_fields(view)
    _email(
        db,
        kind="booking_confirmation",
        to=view["_student_email"],
        subject_body=mail.confirmation(fields),
        booking_id=view["id"],
    )
    _email(
        db,
        kind="booking_new_for_instructor",
        to=view["_instructor_email"],
        subject_body=mail.instructor_new_booking(fields),
        booking_id=view["id"],
    )
    db.commit()
    return view


# ---- idempotency keys --------------------------------------------------------------------------

IDEMPOTENCY_KEEP_DAYS = 7  # how long a retry finds its booking (retention deletes older keys)


def _fingerprint(**request: object) -> str:
    """What a booking request means, hashed: the same instant in another UTC offset is the same."""
    start = request["start"]
    if isinstance(start, datetime) and start.tzinfo is not None:
        request["start"] = start.astimezone(UTC).isoformat()
    text = json.dumps({k: (str(v) if v is not None else None) for k, v in sorted(request.items())})
    return hashlib.sha256(text.encode()).hexdigest()


def _claim_key(db: Session, *, student_id: uuid.UUID, key: str, fingerprint: str) -> dict | None:
    """Claim the key for this request (None), or the booking an earlier request with it made. The
    insert waits for a concurrent transaction holding the same key to end."""
    claimed = db.execute(
        insert(IdempotencyKey)
        .values(user_id=student_id, key=key, request_hash=fingerprint)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyKey.key)
    ).first()
    if claimed is not None:
        return None
    row = db.execute(
        select(IdempotencyKey.request_hash, IdempotencyKey.booking_id).where(
            IdempotencyKey.user_id == student_id, IdempotencyKey.key == key
        )
    ).one()
    db.rollback()
    if row.request_hash != fingerprint:
        raise Invalid(
            "This Idempotency-Key was used for another booking request; use a new key for a new request.",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    if row.booking_id is None:  # cannot be committed so; a concurrent attempt is still deciding
        raise Conflict("This booking request is being made right now; try again.", code="busy_retry")
    view = _load(db, row.booking_id)
    view["_replayed"] = True
    return view


def purge_idempotency_keys(db: Session, *, now: datetime | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEEP_DAYS; the caller commits."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=IDEMPOTENCY_KEEP_DAYS)
    return affected(db.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)))


def _new_booking(
    plan: Plan,
    *,
    student_id: uuid.UUID,
    location: str,
    notes: str,
    hourly_rate: Decimal,
    rescheduled_from_id: uuid.UUID | None = None,
) -> Booking:
    return Booking(
        id=uuid.uuid4(),
        student_id=student_id,
        instructor_id=plan.profile.id,
        instructor_service_id=plan.offering.id,
        booking_date=plan.day,
        start_time=plan.start,
        end_time=plan.end,
        duration_minutes=plan.minutes,
        status="confirmed",
        location_type=plan.location_type,
        location=(location or "").strip(),
        notes=(notes or "").strip(),
        hourly_rate=hourly_rate,
        total_price=_money(hourly_rate * plan.minutes / 60),
        availability_slot_id=plan.availability_slot_id,
        rescheduled_from_id=rescheduled_from_id,
    )


# ---- read --------------------------------------------------------------------------------------


def get(db: Session, *, booking_id: uuid.UUID, user_id: uuid.UUID, see_all: bool = False) -> dict:
    """A booking the user takes part in (as student or instructor); anyone else's is 'not found'."""
    view = _load(db, booking_id)
    if not see_all and user_id not in (uuid.UUID(view["student"]["id"]), view["_instructor_user_id"]):
        raise NotFound("No such booking.", code="booking_not_found")
    return view


def list_bookings(
    db: Session,
    *,
    now: datetime,
    when: str,
    student_id: uuid.UUID | None = None,
    instructor_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict]:
    """'upcoming': confirmed lessons that have not ended, soonest first.
    'past': everything else (ended, cancelled, rescheduled, completed, no-show), latest first."""
    local_now = now.astimezone(MARKET_TZ).replace(tzinfo=None)
    ends = Booking.booking_date + Booking.end_time
    upcoming = and_(Booking.status == "confirmed", ends > local_now)
    stmt = _view_query()
    if student_id is not None:
        stmt = stmt.where(Booking.student_id == student_id)
    if instructor_id is not None:
        stmt = stmt.where(Booking.instructor_id == instructor_id)
    if when == "upcoming":
        stmt = stmt.where(upcoming).order_by(Booking.booking_date, Booking.start_time, Booking.id)
    elif when == "past":
        stmt = stmt.where(~upcoming).order_by(Booking.booking_date.desc(), Booking.start_time.desc(), Booking.id)
    else:
        raise Invalid("when must be 'upcoming' or 'past'.", field="when")
    return [_as_view(r) for r in db.execute(stmt.limit(limit).offset(offset))]


# ---- transitions -------------------------------------------------------------------------------


def _lock(db: Session, booking_id: uuid.UUID) -> Booking:
    booking = db.execute(select(Booking).where(Booking.id == booking_id).with_for_update()).scalar_one_or_none()
    if booking is None:
        raise NotFound("No such booking.", code="booking_not_found")
    return booking


def _must_be_confirmed(booking: Booking, action: str) -> None:
    if booking.status != "confirmed":
        raise Conflict(
            f"This booking is {booking.status.replace('_', ' ')}; only a confirmed booking can be {action}.",
            code="invalid_transition",
            status=booking.status,
        )


def _instructor_user(db: Session, booking: Booking) -> uuid.UUID:
    return db.execute(
        select(InstructorProfile.user_id).where(InstructorProfile.id == booking.instructor_id)
    ).scalar_one()


def cancel(
    db: Session, *, booking_id: uuid.UUID, user_id: uuid.UUID, now: datetime, as_instructor: bool = False
) -> dict:
    """Students cancel their lessons; 24 h or more ahead is a full refund, less is 'late'.
    An instructor who cancels always refunds in full."""
    booking = _lock(db, booking_id)
    owner = _instructor_user(db, booking) if as_instructor else booking.student_id
    if owner != user_id:
        raise NotFound("No such booking.", code="booking_not_found")
    _must_be_confirmed(booking, "cancelled")
    starts = aware(booking.booking_date, booking.start_time)
    if starts <= now:
        raise Conflict("The lesson has already started; it can no longer be cancelled.", code="already_started")
    kind = "full_refund" if as_instructor or starts - now >= FULL_REFUND_NOTICE else "late"
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.cancelled_by = user_id
    booking.cancellation_kind = kind
    db.flush()
    view = _load(db, booking.id)
    fields = _mail_fields(view)
    _email(
        db,
        kind="booking_cancelled",
        to=view["_student_email"],
        booking_id=view["id"],
        subject_body=mail.cancellation(fields, recipient_name=view["student"]["name"], kind=kind),
    )
    _email(
        db,
        kind="booking_cancelled",
        to=view["_instructor_email"],
        booking_id=view["id"],
        subject_body=mail.cancellation(fields, recipient_name=view["instructor"]["name"], kind=kind),
    )
    db.commit()
    return view


def reschedule(
    db: Session,
    *,
    booking_id: uuid.UUID,
    user_id: uuid.UUID,
    start: datetime,
    now: datetime,
    notice_minutes: int,
    duration_minutes: int | None = None,
    location_type: str | None = None,
    location: str | None = None,
) -> tuple[dict, dict]:
    """A new booking linked to the old one (old → 'rescheduled'), in one transaction. The old
    lesson's time is released first, so moving a lesson by 15 minutes works. Same format keeps
    the booked rate; a new format takes that format's current price."""
    old = _lock(db, booking_id)
    if old.student_id != user_id:
        raise NotFound("No such booking.", code="booking_not_found")
    _must_be_confirmed(old, "rescheduled")
    if aware(old.booking_date, old.start_time) <= now:
        raise Conflict("The lesson has already started; it can no longer be rescheduled.", code="already_started")
    # Otherwise moving a lesson would dodge the late-cancellation rule: move it, then cancel early.
    if aware(old.booking_date, old.start_time) - now < FULL_REFUND_NOTICE:
        raise Conflict(
            "Lessons can be rescheduled up to 24 hours before they start; this one can only be "
            "cancelled now (a late cancellation).",
            code="too_late_to_reschedule",
        )
    minutes = duration_minutes or old.duration_minutes
    fmt = location_type or old.location_type
    plan = plan_lesson(
        db,
        instructor_id=old.instructor_id,
        start=start,
        duration_minutes=minutes,
        location_type=fmt,
        now=now,
        notice_minutes=notice_minutes,
        instructor_service_id=old.instructor_service_id,
        student_id=user_id,
    )
    if (plan.day, plan.start, plan.end, fmt) == (old.booking_date, old.start_time, old.end_time, old.location_type):
        raise Invalid("That is already the time of this booking.", code="same_time", field="start")
    old.status = "rescheduled"
    db.flush()
    rate = old.hourly_rate if fmt == old.location_type else plan.hourly_rate
    new = _new_booking(
        plan,
        student_id=old.student_id,
        hourly_rate=rate,
        rescheduled_from_id=old.id,
        location=old.location if location is None else location,
        notes=old.notes,
    )
    db.add(new)
    _flush_or_conflict(db)
    old_view, new_view = _load(db, old.id), _load(db, new.id)
    old_fields, new_fields = _mail_fields(old_view), _mail_fields(new_view)
    for to, name in (
        (new_view["_student_email"], new_view["student"]["name"]),
        (new_view["_instructor_email"], new_view["instructor"]["name"]),
    ):
        _email(
            db,
            kind="booking_rescheduled",
            to=to,
            booking_id=new_view["id"],
            subject_body=mail.reschedule(old_fields, new_fields, recipient_name=name),
        )
    db.commit()
    return old_view, new_view


def _instructor_transition(db: Session, *, booking_id: uuid.UUID, user_id: uuid.UUID) -> Booking:
    booking = _lock(db, booking_id)
    if _instructor_user(db, booking) != user_id:
        raise NotFound("No such booking.", code="booking_not_found")
    return booking


def complete(db: Session, *, booking_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> dict:
    booking = _instructor_transition(db, booking_id=booking_id, user_id=user_id)
    _must_be_confirmed(booking, "completed")
    ends = aware(booking.booking_date, booking.end_time)
    if now < ends:
        raise Conflict(
            f"The lesson ends at {ends:%Y-%m-%d %H:%M} New York time; complete it after that.", code="not_ended"
        )
    booking.status = "completed"
    db.commit()
    return _load(db, booking.id)


def mark_no_show(db: Session, *, booking_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> dict:
    booking = _instructor_transition(db, booking_id=booking_id, user_id=user_id)
    _must_be_confirmed(booking, "marked as a no-show")
    starts = aware(booking.booking_date, booking.start_time)
    if now < starts:
        raise Conflict(
            f"The lesson starts at {starts:%Y-%m-%d %H:%M} New York time; a no-show can only be marked after that.",
            code="not_started",
        )
    booking.status = "no_show"
    db.commit()
    return _load(db, booking.id)
