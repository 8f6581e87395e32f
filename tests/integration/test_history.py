"""services.history on the real Postgres (each test rolled back): recording, dedup, revival of deleted
queries, guest-to-user merge (case variants included) and retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from models import SearchHistory, User
from services import history
from services.errors import NotFound


def _user(db) -> uuid.UUID:
    user = User(
        id=uuid.uuid4(),
        email=f"h-{uuid.uuid4().hex[:10]}@histtest.example.com",
        password_hash="x",
        full_name="H",
        role="student",
    )
    db.add(user)
    db.flush()
    return user.id


def _guest() -> str:
    return history.new_guest_id()


def _rows(db, *, user_id=None, guest_id=None, deleted=False):
    q = select(SearchHistory)
    q = (
        q.where(SearchHistory.user_id == user_id)
        if user_id
        else q.where(SearchHistory.user_id.is_(None), SearchHistory.guest_session_id == guest_id)
    )
    if not deleted:
        q = q.where(SearchHistory.deleted_at.is_(None))
    return list(db.execute(q).scalars())


def test_normalize_folds_case_width_and_spaces():
    assert history.normalize("  Piano   LESSONS\tin Brooklyn ") == "piano lessons in brooklyn"
    assert history.normalize("ＰＩＡＮＯ") == "piano"
    assert history.normalize("Straße") == history.normalize("STRASSE")
    assert history.normalize("a\x00b\x01c") == "a b c"
    assert history.normalize("\x00 \x00") == ""
    assert len(history.normalize("x" * 5000)) == history.MAX_QUERY_CHARS


def test_repeat_bumps_count_and_last_seen(db):
    uid = _user(db)
    first = history.record(
        db, user_id=uid, guest_id=None, query="Piano lessons", search_type="natural_language", result_count=5
    )
    first_seen = first.first_searched_at
    db.execute(
        text(
            "UPDATE search_history SET last_searched_at = now() - interval '1 hour', "
            "first_searched_at = now() - interval '1 hour' WHERE id = :id"
        ),
        {"id": first.id},
    )
    again = history.record(
        db, user_id=uid, guest_id=None, query="  PIANO  lessons ", search_type="natural_language", result_count=7
    )
    assert again.id == first.id
    assert again.search_count == 2 and again.result_count == 7 and again.query == "PIANO lessons"
    assert again.last_searched_at > again.first_searched_at
    assert len(_rows(db, user_id=uid)) == 1
    assert first_seen is not None


def test_empty_or_ownerless_queries_are_not_recorded(db):
    uid = _user(db)
    assert (
        history.record(db, user_id=uid, guest_id=None, query=" \x00 ", search_type="natural_language", result_count=0)
        is None
    )
    assert (
        history.record(db, user_id=None, guest_id=None, query="piano", search_type="natural_language", result_count=0)
        is None
    )
    assert (
        history.record(
            db, user_id=None, guest_id="bad id!", query="piano", search_type="natural_language", result_count=0
        )
        is None
    )
    with pytest.raises(ValueError):
        history.record(db, user_id=uid, guest_id=None, query="piano", search_type="bogus", result_count=0)


def test_nul_characters_are_stripped_before_storing(db):
    uid = _user(db)
    row = history.record(
        db, user_id=uid, guest_id=None, query="gui\x00tar", search_type="natural_language", result_count=1
    )
    assert row.query == "gui tar" and "\x00" not in row.normalized_query


def test_types_and_owners_are_separate(db):
    uid, guest = _user(db), _guest()
    history.record(db, user_id=uid, guest_id=None, query="music", search_type="category", result_count=9)
    history.record(db, user_id=None, guest_id=guest, query="music", search_type="service_pill", result_count=3)
    mine, theirs = _rows(db, user_id=uid), _rows(db, guest_id=guest)
    assert [r.search_type for r in mine] == ["category"] and [r.search_type for r in theirs] == ["service_pill"]


def test_recent_is_most_recent_first_and_limited(db):
    uid = _user(db)
    for i in range(12):
        row = history.record(
            db, user_id=uid, guest_id=None, query=f"query {i}", search_type="natural_language", result_count=i
        )
        db.execute(
            text("UPDATE search_history SET last_searched_at = now() + make_interval(secs => :i) WHERE id = :id"),
            {"i": i, "id": row.id},
        )
    got = history.recent(db, user_id=uid)
    assert [r.query for r in got] == [f"query {i}" for i in range(11, 1, -1)]
    assert len(history.recent(db, user_id=uid, limit=3)) == 3


def test_deleted_query_comes_back_fresh(db):
    uid = _user(db)
    row = history.record(db, user_id=uid, guest_id=None, query="drums", search_type="natural_language", result_count=1)
    history.record(db, user_id=uid, guest_id=None, query="drums", search_type="natural_language", result_count=1)
    history.remove(db, entry_id=row.id, user_id=uid)
    assert history.recent(db, user_id=uid) == []
    back = history.record(db, user_id=uid, guest_id=None, query="Drums", search_type="natural_language", result_count=2)
    assert back.id == row.id and back.deleted_at is None and back.search_count == 1
    assert [r.id for r in history.recent(db, user_id=uid)] == [row.id]


def test_remove_is_owner_only(db):
    owner, intruder = _user(db), _user(db)
    row = history.record(
        db, user_id=owner, guest_id=None, query="violin", search_type="natural_language", result_count=1
    )
    with pytest.raises(NotFound):
        history.remove(db, entry_id=row.id, user_id=intruder)
    with pytest.raises(NotFound):
        history.remove(db, entry_id=row.id, guest_id=_guest())
    assert len(_rows(db, user_id=owner)) == 1


def test_clear_soft_deletes_all_of_mine_only(db):
    owner, other = _user(db), _user(db)
    for q in ("a1", "a2"):
        history.record(db, user_id=owner, guest_id=None, query=q, search_type="natural_language", result_count=0)
    history.record(db, user_id=other, guest_id=None, query="a1", search_type="natural_language", result_count=0)
    assert history.clear(db, user_id=owner) == 2
    assert _rows(db, user_id=owner) == [] and len(_rows(db, user_id=owner, deleted=True)) == 2
    assert len(_rows(db, user_id=other)) == 1


def test_merge_guest_into_user_with_case_variants_and_existing_rows(db):
    uid, guest = _user(db), _guest()
    history.record(db, user_id=uid, guest_id=None, query="piano", search_type="natural_language", result_count=4)
    gone = history.record(db, user_id=uid, guest_id=None, query="cello", search_type="natural_language", result_count=1)
    history.remove(db, entry_id=gone.id, user_id=uid)
    for q in ("Piano", "cello", "Yoga", "yoga"):
        history.record(db, user_id=None, guest_id=guest, query=q, search_type="natural_language", result_count=2)
    # A row written by an older normalizer, differing from another only in case:
    db.execute(
        text(
            "INSERT INTO search_history (id, guest_session_id, query, normalized_query, search_type, "
            "search_count) VALUES (:id, :g, 'YOGA', 'YOGA', 'category', 3)"
        ),
        {"id": uuid.uuid4(), "g": guest},
    )
    merged = history.merge_guest(db, guest_id=guest, user_id=uid)
    assert merged == 3
    mine = {r.normalized_query: r for r in _rows(db, user_id=uid)}
    assert set(mine) == {"piano", "cello", "yoga"}
    assert mine["piano"].search_count == 2
    assert mine["cello"].search_count == 1 and mine["cello"].deleted_at is None  # searched again: back
    assert mine["yoga"].search_count == 2 + 3  # "Yoga" then "yoga" (one guest row), plus "YOGA"
    guest_rows = _rows(db, guest_id=guest, deleted=True)
    assert guest_rows and all(r.converted_at is not None and r.deleted_at is not None for r in guest_rows)
    assert _rows(db, guest_id=guest) == []
    assert history.merge_guest(db, guest_id=guest, user_id=uid) == 0  # idempotent


def test_merge_safely_swallows_failures(db, monkeypatch):
    uid = _user(db)

    def boom(*args, **kwargs):
        raise RuntimeError("history is broken")

    monkeypatch.setattr(history, "merge_guest", boom)
    assert history.merge_guest_safely(db, guest_id=_guest(), user_id=uid) == 0


def test_retention_purges_old_soft_deleted_and_stale_guest_rows(db):
    uid, stale_guest, fresh_guest, converted_guest = _user(db), _guest(), _guest(), _guest()
    now = datetime.now(UTC)

    def put(query, **owner):
        return history.record(
            db,
            query=query,
            search_type="natural_language",
            result_count=0,
            **{"user_id": None, "guest_id": None, **owner},
        )

    old_deleted = put("old deleted", user_id=uid)
    new_deleted = put("new deleted", user_id=uid)
    kept = put("kept", user_id=uid)
    stale = put("stale", guest_id=stale_guest)
    fresh = put("fresh", guest_id=fresh_guest)
    converted = put("converted", guest_id=converted_guest)
    db.execute(
        text("UPDATE search_history SET deleted_at = :t WHERE id = :id"),
        {"t": now - timedelta(days=91), "id": old_deleted.id},
    )
    db.execute(
        text("UPDATE search_history SET deleted_at = :t WHERE id = :id"),
        {"t": now - timedelta(days=89), "id": new_deleted.id},
    )
    db.execute(
        text("UPDATE search_history SET last_searched_at = :t, first_searched_at = :t WHERE id IN (:a, :b)"),
        {"t": now - timedelta(days=121), "a": stale.id, "b": converted.id},
    )
    db.execute(
        text("UPDATE search_history SET converted_at = :t WHERE id = :id"),
        {"t": now - timedelta(days=30), "id": converted.id},
    )
    db.execute(
        text("UPDATE search_history SET last_searched_at = :t WHERE id = :id"),
        {"t": now - timedelta(days=119), "id": fresh.id},
    )
    ids = [old_deleted.id, new_deleted.id, kept.id, stale.id, fresh.id, converted.id]

    assert history.purge(db, now=now, dry_run=True) == {"soft_deleted": 1, "stale_guest": 1}
    assert history.purge(db, now=now) == {"soft_deleted": 1, "stale_guest": 1}
    left = set(db.execute(select(SearchHistory.id).where(SearchHistory.id.in_(ids))).scalars())
    assert left == {new_deleted.id, kept.id, fresh.id, converted.id}
