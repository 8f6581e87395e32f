"""Search analytics records: an impression per search or browse answer, the interactions with it
(clicks, slot clicks, profile views, bookings made from a result), and what privacy asks of them.

Privacy: no IP address is stored. `visitor_hash` is HMAC-SHA256 of the address keyed by a random salt
of the market day (visitor_salts); the previous days' salts are deleted, so a day's hashes count
visits within that day but can be neither recomputed from an address nor linked across days. Guests
who never sign up lose their rows after GUEST_EVENT_DAYS; a deleted account's rows are anonymized
(kept for aggregates with no user, guest, visitor or booking link), and so is every row older than
ANONYMIZE_AFTER_DAYS.

Impressions are written behind the answer (ImpressionWriter on services/write_behind.py): the route
queues one and answers; a thread writes the queued ones in batches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import and_, delete, exists, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import TextClause

from core.clock import market_now
from core.settings import PROJECT_ROOT
from models import SearchEvent, SearchImpression, User, VisitorSalt
from models.analytics import SURFACES
from services import history
from services.sql import affected
from services.write_behind import WriteBehind

log = logging.getLogger(__name__)

GUEST_EVENT_DAYS = 90
ANONYMIZE_AFTER_DAYS = 365
CLICK_KINDS = ("result_click", "slot_click", "profile_view")
# The code whose change changes the ranking: its digest is the ranker version of every impression.
RANKER_SOURCES = ("index/search.py", "index/rank.py", "index/candidates.py", "index/goals.py", "index/slots.py")


@cache
def ranker_version() -> str:
    """'hybrid@' and a digest of the ranking code, so impressions from before and after a ranker
    change can be told apart without anyone remembering to bump a number."""
    digest = hashlib.sha256()
    for name in RANKER_SOURCES:
        path = PROJECT_ROOT / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    return "hybrid@" + digest.hexdigest()[:12]


# ---- the visitor hash ------------------------------------------------------------------------------


class _Salts:
    """Today's salt, read from the database once per process and day. The first process of a day
    creates it (the primary key settles a race: every process ends with the same salt) and deletes
    the older ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day: date | None = None
        self._salt = b""

    def of(self, db: Session, day: date) -> bytes:
        with self._lock:
            if self._day == day:
                return self._salt
        salt = salt_of_day(db, day)
        with self._lock:
            self._day, self._salt = day, salt
        return salt

    def forget(self) -> None:
        with self._lock:
            self._day, self._salt = None, b""


SALTS = _Salts()


def salt_of_day(db: Session, day: date) -> bytes:
    """The day's salt, created if missing; the salts of earlier days are deleted. Commits."""
    db.execute(
        insert(VisitorSalt).values(day=day, salt=secrets.token_bytes(32)).on_conflict_do_nothing(index_elements=["day"])
    )
    db.execute(delete(VisitorSalt).where(VisitorSalt.day < day))
    salt = db.execute(select(VisitorSalt.salt).where(VisitorSalt.day == day)).scalar_one()
    db.commit()
    return bytes(salt)


def visitor_hash(db: Session, ip: str | None, *, day: date | None = None) -> str | None:
    """The keyed hash of an address for the day (None without an address)."""
    if not ip or ip == "unknown":
        return None
    salt = SALTS.of(db, day or market_now().date())
    return hmac.new(salt, ip.encode(), hashlib.sha256).hexdigest()[:32]


# ---- impressions ---------------------------------------------------------------------------------


