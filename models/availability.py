"""Availability: one table of (instructor, date, start, end) windows, with no link to bookings."""

from __future__ import annotations

import uuid
from datetime import date, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Time, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, uuid_pk


class AvailabilitySlot(Base):
    __tablename__ = "availability_slots"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="end_after_start"),
        # Windows of one instructor never overlap; the API validates first, this is the backstop.
        ExcludeConstraint(
            ("instructor_id", "="),
            (text("tsrange(slot_date + start_time, slot_date + end_time, '[)')"), "&&"),
            name="ex_availability_slots_overlap",
            using="gist",
        ),
        Index("ix_availability_slots_instructor_date", "instructor_id", "slot_date"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    instructor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instructor_profiles.id", ondelete="CASCADE"), nullable=False
    )
    slot_date: Mapped[date] = mapped_column(Date, nullable=False)
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    end_time: Mapped[time] = mapped_column(Time, nullable=False)


class BlackoutDate(Base):
    __tablename__ = "blackout_dates"
    __table_args__ = (UniqueConstraint("instructor_id", "blackout_date", name="uq_blackout_dates_day"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    instructor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instructor_profiles.id", ondelete="CASCADE"), nullable=False
    )
    blackout_date: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")
