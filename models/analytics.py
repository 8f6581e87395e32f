"""Search analytics: one impression per search or browse answer, the interactions with it, and the
daily salts of the visitor hash. No raw IP address is stored: `visitor_hash` is an HMAC of the
address under that day's random salt, and old salts are deleted (services/analytics.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, in_list

SURFACES = ("search", "service", "category")
EVENT_KINDS = ("result_click", "slot_click", "profile_view", "booking")


class SearchImpression(Base):
    """What one answer showed: `id` is the `search_id` the response carries. `result_ids` are the
    instructor-service ids in the order shown; the position of result_ids[i] is offset + i + 1.
    NULL result_ids: a revalidated browse answer (304) whose body the server did not send."""

    __tablename__ = "search_impressions"
    __table_args__ = (
        CheckConstraint(in_list("surface", SURFACES), name="surface"),
        Index("ix_search_impressions_created_at", "created_at"),
        Index("ix_search_impressions_user_id", "user_id", postgresql_where=text("user_id IS NOT NULL")),
        Index("ix_search_impressions_guest_id", "guest_id", postgresql_where=text("guest_id IS NOT NULL")),
        Index(
            "ix_search_impressions_experiment",
            "experiment",
            "created_at",
            postgresql_where=text("experiment IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    created_at: Mapped[datetime] = created_at()
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    guest_id: Mapped[str | None] = mapped_column(String(64))
    visitor_hash: Mapped[str | None] = mapped_column(String(64))
    surface: Mapped[str] = mapped_column(String(20), nullable=False)
    query: Mapped[str] = mapped_column(Text, nullable=False)
    normalized_query: Mapped[str] = mapped_column(Text, nullable=False)
    parsed: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    relaxed: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    kinds: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    result_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    total: Mapped[int | None] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    sort: Mapped[str] = mapped_column(String(20), nullable=False, server_default="relevance")
    submitted: Mapped[bool] = mapped_column(nullable=False, server_default=text("true"))
    ranker: Mapped[str] = mapped_column(String(80), nullable=False)
    anonymized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An interleaving experiment's answer: its name, and the config ("A" or "B") behind each result.
    experiment: Mapped[str | None] = mapped_column(String(80))
    teams: Mapped[list[str] | None] = mapped_column(ARRAY(Text))


class SearchEvent(Base):
    """A click on a result, on one of its slots, a profile view, or a booking made from a result.
    No foreign key to the impression: the impression is written after the answer is sent, and an
    event may arrive first; insights join them."""

    __tablename__ = "search_events"
    __table_args__ = (
        CheckConstraint(in_list("kind", EVENT_KINDS), name="kind"),
        CheckConstraint("position IS NULL OR position >= 1", name="position"),
        Index("ix_search_events_search_id", "search_id"),
        Index("ix_search_events_created_at", "created_at"),
        Index("ix_search_events_user_id", "user_id", postgresql_where=text("user_id IS NOT NULL")),
        Index("ix_search_events_guest_id", "guest_id", postgresql_where=text("guest_id IS NOT NULL")),
        # A booking is attributed to one search at most, whatever retries do.
        Index(
            "uq_search_events_booking_id", "booking_id", unique=True, postgresql_where=text("booking_id IS NOT NULL")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    search_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    created_at: Mapped[datetime] = created_at()
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    position: Mapped[int | None] = mapped_column(Integer)
    instructor_service_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    guest_id: Mapped[str | None] = mapped_column(String(64))
    visitor_hash: Mapped[str | None] = mapped_column(String(64))
    anonymized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VisitorSalt(Base):
    """The random key of one UTC day's visitor hashes. Only today's row is kept: once a day's salt is
    deleted, that day's hashes can neither be recomputed from an address nor linked to another day's."""

    __tablename__ = "visitor_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = created_at()