@dataclass
class Impression:
    """One answer as shown: what was asked, understood and relaxed, the ranked result ids from
    `offset`, and who asked. A browse answer hands over its body (`answer`) instead of result ids:
    they are read from it in the writer's thread, off the request path. `ip` is never stored: it is
    hashed (visitor_hash) when the impression is written."""

    search_id: uuid.UUID
    surface: str
    query: str
    parsed: dict[str, Any]
    relaxed: list[str] = field(default_factory=list)
    # As the answer's text: the batch travels to Postgres as JSON, so no UUID is built on the request path
    # (20 of them cost 15 µs, ~2% of a cached search).
    result_ids: list[str] | None = None
    total: int | None = None
    offset: int = 0
    sort: str = "relevance"
    submitted: bool = True
    user_id: uuid.UUID | None = None
    guest_id: str | None = None
    ip: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    answer: bytes | None = None
    experiment: str | None = None  # an interleaved answer: the experiment, and each result's config
    teams: list[str] | None = None

    def __post_init__(self) -> None:
        if self.surface not in SURFACES:
            raise ValueError(f"surface must be one of {', '.join(SURFACES)}")

    def read_answer(self) -> None:
        """Result ids and total from a browse answer's body."""
        if self.answer and self.result_ids is None:
            shown = json.loads(self.answer)
            self.result_ids = [str(r["instructor_service_id"]) for r in shown.get("results") or []]
            self.total = int(shown.get("total") or 0)
        self.answer = None


def query_kinds(parsed: dict[str, Any]) -> list[str]:
    """The kinds insights are split by: named_service or vague, and with_place, with_time."""
    kinds = ["named_service" if parsed.get("service") or parsed.get("category") else "vague"]
    if any(parsed.get(k) for k in ("location", "near_me", "zip", "landmark")):
        kinds.append("with_place")
    if any(parsed.get(k) for k in ("dates", "weekdays", "start_time", "end_time", "urgency", "day", "time_of_day")):
        kinds.append("with_time")
    return kinds


@cache
def _insert_impressions(columns: tuple[str, ...]) -> TextClause:
    """The INSERT of a batch given as one JSON array of rows with these keys: orjson encodes it and
    Postgres turns it into rows (jsonb_populate_recordset reads JSON arrays into the text[] and uuid[]
    columns). The same INSERT executed per row, pipelined, cost the writer's thread 0.125 ms of CPU a
    row in psycopg and SQLAlchemy, on the GIL the requests wait for; this costs 0.049 (batches of 40
    bench answers, the same rows written)."""
    quoted = ", ".join(f'"{name}"' for name in columns)
    return text(
        f"INSERT INTO search_impressions ({quoted}) SELECT {quoted}"
        " FROM jsonb_populate_recordset(NULL::search_impressions, CAST(:rows AS jsonb)) ON CONFLICT (id) DO NOTHING"
    )


def write_impressions(db: Session, batch: list[Impression]) -> int:
    """Store impressions with one statement for the whole batch (a repeated search_id is ignored); commits.
    An impression of an account that is gone or deleted (its token outlived it) is stored unlinked.
    Analytics is not worth a WAL flush: a crash may lose the last fraction of a second."""
    if not batch:
        return 0
    for impression in batch:
        impression.read_answer()
    hashes = [visitor_hash(db, i.ip) for i in batch]  # today's salt: yesterday's may be gone
    live = _live_accounts(db, {i.user_id for i in batch if i.user_id is not None})
    now = datetime.now(UTC)
    rows = []
    for impression, hashed in zip(batch, hashes, strict=True):
        gone = impression.user_id is not None and impression.user_id not in live
        rows.append(
            {
                "id": impression.search_id,
                "created_at": impression.at,
                "user_id": None if gone else impression.user_id,
                "guest_id": None if gone or not history.valid_guest_id(impression.guest_id) else impression.guest_id,
                "visitor_hash": None if gone else hashed,
                "anonymized_at": now if gone else None,
                "surface": impression.surface,
                "query": history.clean(impression.query),
                "normalized_query": history.normalize(impression.query),
                "parsed": impression.parsed,
                "relaxed": list(impression.relaxed),
                "kinds": query_kinds(impression.parsed),
                "result_ids": impression.result_ids,
                "total": impression.total,
                "offset": impression.offset,
                "sort": impression.sort,
                "submitted": impression.submitted,
                "ranker": ranker_version(),
                "experiment": impression.experiment,
                "teams": impression.teams,
            }
        )
    db.execute(text("SET LOCAL synchronous_commit = off"))
    insert_rows = _insert_impressions(tuple(rows[0]))
    written = affected(db.execute(insert_rows, {"rows": orjson.dumps(rows, option=orjson.OPT_NON_STR_KEYS).decode()}))
    db.commit()
    return written


