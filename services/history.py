"""Search history for signed-in users and guest sessions.

One row per owner and normalized query: a repeat bumps search_count and last_searched_at; a
soft-deleted query that is searched again comes back. Guests' rows merge into the user's at login.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeGuard

from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import SearchHistory
from models.history import SEARCH_TYPES
from services.errors import NotFound
from services.sql import affected

log = logging.getLogger(__name__)

# The normalized query sits in a unique btree index (about 2,700 bytes at most per row): keep it short.
MAX_QUERY_CHARS = 500
SOFT_DELETED_DAYS = 90
GUEST_DAYS = 120
GUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean(query: str) -> str:
    """What the person typed, fit to store: no NUL or control characters (Postgres text refuses NUL),
    single spaces, at most MAX_QUERY_CHARS."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", query)).strip()[:MAX_QUERY_CHARS]


def normalize(query: str) -> str:
    """The dedup key: NFKC, case-folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", query)
    return clean(text.casefold())


def valid_guest_id(value: str | None) -> TypeGuard[str]:
    return bool(value and GUEST_ID_PATTERN.match(value))


def new_guest_id() -> str:
    return uuid.uuid4().hex


def _owner(user_id: uuid.UUID | None, guest_id: str | None):
    if user_id is not None:
        return SearchHistory.user_id == user_id
    if guest_id is not None:
        return (SearchHistory.user_id.is_(None)) & (SearchHistory.guest_session_id == guest_id)
    raise ValueError("a history entry belongs to a user or to a guest session")


def record(
    db: Session, *, user_id: uuid.UUID | None, guest_id: str | None, query: str, search_type: str, result_count: int
) -> SearchHistory | None:
    """Record one search for a user (preferred when both are given) or a guest; returns the row,
    or None when there is nothing to record (empty query, no owner). Flushes; the caller commits."""
    if search_type not in SEARCH_TYPES:
        raise ValueError(f"search_type must be one of {', '.join(SEARCH_TYPES)}")
    if user_id is None and not valid_guest_id(guest_id):
        return None
    shown, key = clean(query), normalize(query)
    if not key:
        return None
    now = datetime.now(UTC)
    values = {
        "user_id": user_id,
        "guest_session_id": None if user_id else guest_id,
        "query": shown,
        "normalized_query": key,
        "search_type": search_type,
        "result_count": max(0, int(result_count)),
        "search_count": 1,
        "first_searched_at": now,
        "last_searched_at": now,
    }
    stmt = insert(SearchHistory).values(id=uuid.uuid4(), **values)
    was_deleted = SearchHistory.deleted_at.is_not(None)
    revived = {
        "query": stmt.excluded.query,
        "search_type": stmt.excluded.search_type,
        "result_count": stmt.excluded.result_count,
        "last_searched_at": stmt.excluded.last_searched_at,
        # A deleted entry comes back as a fresh one: the person asked to forget the old count.
        "search_count": case((was_deleted, 1), else_=SearchHistory.search_count + 1),
        "first_searched_at": case(
            (was_deleted, stmt.excluded.first_searched_at), else_=SearchHistory.first_searched_at
        ),
        "deleted_at": None,
        "converted_at": None,
    }
    if user_id is not None:
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "normalized_query"], index_where=SearchHistory.user_id.is_not(None), set_=revived
        )
    else:
        stmt = stmt.on_conflict_do_update(
            index_elements=["guest_session_id", "normalized_query"],
            index_where=SearchHistory.user_id.is_(None),
            set_=revived,
        )
    # One round trip: the upsert returns the row itself (every search pays for this statement).
    return db.scalars(stmt.returning(SearchHistory), execution_options={"populate_existing": True}).one()


def remember(
    db: Session, *, user_id: uuid.UUID | None, guest_id: str | None, query: str, search_type: str, result_count: int
) -> SearchHistory | None:
    """record() one search and commit. History is a convenience: a crash may lose its last fraction
    of a second, so this commit does not wait for the WAL flush (about 1 ms of every search)."""
    db.execute(text("SET LOCAL synchronous_commit = off"))
    row = record(
        db, user_id=user_id, guest_id=guest_id, query=query, search_type=search_type, result_count=result_count
    )
    db.commit()
    return row


def recent(
    db: Session, *, user_id: uuid.UUID | None = None, guest_id: str | None = None, limit: int = 10
) -> list[SearchHistory]:
    """The owner's entries that are not deleted, most recent first."""
    return list(
        db.execute(
            select(SearchHistory)
            .where(_owner(user_id, guest_id), SearchHistory.deleted_at.is_(None))
            .order_by(SearchHistory.last_searched_at.desc(), SearchHistory.id)
            .limit(limit)
        ).scalars()
    )


