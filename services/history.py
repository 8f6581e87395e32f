"""Search history for signed-in users and guest sessions.

One row per owner and normalized query: a repeat bumps search_count and last_searched_at; a
soft-deleted query that is searched again comes back. Guests' rows merge into the user's at login.

Searches are written behind the request (HistoryWriter, on services/write_behind.py): the route
queues the entry and answers; a thread upserts the queued entries in batches every 75 ms. The reads
and changes of this module (recent, remove, clear, merge_guest) write what this process has queued
first, so a person sees their own search at once; a crash loses at most the last ~75 ms of entries.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeGuard

from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core import ids
from models import SearchHistory
from models.history import SEARCH_TYPES
from services.errors import NotFound
from services.sql import affected
from services.write_behind import WriteBehind

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
    return ids.new_hex()


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


@dataclass(frozen=True)
class Searched:
    """One search to remember, as queued by HistoryWriter.add()."""

    user_id: uuid.UUID | None
    guest_id: str | None
    query: str
    key: str  # normalize(query)
    search_type: str
    result_count: int
    at: datetime


# One statement per kind of owner (each conflicts on its own partial unique index). A user's entry is
# written only while the account is active: an erased account's queued searches do not come back.
_BATCH_UPSERT = """
INSERT INTO search_history (id, user_id, guest_session_id, query, normalized_query, search_type,
                            result_count, search_count, first_searched_at, last_searched_at)
SELECT v.id, v.user_id, v.guest_session_id, v.query, v.normalized_query, v.search_type,
       v.result_count, v.search_count, v.first_searched_at, v.last_searched_at
FROM unnest(CAST(:ids AS uuid[]), CAST(:users AS uuid[]), CAST(:guests AS text[]), CAST(:queries AS text[]),
            CAST(:keys AS text[]), CAST(:types AS text[]), CAST(:results AS int[]), CAST(:counts AS int[]),
            CAST(:firsts AS timestamptz[]), CAST(:lasts AS timestamptz[]))
     AS v(id, user_id, guest_session_id, query, normalized_query, search_type, result_count, search_count,
          first_searched_at, last_searched_at)
{owner_filter}
ON CONFLICT {conflict} DO UPDATE SET
    query = EXCLUDED.query,
    search_type = EXCLUDED.search_type,
    result_count = EXCLUDED.result_count,
    last_searched_at = GREATEST(search_history.last_searched_at, EXCLUDED.last_searched_at),
    search_count = CASE WHEN search_history.deleted_at IS NOT NULL THEN EXCLUDED.search_count
                        ELSE search_history.search_count + EXCLUDED.search_count END,
    first_searched_at = CASE WHEN search_history.deleted_at IS NOT NULL THEN EXCLUDED.first_searched_at
                             ELSE search_history.first_searched_at END,
    deleted_at = NULL,
    converted_at = NULL
