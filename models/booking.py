"""Time-based bookings. Overlaps are refused by the database (btree_gist EXCLUDE), not by the app."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.dialects.postgresql import UUID, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, in_list, updated_at, uuid_pk

STATUSES = ("confirmed", "completed", "cancelled", "no_show", "rescheduled")
# Statuses that hold the instructor's (and student's) time.
LIVE_STATUSES = ("confirmed", "completed", "no_show")
LOCATION_TYPES = ("in_person", "online")
CANCELLATION_KINDS = ("full_refund", "late")

_LIVE = text(in_list("status", LIVE_STATUSES))
_RANGE = text("tsrange(booking_date + start_time, booking_date + end_time, '[)')")


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(in_list("status", STATUSES), name="status"),
        CheckConstraint(in_list("location_type", LOCATION_TYPES), name="location_type"),
        CheckConstraint(
            "cancellation_kind IS NULL OR " + in_list("cancellation_kind", CANCELLATION_KINDS),
            name="cancellation_kind",
        ),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("total_price >= 0 AND hourly_rate >= 0", name="price"),
        ExcludeConstraint(
            ("instructor_id", "="),
            (_RANGE, "&&"),
            name="ex_bookings_instructor_overlap",
            using="gist",
            where=_LIVE,
        ),
        ExcludeConstraint(
            ("student_id", "="),
            (_RANGE, "&&"),
            name="ex_bookings_student_overlap",
            using="gist",
            where=_LIVE,
        ),
        Index("ix_bookings_instructor_date", "instructor_id", "booking_date"),
        Index("ix_bookings_student_date", "student_id", "booking_date"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    instructor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instructor_profiles.id"), nullable=False)
    instructor_service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instructor_services.id"), nullable=False)
    booking_date: Mapped[date] = mapped_column(Date, nullable=False)
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    end_time: Mapped[time] = mapped_column(Time, nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="confirmed", server_default="confirmed")
    location_type: Mapped[str] = mapped_column(String(20), nullable=False)
    location: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    # Price snapshot at booking time: later price edits never change a booked lesson.
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(8, 2), nullable=False)
    total_price: Mapped[Decimal] = mapped_column(Numeric(8, 2), nullable=False)
    # Layer independence: no FK, availability can change under a booking.
    availability_slot_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    rescheduled_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bookings.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    cancellation_kind: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
