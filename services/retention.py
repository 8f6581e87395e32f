"""Retention, in one transaction: search history deleted over 90 days ago and guest history
unconverted for 120 days, expired token revocations and reset tokens, emails delivered over 30 days ago."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services import auth, history, outbox


def purge(db: Session, *, dry_run: bool = False) -> dict[str, int]:
    """What was deleted (or, with dry_run, what history would be), by kind; commits."""
    counts = history.purge(db, dry_run=dry_run)
    if dry_run:
        db.rollback()
        return counts
    counts.update(auth.purge_expired(db))
    counts["sent_emails"] = outbox.purge_sent(db)
    db.commit()
    return counts
