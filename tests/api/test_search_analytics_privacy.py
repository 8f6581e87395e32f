"""Search analytics and privacy: no raw IP address in any table, visitor-hash salts that rotate daily,
the export holds the person's own impressions and events, a deleted account's rows are unlinkable, and
retention purges the rows of guests who never signed in."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from services import analytics
from tests.factories import PASSWORD, bearer, insert_booking, make_instructor, make_user, new_client, nyc_today

IP = "10.201.202.203"


@pytest.fixture(scope="module")
def client(indexed_engine):
    with new_client(indexed_engine, ip=IP) as c:
        yield c


def _search(client, user=None, guest: str | None = None, q: str = "piano lessons") -> str:
    headers = {**(bearer(user) if user else {}), **({"X-Guest-Session-ID": guest} if guest else {})}
    response = client.get("/api/search", params={"q": q, "limit": 3}, headers=headers)
    assert response.status_code == 200
    return response.json()["search_id"]


def _click(client, search_id: str, user=None, guest: str | None = None) -> None:
    headers = {**(bearer(user) if user else {}), **({"X-Guest-Session-ID": guest} if guest else {})}
    sent = client.post(
        f"/api/search/{search_id}/events",
        json={"kind": "result_click", "position": 1, "instructor_service_id": str(uuid.uuid4())},
        headers=headers,
    )
    assert sent.status_code == 204


def test_no_table_holds_the_raw_ip(client, indexed_engine):
    """Search, browse, clicks, a booking, a registration, logins (a failed one too): the caller's
    address appears in no column of any table (every row is read whole, as text)."""
    user = make_user(indexed_engine)
    teacher = make_instructor(indexed_engine)
    search_id = _search(client, user)
    _click(client, search_id, user)
    client.get("/api/catalog/services/piano/instructors", params={"limit": 2})
    start = (datetime.combine(nyc_today() + timedelta(days=4), datetime.min.time()) + timedelta(hours=15)).isoformat()
    client.post(
        "/api/bookings",
        json={
            "instructor_id": str(teacher.profile_id),
            "instructor_service_id": str(teacher.offerings["piano"]),
            "start": start + "-05:00",
            "duration_minutes": 60,
            "format": "online",
            "search_id": search_id,
        },
        headers=bearer(user),
    )
    client.post(
        "/api/auth/register",
        json={"email": f"ip-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD, "full_name": "Ip Check"},
    )
    client.post("/api/auth/login", json={"email": user.email, "password": "not the password"})
    client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    client.cookies.clear()  # the session cookies of that login would sign in the next tests
    client.app.state.impressions.flush()
    with indexed_engine.connect() as conn:
        tables = (
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))
            .scalars()
            .all()
        )
        assert "search_impressions" in tables and "search_events" in tables
        found = {
            t: conn.execute(text(f'SELECT count(*) FROM "{t}" AS r WHERE r::text LIKE :ip'), {"ip": f"%{IP}%"}).scalar()
            for t in tables
        }
        hashed = conn.execute(
            text("SELECT visitor_hash FROM search_impressions WHERE id = :i"), {"i": search_id}
        ).scalar_one()
    assert {t: n for t, n in found.items() if n} == {}
    assert hashed and len(hashed) == 32


def test_salts_rotate_daily_and_yesterdays_is_gone(db):
    monday, tuesday = date(2031, 3, 3), date(2031, 3, 4)
    try:
        first = analytics.visitor_hash(db, IP, day=monday)
        assert analytics.visitor_hash(db, IP, day=monday) == first  # counted within the day
        assert analytics.visitor_hash(db, "10.0.0.1", day=monday) != first
        second = analytics.visitor_hash(db, IP, day=tuesday)
        assert second != first  # not linkable across days
        days = db.execute(text("SELECT day FROM visitor_salts ORDER BY day")).scalars().all()
        assert days == [tuesday]  # Monday's salt is gone: its hashes cannot be recomputed
    finally:
        analytics.SALTS.forget()


def test_export_holds_ones_own_impressions_and_events(client, indexed_engine):
    user, stranger = make_user(indexed_engine), make_user(indexed_engine)
    mine = _search(client, user, q="violin near me")
    _click(client, mine, user)
    theirs = _search(client, stranger, q="cello")
    exported = client.get("/api/privacy/export", headers=bearer(user)).json()
    assert [i["search_id"] for i in exported["search_impressions"]] == [mine]
    assert exported["search_impressions"][0]["query"] == "violin near me"
    assert [(e["search_id"], e["kind"], e["position"]) for e in exported["search_events"]] == [
        (mine, "result_click", 1)
    ]
    assert theirs not in str(exported)


def test_a_deleted_account_leaves_unlinkable_rows(client, indexed_engine):
    user = make_user(indexed_engine)
    guest = uuid.uuid4().hex
    before = _search(client, guest=guest, q="chess before signing in")  # as a guest, then signed in
    _click(client, before, guest=guest)
    signed = _search(client, user, guest=guest, q="chess for kids")
    _click(client, signed, user, guest=guest)
    teacher = make_instructor(indexed_engine)
    past = insert_booking(indexed_engine, student=user, inst=teacher, day=nyc_today() - timedelta(days=3), hour=11)
    with indexed_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO search_events (id, search_id, kind, booking_id, user_id) VALUES (:i, :s, 'booking', :b, :u)"
            ),
            {"i": uuid.uuid4(), "s": signed, "b": past, "u": user.id},
        )
    deleted = client.post("/api/privacy/delete", json={"password": PASSWORD}, headers=bearer(user))
    assert deleted.status_code == 200, deleted.text
    with indexed_engine.connect() as conn:
        impressions = conn.execute(
            text("SELECT user_id, guest_id, visitor_hash, anonymized_at FROM search_impressions WHERE id IN (:a, :b)"),
            {"a": before, "b": signed},
        ).all()
        events = conn.execute(
            text(
                "SELECT user_id, guest_id, visitor_hash, booking_id, anonymized_at FROM search_events "
                "WHERE search_id IN (:a, :b)"
            ),
            {"a": before, "b": signed},
        ).all()
    assert len(impressions) == 2 and len(events) == 3  # kept for aggregates
    assert all(r[:3] == (None, None, None) and r.anonymized_at for r in impressions), impressions
    assert all(r[:4] == (None, None, None, None) and r.anonymized_at for r in events), events


def test_retention_purges_guests_who_never_signed_in(db):
    now = datetime.now(UTC)
    old, recent, ancient = now - timedelta(days=91), now - timedelta(days=5), now - timedelta(days=400)
    user = db.execute(text("SELECT id FROM users ORDER BY created_at LIMIT 1")).scalar_one()
    stale, signed_up = uuid.uuid4().hex, uuid.uuid4().hex

    def impression(at, *, guest=None, user_id=None, anonymized=False) -> uuid.UUID:
        sid = uuid.uuid4()
        db.execute(
            text(
                "INSERT INTO search_impressions (id, created_at, user_id, guest_id, surface, query, "
                "normalized_query, ranker, anonymized_at) VALUES (:i, :at, :u, :g, 'search', 'q', 'q', 't', "
                "CASE WHEN :anon THEN now() END)"
            ),
            {"i": sid, "at": at, "u": user_id, "g": guest, "anon": anonymized},
        )
        db.execute(
            text(
                "INSERT INTO search_events (id, search_id, created_at, kind, position, user_id, guest_id) "
                "VALUES (:e, :i, :at, 'result_click', 1, :u, :g)"
            ),
            {"e": uuid.uuid4(), "i": sid, "at": at, "u": user_id, "g": guest},
        )
        return sid

    gone = [impression(old, guest=stale), impression(old)]
    kept = [
        impression(recent, guest=stale),
        impression(old, guest=signed_up),
        impression(recent, guest=signed_up, user_id=user),
        impression(old, anonymized=True),
    ]
    aged = impression(ancient, user_id=user)
    db.execute(text("INSERT INTO visitor_salts (day, salt) VALUES ('2020-01-01', 'x')"))
    counts = analytics.purge(db, now=now)
    assert counts["guest_impressions"] >= 2 and counts["guest_events"] >= 2 and counts["visitor_salts"] >= 1
    left = set(db.execute(text("SELECT id FROM search_impressions")).scalars())
    assert not left & set(gone) and set(kept) <= left and aged in left
    row = db.execute(text("SELECT user_id, anonymized_at FROM search_impressions WHERE id = :i"), {"i": aged}).one()
    assert row.user_id is None and row.anonymized_at is not None  # over a year old: anonymized
    assert db.execute(text("SELECT count(*) FROM visitor_salts WHERE day = '2020-01-01'")).scalar() == 0