def _live_accounts(db: Session, claimed: set[uuid.UUID]) -> set[uuid.UUID]:
    """The accounts of `claimed` that are not deleted, share-locked until the caller commits: an
    account deletion (which locks the account's row for update) waits for this write and then
    anonymizes it too, and a write that waited for a deletion sees the account deleted."""
    if not claimed:
        return set()
    return set(
        db.execute(
            select(User.id).where(User.id.in_(claimed), User.anonymized_at.is_(None)).with_for_update(key_share=True)
        ).scalars()
    )


_writers: weakref.WeakSet[ImpressionWriter] = weakref.WeakSet()


class ImpressionWriter:
    """Impressions written behind the answer (services/write_behind.py): add() queues, with no
    database round trip; a thread writes the queued ones every 75 ms in one INSERT. One per
    application (api/app.py), closed (flushed) at shutdown; a crash loses at most the last ~75 ms."""

    def __init__(self, session_factory: Callable[[], Session], *, interval: float = 0.075, max_batch: int = 500):
        self.session_factory = session_factory
        self.queue: WriteBehind[Impression] = WriteBehind(
            self._write, name="search impressions", interval=interval, max_batch=max_batch
        )
        _writers.add(self)

    def add(self, impression: Impression) -> bool:
        return self.queue.put(impression)

    def flush(self) -> None:
        self.queue.flush()

    def close(self) -> None:
        self.queue.close()

    def _write(self, batch: list[Impression]) -> None:
        with self.session_factory() as db:
            write_impressions(db, batch)


def flush_pending() -> None:
    """Write what this process has queued (before a read that must see it: an export, a deletion)."""
    for writer in list(_writers):
        writer.flush()


# ---- events --------------------------------------------------------------------------------------


def record_event(
    db: Session,
    *,
    search_id: uuid.UUID,
    kind: str,
    position: int,
    instructor_service_id: uuid.UUID,
    user_id: uuid.UUID | None,
    guest_id: str | None,
    ip: str | None,
    now: datetime | None = None,
) -> None:
    """A click on a result (or one of its slots, or its profile) of search `search_id`; commits."""
    if kind not in CLICK_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CLICK_KINDS)}")
    hashed = visitor_hash(db, ip)
    if user_id is not None and user_id not in _live_accounts(db, {user_id}):
        user_id, guest_id, hashed = None, None, None  # a token that outlived its deleted account
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "search_id": search_id,
        "kind": kind,
        "position": position,
        "instructor_service_id": instructor_service_id,
        "user_id": user_id,
        "guest_id": guest_id if history.valid_guest_id(guest_id) else None,
        "visitor_hash": hashed,
    }
    if now is not None:
        values["created_at"] = now
    db.execute(insert(SearchEvent).values(**values))
    db.commit()


