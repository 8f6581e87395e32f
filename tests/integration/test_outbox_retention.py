"""Mail does not outlive its use: delivered mail goes after 30 days, and a deleted account's mail at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models import OutboxMessage
from services import outbox


def _mail(db, to: str, sent_days_ago: int | None) -> None:
    sent = None if sent_days_ago is None else datetime.now(UTC) - timedelta(days=sent_days_ago)
    db.add(OutboxMessage(kind="password_reset", recipient=to, subject="s", body="link", sent_at=sent))
    db.flush()


def _count(db, to: str) -> int:
    return db.execute(select(func.count()).where(OutboxMessage.recipient == to)).scalar()


def test_delivered_mail_is_purged_after_30_days_and_pending_mail_stays(db):
    to = f"{uuid.uuid4().hex}@example.com"
    _mail(db, to, sent_days_ago=31)
    _mail(db, to, sent_days_ago=2)
    _mail(db, to, sent_days_ago=None)
    assert outbox.purge_sent(db) >= 1
    assert _count(db, to) == 2


def test_a_deleted_accounts_mail_is_forgotten(db):
    to, other = f"{uuid.uuid4().hex}@example.com", f"{uuid.uuid4().hex}@example.com"
    _mail(db, to, sent_days_ago=None)
    _mail(db, to, sent_days_ago=1)
    _mail(db, other, sent_days_ago=None)
    assert outbox.forget_recipient(db, email=to) == 2
    assert (_count(db, to), _count(db, other)) == (0, 1)
