"""Reviews: one per completed lesson, written by its student (1–5 stars and a text)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, updated_at, uuid_pk

MAX_REVIEW_TEXT = 2000


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint(f"char_length(text) <= {MAX_REVIEW_TEXT}", name="text_length"),
        Index("ix_reviews_instructor_created", "instructor_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    # One review per lesson; deleting the booking (or its people) removes it.
    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    instructor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instructor_profiles.id", ondelete="CASCADE"), nullable=False
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    rating: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
