"""Retention, in one transaction: search history deleted over 90 days ago and guest history
unconverted for 120 days, expired token revocations and reset tokens, emails delivered over 30 days ago,
search impressions and events of guests who never signed in after 90 days (every other one is
anonymized after a year), and the visitor-hash salts of past days.

`Policy` holds those periods; a shorter one is "beyond the policy" and only `python -m cli retention`
takes it, as a destructive command (core/tiers.py)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy.orm import Session

from services import analytics, auth, bookings, history, outbox


@dataclass(frozen=True)
class Policy:
    soft_deleted_days: int = history.SOFT_DELETED_DAYS
    guest_days: int = history.GUEST_DAYS
    sent_email_days: int = outbox.SENT_KEEP_DAYS
    guest_event_days: int = analytics.GUEST_EVENT_DAYS

    def beyond(self) -> dict[str, tuple[int, int]]:
        """Each period shorter than the standard policy: name -> (asked, policy)."""
        standard = Policy()
        return {
            f.name: (getattr(self, f.name), getattr(standard, f.name))
            for f in fields(self)
            if getattr(self, f.name) < getattr(standard, f.name)
        }


def purge(db: Session, *, dry_run: bool = False, policy: Policy | None = None) -> dict[str, int]:
    """What was deleted (or, with dry_run, what history would be), by kind; commits."""
    policy = policy or Policy()
    counts = history.purge(
        db, dry_run=dry_run, soft_deleted_days=policy.soft_deleted_days, guest_days=policy.guest_days
    )
    counts.update(analytics.purge(db, dry_run=dry_run, guest_days=policy.guest_event_days))
    if dry_run:
        db.rollback()
        return counts
    counts.update(auth.purge_expired(db))
    counts["idempotency_keys"] = bookings.purge_idempotency_keys(db)
    counts["sent_emails"] = outbox.purge_sent(db, keep_days=policy.sent_email_days)
    db.commit()
    return counts