def attribute_booking(
    db: Session,
    *,
    search_id: uuid.UUID,
    booking_id: uuid.UUID,
    instructor_service_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime | None = None,
) -> None:
    """The booking was made from a result of `search_id`: a 'booking' event in the booking's own
    transaction (the caller commits), at most one per booking (a unique index)."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "search_id": search_id,
        "kind": "booking",
        "instructor_service_id": instructor_service_id,
        "booking_id": booking_id,
        "user_id": user_id,
    }
    if now is not None:
        values["created_at"] = now
    db.execute(
        insert(SearchEvent)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["booking_id"], index_where=SearchEvent.booking_id.is_not(None))
    )


# ---- privacy -------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export(db: Session, *, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """The person's own impressions and events (signed in as them), for the privacy export, with what
    this process still has queued."""
    flush_pending()
    impressions = db.execute(
        select(SearchImpression).where(SearchImpression.user_id == user_id).order_by(SearchImpression.created_at)
    ).scalars()
    events = db.execute(
        select(SearchEvent).where(SearchEvent.user_id == user_id).order_by(SearchEvent.created_at)
    ).scalars()
    return {
        "search_impressions": [
            {
                "search_id": str(i.id),
                "created_at": _iso(i.created_at),
                "surface": i.surface,
                "query": i.query,
                "relaxed": list(i.relaxed),
                "result_ids": [str(r) for r in i.result_ids] if i.result_ids is not None else None,
                "total": i.total,
                "offset": i.offset,
                "sort": i.sort,
                "ranker": i.ranker,
                "visitor_hash": i.visitor_hash,
            }
            for i in impressions
        ],
        "search_events": [
            {
                "search_id": str(e.search_id),
                "created_at": _iso(e.created_at),
                "kind": e.kind,
                "position": e.position,
                "instructor_service_id": str(e.instructor_service_id) if e.instructor_service_id else None,
                "booking_id": str(e.booking_id) if e.booking_id else None,
                "visitor_hash": e.visitor_hash,
            }
            for e in events
        ],
    }


_UNLINKED = {"user_id": None, "guest_id": None, "visitor_hash": None}


def anonymize_user(db: Session, *, user_id: uuid.UUID, now: datetime | None = None) -> int:
    """Account deletion: the person's rows, and those of the guest sessions they used, lose every link
    to them (user, guest, visitor, booking) and stay for aggregates. Call flush_pending() first, before
    locking the account: a queued impression of it is then written and anonymized here. Flushes; the
    caller commits. Returns how many rows changed."""
    now = now or datetime.now(UTC)
    guests = set(
        db.execute(
            select(SearchImpression.guest_id).where(
                SearchImpression.user_id == user_id, SearchImpression.guest_id.is_not(None)
            )
        ).scalars()
    ) | set(
        db.execute(
            select(SearchEvent.guest_id).where(SearchEvent.user_id == user_id, SearchEvent.guest_id.is_not(None))
        ).scalars()
    )
    changed = 0
    for table in (SearchImpression, SearchEvent):
        owned = or_(table.user_id == user_id, and_(table.user_id.is_(None), table.guest_id.in_(guests)))
        unlink: dict[str, Any] = {**_UNLINKED, "anonymized_at": now}
        if table is SearchEvent:
            unlink["booking_id"] = None  # the booking still names the (anonymized) account
        changed += affected(db.execute(update(table).where(owned).values(**unlink)))
    return changed


def purge(
    db: Session, *, now: datetime | None = None, guest_days: int = GUEST_EVENT_DAYS, dry_run: bool = False
) -> dict[str, int]:
    """Retention: rows of guests who never signed in (no signed-in row shares their guest id, or no
    guest id at all) older than `guest_days` are deleted; any row older than ANONYMIZE_AFTER_DAYS is
    anonymized; salts of past days are deleted. Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}
    for name, table in (("guest_impressions", SearchImpression), ("guest_events", SearchEvent)):
        seen_impression, seen_event = aliased(SearchImpression), aliased(SearchEvent)
        signed_in = or_(
            exists().where(seen_impression.user_id.is_not(None), seen_impression.guest_id == table.guest_id),
            exists().where(seen_event.user_id.is_not(None), seen_event.guest_id == table.guest_id),
        )
        stale_guest = and_(
            table.user_id.is_(None),
            table.anonymized_at.is_(None),
            table.created_at < now - timedelta(days=guest_days),
            or_(table.guest_id.is_(None), ~signed_in),
        )
        if dry_run:
            counts[name] = len(db.execute(select(table.id).where(stale_guest)).all())
        else:
            counts[name] = affected(db.execute(delete(table).where(stale_guest)))
    if dry_run:
        return counts
    old = now - timedelta(days=ANONYMIZE_AFTER_DAYS)
    deleted_accounts = select(User.id).where(User.anonymized_at.is_not(None))
    counts["anonymized_events"] = 0
    for table in (SearchImpression, SearchEvent):
        values: dict[str, Any] = {**_UNLINKED, "anonymized_at": now}
        if table is SearchEvent:
            values["booking_id"] = None
        due = or_(table.created_at < old, table.user_id.in_(deleted_accounts))
        counts["anonymized_events"] += affected(
            db.execute(update(table).where(table.anonymized_at.is_(None), due).values(**values))
        )
    counts["visitor_salts"] = affected(db.execute(delete(VisitorSalt).where(VisitorSalt.day < market_now().date())))
    return counts
