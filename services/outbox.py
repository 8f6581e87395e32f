"""The email outbox: messages are written in the same transaction as the change that causes them,
and a worker (`python -m cli outbox`) delivers them later through a pluggable sender."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models import OutboxMessage
from services.sql import affected

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class Sender(Protocol):
    def send(self, *, to: str, subject: str, body: str, message_id: str) -> None: ...


def enqueue(
    db: Session, *, kind: str, recipient: str, subject: str, body: str, payload: dict | None = None
) -> OutboxMessage:
    """Add a message to the caller's transaction; nothing is sent until it commits."""
    message = OutboxMessage(
        id=uuid.uuid4(), kind=kind, recipient=recipient, subject=subject, body=body, payload=payload or {}, attempts=0
    )
    db.add(message)
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed}


def deliver_pending(
    engine: Engine,
    *,
    sender: Sender,
    batch: int = 100,
    max_attempts: int = MAX_ATTEMPTS,
    kinds: list[str] | None = None,
) -> DeliveryReport:
    """Send up to `batch` pending messages; any number of workers may run this at once. Each message is
    claimed alone with FOR UPDATE SKIP LOCKED and its transaction commits only once it is marked sent (or
    failed), so its row stays locked from claim to record and no other worker can send it too. (Claiming
    a whole batch in one statement would not do: the first commit releases the locks of every row not
    yet sent, and another worker would take them while this one still holds them in its list.) A failure
    is recorded and retried by a later run until max_attempts. `kinds` limits the run to some message
    kinds (e.g. booking_*)."""
    report = DeliveryReport()
    tried: list[uuid.UUID] = []  # a message that failed in this run waits for the next run
    with Session(engine, expire_on_commit=False) as db:
        for _ in range(batch):
            stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < max_attempts)
            if kinds:
                stmt = stmt.where(OutboxMessage.kind.in_(kinds))
            if tried:
                stmt = stmt.where(OutboxMessage.id.not_in(tried))
            message = (
                db.execute(stmt.order_by(OutboxMessage.created_at).limit(1).with_for_update(skip_locked=True))
                .scalars()
                .first()
            )
            if message is None:
                break
            tried.append(message.id)
            message.attempts += 1
            try:
                sender.send(
                    to=message.recipient, subject=message.subject, body=message.body, message_id=str(message.id)
                )
            except Exception as exc:  # any transport error: keep the message for a retry
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                report.failed += 1
                log.warning("outbox %s to %s failed: %s", message.id, message.recipient, exc)
            else:
                message.sent_at = datetime.now(UTC)
                message.last_error = None
                report.sent += 1
            # One commit per message: a crash mid-batch never re-sends what already went out.
            db.commit()
    return report


SENT_KEEP_DAYS = 30


def purge_sent(db: Session, *, now: datetime | None = None, keep_days: int = SENT_KEEP_DAYS) -> int:
    """Delivered mail older than 30 days: it holds addresses and reset links nobody needs anymore."""
    now = now or datetime.now(UTC)
    return affected(
        db.execute(
            delete(OutboxMessage).where(
                OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < now - timedelta(days=keep_days)
            )
        )
    )


def forget_recipient(db: Session, *, email: str) -> int:
    """Every message to an address whose owner deleted their account."""
    return affected(db.execute(delete(OutboxMessage).where(OutboxMessage.recipient == email)))
