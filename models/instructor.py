"""Instructor profiles and the services they offer (one searchable document per row)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, updated_at, uuid_pk

EMBEDDING_DIM = 384


class InstructorProfile(Base):
    __tablename__ = "instructor_profiles"
    __table_args__ = (
        CheckConstraint("rating_avg IS NULL OR (rating_avg >= 1 AND rating_avg <= 5)", name="rating"),
        CheckConstraint("years_experience >= 0", name="years"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True)
    bio: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    years_experience: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    languages: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list, server_default="{}")
    rating_avg: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    rating_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # Service areas: whole boroughs and/or neighborhood slugs of nyc_locations.json.
    boroughs: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list, server_default="{}")
    neighborhoods: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list, server_default="{}")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class InstructorService(Base):
    __tablename__ = "instructor_services"
    __table_args__ = (
        CheckConstraint("price_in_person IS NOT NULL OR price_online IS NOT NULL", name="has_price"),
        CheckConstraint(
            "(price_in_person IS NULL OR price_in_person > 0) AND (price_online IS NULL OR price_online > 0)",
            name="positive_price",
        ),
        CheckConstraint("cardinality(duration_options) > 0", name="has_duration"),
        # Soft delete: at most one active row per (profile, service).
        Index(
            "uq_instructor_services_active",
            "profile_id",
            "service_id",
            unique=True,
            postgresql_where=text("is_active"),
        ),
        Index(
            "ix_instructor_services_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index(
            "ix_instructor_services_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instructor_profiles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"), nullable=False, index=True)
    price_in_person: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    price_online: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    duration_options: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    # Who and what level this instructor teaches for this service (subset of the service's groups).
    age_groups: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list, server_default="{}")
    levels: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list, server_default="{}")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    # Retrieval document: trigram text and its embedding; embedded_hash tells the index build
    # which rows changed since they were embedded.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    embedding: Mapped[list[float] | None] = mapped_column(Vector(EMBEDDING_DIM))
    embedded_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
