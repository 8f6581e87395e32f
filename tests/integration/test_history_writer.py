"""Search history written behind the request (services.history.HistoryWriter, record_batch) on the real
Postgres, each test rolled back: a batch means the same as recording each search, reads see what this
process queued, an erased or inactive account's queued searches are not written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import SearchHistory, User
from services import history


def _user(db) -> uuid.UUID:
    user = User(
        id=uuid.uuid4(),
        email=f"w-{uuid.uuid4().hex[:10]}@histtest.example.com",
        password_hash="x",
        full_name="W",
        role="student",
    )
    db.add(user)
    db.flush()
    return user.id


def _searched(user_id=None, guest_id=None, query="piano", at=None, result_count=1) -> history.Searched:
    return history.Searched(
        user_id=user_id,
        guest_id=guest_id,
        query=history.clean(query),
        key=history.normalize(query),
        search_type="natural_language",
        result_count=result_count,
        at=at or datetime.now(UTC),
    )


def _rows(db, **owner) -> dict[str, SearchHistory]:
    where = (
        SearchHistory.user_id == owner["user_id"]
        if owner.get("user_id")
        else (SearchHistory.user_id.is_(None) & (SearchHistory.guest_session_id == owner["guest_id"]))
    )
    db.expire_all()
    return {r.normalized_query: r for r in db.execute(select(SearchHistory).where(where)).scalars()}


@pytest.fixture
def writer(connection):
    w = history.HistoryWriter(lambda: Session(bind=connection, join_transaction_mode="create_savepoint"), interval=3600)
    yield w
    w.queue.discard(lambda _: True)  # nothing left for the exit flush once the test database is gone
    w.close()


def test_a_batch_folds_repeats_like_one_search_at_a_time(db):
    uid, guest = _user(db), history.new_guest_id()
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    batch = [
        _searched(user_id=uid, query="Piano lessons", at=t0, result_count=3),
        _searched(guest_id=guest, query="drums", at=t0),
        _searched(user_id=uid, query="piano   LESSONS", at=t0 + timedelta(seconds=1), result_count=7),
        _searched(user_id=uid, query="cello", at=t0 + timedelta(seconds=2)),
    ]
    assert history.record_batch(db, batch) == 3
    mine = _rows(db, user_id=uid)
    assert set(mine) == {"piano lessons", "cello"}
    piano = mine["piano lessons"]
    assert (piano.search_count, piano.query, piano.result_count) == (2, "piano LESSONS", 7)
    assert piano.first_searched_at == t0 and piano.last_searched_at == t0 + timedelta(seconds=1)
    assert _rows(db, guest_id=guest)["drums"].search_count == 1
    # A later batch adds to the counts and keeps the first time.
    history.record_batch(db, [_searched(user_id=uid, query="piano lessons")])
    piano = _rows(db, user_id=uid)["piano lessons"]
    assert piano.search_count == 3 and piano.first_searched_at == t0 and piano.query == "piano lessons"


def test_a_deleted_entry_searched_again_comes_back_fresh(db):
    uid = _user(db)
    history.record_batch(db, [_searched(user_id=uid, query="harp"), _searched(user_id=uid, query="harp")])
    history.clear(db, user_id=uid)
    later = datetime.now(UTC) + timedelta(seconds=1)
    history.record_batch(db, [_searched(user_id=uid, query="Harp", at=later)])
    harp = _rows(db, user_id=uid)["harp"]
    assert harp.deleted_at is None and harp.search_count == 1 and harp.first_searched_at == later


def test_an_inactive_account_gets_no_entries(db):
    uid = _user(db)
    db.execute(update(User).where(User.id == uid).values(is_active=False))
    assert history.record_batch(db, [_searched(user_id=uid, query="oboe")]) == 0
    assert _rows(db, user_id=uid) == {}


def test_queued_searches_are_seen_by_the_owners_next_read(db, writer):
    guest = history.new_guest_id()
    assert writer.add(user_id=None, guest_id=guest, query="Violin", search_type="category", result_count=4)
    assert writer.queue.pending() == 1 and _rows(db, guest_id=guest) == {}  # not written yet
    assert [e.query for e in history.recent(db, guest_id=guest)] == ["Violin"]
    assert writer.queue.pending() == 0


def test_nothing_to_record_is_not_queued(writer):
    assert not writer.add(user_id=None, guest_id=None, query="piano", search_type="natural_language", result_count=0)
    assert not writer.add(user_id=None, guest_id="short", query="piano", search_type="natural_language", result_count=0)
    guest = history.new_guest_id()
    assert not writer.add(user_id=None, guest_id=guest, query=" \x00 ", search_type="natural_language", result_count=0)
    with pytest.raises(ValueError):
        writer.add(user_id=None, guest_id=guest, query="piano", search_type="bogus", result_count=0)
    assert writer.queue.pending() == 0


def test_erasing_an_account_drops_its_queued_searches(db, writer):
    uid, guest = _user(db), history.new_guest_id()
    writer.add(user_id=uid, guest_id=None, query="tuba", search_type="natural_language", result_count=1)
    writer.add(user_id=None, guest_id=guest, query="tuba", search_type="natural_language", result_count=1)
    history.erase(db, user_id=uid)
    writer.flush()
    assert _rows(db, user_id=uid) == {}
    assert set(_rows(db, guest_id=guest)) == {"tuba"}


def test_a_guest_search_still_queued_merges_at_login(db, writer):
    uid, guest = _user(db), history.new_guest_id()
    writer.add(user_id=None, guest_id=guest, query="banjo", search_type="natural_language", result_count=2)
    assert history.merge_guest(db, guest_id=guest, user_id=uid) == 1
    assert _rows(db, user_id=uid)["banjo"].search_count == 1
