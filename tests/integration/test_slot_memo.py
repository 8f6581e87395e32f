"""Slot summaries kept between searches (index/slot_memo.py): a search in other words for the same window
asks Postgres for no slots it already knows, and never shows a slot a write took since. What the search
should show is read here with plain SQL over the tables, never with the search's own code."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from core.cache import Cache
from core.read_cache import ReplicaReadCache
from core.redis_client import RedisHandle
from index.search import MARKET_TZ, SearchOptions, search
from tests.factories import at, embed, insert_booking, make_instructor, make_user

URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def slot_statements(indexed_engine: Engine) -> Iterator[list[str]]:
    """The slot statements the search sends (a statement listener sees every one, index/statements.py)."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "WITH wanted" in statement:
            seen.append(statement)

    event.listen(indexed_engine, "before_cursor_execute", listen)
    yield seen
    event.remove(indexed_engine, "before_cursor_execute", listen)


def _rare_service(engine: Engine) -> tuple[str, str]:
    """(slug, name) of the service the fewest active teachers give, so that a new teacher of it is on the
    first page whatever the seed holds."""
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(
                text(
                    "SELECT sv.slug, sv.name FROM services sv LEFT JOIN instructor_services s "
                    "ON s.service_id = sv.id AND s.is_active GROUP BY sv.slug, sv.name "
                    "ORDER BY count(s.id), sv.slug LIMIT 1"
                )
            ).one()
        )


def _free_starts(engine: Engine, profile_id: uuid.UUID) -> list[str]:
    """Plain SQL: the teacher's 10:00 start on each day whose window holds an hour with no live booking."""
    with engine.connect() as conn:
        days = conn.execute(
            text(
                "SELECT a.slot_date FROM availability_slots a WHERE a.instructor_id = :p "
                "AND a.start_time <= '10:00' AND a.end_time >= '11:00' AND NOT EXISTS (SELECT 1 FROM bookings b "
                "WHERE b.instructor_id = a.instructor_id AND b.booking_date = a.slot_date "
                "AND b.status IN ('confirmed', 'completed', 'no_show') AND b.start_time < '11:00' "
                "AND b.end_time > '10:00') ORDER BY a.slot_date"
            ),
            {"p": profile_id},
        ).scalars()
        return [at(day, 10) for day in days]


@pytest.fixture
def teacher(indexed_engine: Engine):  # noqa: ANN201
    """A new teacher of the rarest service, free 10:00-11:00 on two days from the day after tomorrow."""
    slug, name = _rare_service(indexed_engine)
    first_day = datetime.now(MARKET_TZ).date() + timedelta(days=2)
    inst = make_instructor(
        indexed_engine,
        first_day=first_day,
        days=2,
        windows=((time(10, 0), time(11, 0)),),
        services=((slug, None, Decimal("55"), [60]),),
    )
    embed(indexed_engine, inst)
    return inst, slug, name, first_day


def _slots_of(answer: dict, profile_id: uuid.UUID) -> list[str] | None:
    for result in answer["results"]:
        if result["instructor"]["id"] == str(profile_id):
            return [slot["start"] for slot in result["slots"]]
    return None


def test_a_search_in_other_words_asks_no_slots_it_knows(indexed_engine, slot_statements, teacher):
    inst, _, name, _ = teacher
    cache = Cache(RedisHandle(URL), namespace=f"test:{uuid.uuid4().hex}")
    now = datetime.now(MARKET_TZ)  # one time for both: the earliest bookable start is part of the window
    first = search(indexed_engine, f"{name} lessons online", cache=cache, now=now, opts=SearchOptions(limit=20))
    assert slot_statements, "the first search reads slots"
    assert _slots_of(first, inst.profile_id) == _free_starts(indexed_engine, inst.profile_id)
    slot_statements.clear()
    # Another page size: a new answer (a cache miss), the same teachers and window.
    second = search(indexed_engine, f"{name} lessons online", cache=cache, now=now, opts=SearchOptions(limit=10))
    assert not second["cached"]
    assert slot_statements == []
    assert _slots_of(second, inst.profile_id) == _free_starts(indexed_engine, inst.profile_id)
    assert second["results"] == first["results"][:10]


def test_a_booking_made_since_is_never_shown_from_the_memo(indexed_engine, slot_statements, teacher):
    inst, slug, name, first_day = teacher
    cache = Cache(RedisHandle(URL), namespace=f"test:{uuid.uuid4().hex}")
    now = datetime.now(MARKET_TZ)
    before = search(indexed_engine, f"{name} lessons online", cache=cache, now=now, opts=SearchOptions(limit=20))
    assert _slots_of(before, inst.profile_id) == [at(first_day, 10), at(first_day + timedelta(days=1), 10)]
    # A booking of the first slot, committed, then the version bumped, as every write through the API does.
    insert_booking(indexed_engine, student=make_user(indexed_engine), inst=inst, day=first_day, hour=10, slug=slug)
    cache.bump()
    after = search(indexed_engine, f"{name} lessons online", cache=cache, now=now, opts=SearchOptions(limit=10))
    assert slot_statements, "the version changed: slots are read again"
    assert _slots_of(after, inst.profile_id) == _free_starts(indexed_engine, inst.profile_id)
    assert _slots_of(after, inst.profile_id) == [at(first_day + timedelta(days=1), 10)]


@pytest.mark.parametrize("view", ["replica", "redis down"])
def test_nothing_is_kept_from_a_replica_or_without_redis(indexed_engine, slot_statements, teacher, view):
    """A replica may not have replayed a write the version already counts; without Redis the version knows
    nothing of other processes' writes. Either way each search reads its slots."""
    _, _, name, _ = teacher
    namespace = f"test:{uuid.uuid4().hex}"
    cache: Cache
    if view == "replica":
        cache = ReplicaReadCache(Cache(RedisHandle(URL), namespace=namespace), max_ttl=5)
    else:
        cache = Cache(RedisHandle("redis://127.0.0.1:1/0"), namespace=namespace)  # nothing listens there
    now = datetime.now(MARKET_TZ)
    search(indexed_engine, f"{name} lessons online", cache=cache, now=now, opts=SearchOptions(limit=20))
    slot_statements.clear()
    second = search(indexed_engine, f"{name} lessons online", cache=cache, now=now, opts=SearchOptions(limit=10))
    assert not second["cached"]
    assert slot_statements, "slots were read again"


def test_a_slot_that_became_too_soon_is_not_shown_from_the_memo(indexed_engine, teacher):
    """The earliest bookable start (now plus the notice) is part of the window: at 7:00 a 10:00 lesson can
    be booked, at 8:30 it cannot (two hours' notice), though nothing was written between the searches."""
    inst, _, name, first_day = teacher
    cache = Cache(RedisHandle(URL), namespace=f"test:{uuid.uuid4().hex}")
    early = datetime.combine(first_day, time(7, 0), tzinfo=MARKET_TZ)
    later = datetime.combine(first_day, time(8, 30), tzinfo=MARKET_TZ)
    q = f"{name} lessons online"
    assert _slots_of(search(indexed_engine, q, cache=cache, now=early), inst.profile_id) == [
        at(first_day, 10),
        at(first_day + timedelta(days=1), 10),
    ]
    after = search(indexed_engine, q, cache=cache, now=later)
    assert _slots_of(after, inst.profile_id) == [at(first_day + timedelta(days=1), 10)]