def remove(db: Session, *, entry_id: uuid.UUID, user_id: uuid.UUID | None = None, guest_id: str | None = None) -> None:
    """Soft-delete one of the owner's entries; NotFound when it is not theirs (or already gone)."""
    done = affected(
        db.execute(
            update(SearchHistory)
            .where(SearchHistory.id == entry_id, _owner(user_id, guest_id), SearchHistory.deleted_at.is_(None))
            .values(deleted_at=func.now())
        )
    )
    if not done:
        raise NotFound("No such search in your history.", code="history_entry_not_found")
    db.commit()


def clear(db: Session, *, user_id: uuid.UUID | None = None, guest_id: str | None = None) -> int:
    """Soft-delete all of the owner's entries; returns how many."""
    cleared = affected(
        db.execute(
            update(SearchHistory)
            .where(_owner(user_id, guest_id), SearchHistory.deleted_at.is_(None))
            .values(deleted_at=func.now())
        )
    )
    db.commit()
    return cleared


def erase(db: Session, *, user_id: uuid.UUID) -> int:
    """Hard-delete every row of a user (account deletion)."""
    return affected(db.execute(delete(SearchHistory).where(SearchHistory.user_id == user_id)))


def merge_guest(db: Session, *, guest_id: str, user_id: uuid.UUID) -> int:
    """Fold a guest session's live entries into the user's. Entries whose queries differ only in case
    or spacing become one: counts add up, the earliest first and the latest last seen win. The guest
    rows are marked converted (and soft-deleted, so retention removes them). Returns the number of
    user entries touched. Flushes; the caller commits."""
    if not valid_guest_id(guest_id):
        return 0
    guest_rows = list(
        db.execute(
            select(SearchHistory)
            .where(_owner(None, guest_id), SearchHistory.deleted_at.is_(None))
            .order_by(SearchHistory.last_searched_at)
            .with_for_update()
        ).scalars()
    )
    if not guest_rows:
        return 0
    groups: dict[str, list[SearchHistory]] = {}
    for row in guest_rows:
        groups.setdefault(normalize(row.normalized_query), []).append(row)
    mine = {
        normalize(r.normalized_query): r
        for r in db.execute(
            select(SearchHistory)
            .where(SearchHistory.user_id == user_id, SearchHistory.normalized_query.in_(list(groups)))
            .with_for_update()
        ).scalars()
    }
    now = datetime.now(UTC)
    for key, rows in groups.items():
        latest = rows[-1]
        count = sum(r.search_count for r in rows)
        first = min(r.first_searched_at for r in rows)
        target = mine.get(key)
        if target is None:
            db.add(
                SearchHistory(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    query=latest.query,
                    normalized_query=key,
                    search_type=latest.search_type,
                    result_count=latest.result_count,
                    search_count=count,
                    first_searched_at=first,
                    last_searched_at=latest.last_searched_at,
                )
            )
            continue
        if target.deleted_at is not None:  # searched again as a guest: it comes back, fresh
            target.deleted_at, target.search_count, target.first_searched_at = None, count, first
        else:
            target.search_count += count
            target.first_searched_at = min(target.first_searched_at, first)
        if latest.last_searched_at >= target.last_searched_at:
            target.query, target.search_type = latest.query, latest.search_type
            target.result_count, target.last_searched_at = latest.result_count, latest.last_searched_at
    for row in guest_rows:
        row.converted_at, row.deleted_at = now, now
    db.flush()
    return len(groups)


def merge_guest_safely(db: Session, *, guest_id: str | None, user_id: uuid.UUID) -> int:
    """merge_guest in its own transaction; any failure is logged and swallowed (a login never fails
    because of history)."""
    if not valid_guest_id(guest_id):
        return 0
    try:
        merged = merge_guest(db, guest_id=guest_id, user_id=user_id)
        db.commit()
        return merged
    except Exception:  # noqa: BLE001 - logging in matters more than the history
        db.rollback()
        log.exception("merging guest search history failed")
        return 0


def purge(
    db: Session,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    soft_deleted_days: int = SOFT_DELETED_DAYS,
    guest_days: int = GUEST_DAYS,
) -> dict[str, int]:
    """Retention: soft-deleted rows older than 90 days, and guest rows never converted whose last
    search is older than 120 days (shorter only through `python -m cli retention`, guarded as
    destructive). Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    rules = {
        "soft_deleted": SearchHistory.deleted_at < now - timedelta(days=soft_deleted_days),
        "stale_guest": (
            SearchHistory.user_id.is_(None)
            & SearchHistory.converted_at.is_(None)
            & (SearchHistory.last_searched_at < now - timedelta(days=guest_days))
        ),
    }
    counts = {}
    for name, condition in rules.items():
        if dry_run:
            counts[name] = db.execute(select(func.count()).select_from(SearchHistory).where(condition)).scalar_one()
        else:
            counts[name] = affected(db.execute(delete(SearchHistory).where(condition)))
    return counts
