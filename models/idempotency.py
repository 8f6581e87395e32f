"""Idempotency keys of booking requests: a retry with the same key and body finds the booking it made."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at

MAX_KEY_LENGTH = 200


class IdempotencyKey(Base):
    """One row per (account, key), written in the booking's own transaction: the key's row is claimed
    first (a concurrent retry waits on the primary key), the booking filled in, and both commit or
    neither does. `request_hash` is the SHA-256 of the request's meaning (services/bookings.py)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # NULL only inside the transaction that claims the key; committed rows name their booking.
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at()
