"""Search history for users and guest sessions; one row per owner and normalized query."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, in_list, uuid_pk

SEARCH_TYPES = ("natural_language", "category", "service_pill")


class SearchHistory(Base):
    __tablename__ = "search_history"
    __table_args__ = (
        CheckConstraint(in_list("search_type", SEARCH_TYPES), name="search_type"),
        CheckConstraint("user_id IS NOT NULL OR guest_session_id IS NOT NULL", name="has_owner"),
        Index(
            "uq_search_history_user_query",
            "user_id",
            "normalized_query",
            unique=True,
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index(
            "uq_search_history_guest_query",
            "guest_session_id",
            "normalized_query",
            unique=True,
            postgresql_where=text("user_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guest_session_id: Mapped[str | None] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text, nullable=False)
    normalized_query: Mapped[str] = mapped_column(Text, nullable=False)
    search_type: Mapped[str] = mapped_column(String(20), nullable=False)
    result_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    search_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    first_searched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()")
    )
    last_searched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()")
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    converted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