"""
_USER_UPSERT = _BATCH_UPSERT.format(
    owner_filter="WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = v.user_id AND u.is_active)",
    conflict="(user_id, normalized_query) WHERE user_id IS NOT NULL",
)
_GUEST_UPSERT = _BATCH_UPSERT.format(
    owner_filter="", conflict="(guest_session_id, normalized_query) WHERE user_id IS NULL"
)


def record_batch(db: Session, searches: list[Searched]) -> int:
    """Upsert queued searches: the same as record() for each, in order, in two statements. Searches of
    one owner and query are folded first (a statement may touch a row once): their count adds up, the
    last one's text and result count win. Returns the number of entries written. Flushes; the caller
    commits."""
    folded: dict[tuple[object, str], tuple[Searched, Searched, int]] = {}
    for s in searches:
        owner = ("user", s.user_id) if s.user_id is not None else ("guest", s.guest_id)
        first, _last, count = folded.get((owner, s.key), (s, s, 0))
        folded[(owner, s.key)] = (first, s, count + 1)
    written = 0
    for is_user, statement in ((True, _USER_UPSERT), (False, _GUEST_UPSERT)):
        rows = [v for (owner, _), v in folded.items() if (owner[0] == "user") == is_user]  # type: ignore[index]
        if not rows:
            continue
        params = {
            "ids": [ids.new_uuid() for _ in rows],
            "users": [last.user_id for _, last, _ in rows],
            "guests": [None if is_user else last.guest_id for _, last, _ in rows],
            "queries": [last.query for _, last, _ in rows],
            "keys": [last.key for _, last, _ in rows],
            "types": [last.search_type for _, last, _ in rows],
            "results": [last.result_count for _, last, _ in rows],
            "counts": [count for _, _, count in rows],
            "firsts": [first.at for first, _, _ in rows],
            "lasts": [last.at for _, last, _ in rows],
        }
        written += affected(db.execute(text(statement), params))
    return written


_writers: weakref.WeakSet[HistoryWriter] = weakref.WeakSet()


class HistoryWriter:
    """Search history written behind the request: add() validates and queues (no database round
    trip); batches are upserted by record_batch() in their own transaction, without waiting for the
    WAL flush. One per application (api/app.py), closed (flushed) at shutdown."""

    def __init__(self, session_factory: Callable[[], Session], *, interval: float = 0.075, max_batch: int = 500):
        self.session_factory = session_factory
        self.queue: WriteBehind[Searched] = WriteBehind(
            self._write, name="search history", interval=interval, max_batch=max_batch
        )
        _writers.add(self)

    def add(
        self, *, user_id: uuid.UUID | None, guest_id: str | None, query: str, search_type: str, result_count: int
    ) -> bool:
        """Queue one search (a user's when both are given); False when there is nothing to record
        (empty query, no owner) or the queue is full."""
        if search_type not in SEARCH_TYPES:
            raise ValueError(f"search_type must be one of {', '.join(SEARCH_TYPES)}")
        if user_id is None and not valid_guest_id(guest_id):
            return False
        key = normalize(query)
        if not key:
            return False
        entry = Searched(
            user_id=user_id,
            guest_id=None if user_id else guest_id,
            query=clean(query),
            key=key,
            search_type=search_type,
            result_count=max(0, int(result_count)),
            at=datetime.now(UTC),
        )
        return self.queue.put(entry)

    def _write(self, batch: list[Searched]) -> None:
        with self.session_factory() as db:
            db.execute(text("SET LOCAL synchronous_commit = off"))
            # Never wait long on a row lock (an account being deleted): the batch fails and is logged.
            db.execute(text("SET LOCAL lock_timeout = '2s'"))
            record_batch(db, batch)
            db.commit()

    def flush(self) -> None:
        self.queue.flush()

    def close(self) -> None:
        self.queue.close()


def flush_pending() -> None:
    """Write the searches this process has queued, now (before reading or changing history)."""
    for writer in list(_writers):
        writer.flush()


def forget_pending(*, user_id: uuid.UUID) -> int:
    """Drop a user's queued searches unwritten (account deletion); returns how many."""
    return sum(writer.queue.discard(lambda s: s.user_id == user_id) for writer in list(_writers))


def recent(
    db: Session, *, user_id: uuid.UUID | None = None, guest_id: str | None = None, limit: int = 10
) -> list[SearchHistory]:
    """The owner's entries that are not deleted, most recent first."""
    flush_pending()
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
    flush_pending()
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
    flush_pending()
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
    """Hard-delete every row of a user (account deletion), and the user's searches still queued.
    (Not a flush: the caller holds the account's row lock, which the queued rows' foreign key needs.)"""
    forget_pending(user_id=user_id)
    return affected(db.execute(delete(SearchHistory).where(SearchHistory.user_id == user_id)))


def merge_guest(db: Session, *, guest_id: str, user_id: uuid.UUID) -> int:
    """Fold a guest session's live entries into the user's. Entries whose queries differ only in case
    or spacing become one: counts add up, the earliest first and the latest last seen win. The guest
    rows are marked converted (and soft-deleted, so retention removes them). Returns the number of
    user entries touched. Flushes; the caller commits."""
    if not valid_guest_id(guest_id):
        return 0
    flush_pending()
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
