"""F3: deleting an account and booking a lesson for it at the same moment never leaves a deleted
account holding a future lesson. The booking locks the student's row (and the instructor's) and
re-checks it, so it waits for a deletion in progress and then sees the account is gone; a deletion
that comes second sees the booking and is refused.

The interleaving the probe hit is forced here: the deletion has counted no upcoming lesson and holds
the account's row; the booking starts; then the deletion commits."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.settings import Settings
from models import User
from services import privacy
from tests.factories import PASSWORD, at, bearer, booking_body, make_instructor, make_user, new_client, nyc_today


def _waiting_on_a_lock(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()


def _race(engine, monkeypatch, *, deleting_instructor: bool):
    student = make_user(engine)
    inst = make_instructor(engine)
    client = new_client(engine, settings=Settings(rate_limit_enabled=False))
    who = inst.user if deleting_instructor else student
    counted, go = threading.Event(), threading.Event()
    real = privacy.upcoming_bookings

    def paused(*args, **kwargs):
        n = real(*args, **kwargs)
        counted.set()
        go.wait(20)
        return n

    monkeypatch.setattr(privacy, "upcoming_bookings", paused)
    outcome: dict[str, object] = {}

    def delete() -> None:
        with Session(engine, expire_on_commit=False) as db:
            user = db.get(User, who.id)
            assert user is not None
            try:
                privacy.delete_account(db, user=user, password=PASSWORD, tz="America/New_York")
                outcome["deleted"] = True
            except Exception as exc:  # a refusal is a fine outcome too
                outcome["deleted"] = repr(exc)

    def book() -> None:
        start = at(nyc_today() + timedelta(days=5), 11)
        outcome["booking"] = client.post("/api/bookings", json=booking_body(inst, start), headers=bearer(student))

    deleter = threading.Thread(target=delete)
    deleter.start()
    assert counted.wait(20)
    before = _waiting_on_a_lock(engine)
    booker = threading.Thread(target=book)
    booker.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and booker.is_alive() and _waiting_on_a_lock(engine) <= before:
        time.sleep(0.02)
    go.set()
    deleter.join(20)
    booker.join(20)
    with engine.connect() as conn:
        anonymized = conn.execute(
            text("SELECT anonymized_at IS NOT NULL FROM users WHERE id = :u"), {"u": who.id}
        ).scalar_one()
        live = conn.execute(
            text(
                "SELECT count(*) FROM bookings b JOIN instructor_profiles p ON p.id = b.instructor_id "
                "WHERE b.status = 'confirmed' AND (b.student_id = :u OR p.user_id = :u)"
            ),
            {"u": who.id},
        ).scalar_one()
    return outcome, anonymized, live


def test_a_student_deleted_while_booking_holds_no_lesson(engine, monkeypatch):
    outcome, anonymized, live = _race(engine, monkeypatch, deleting_instructor=False)
    assert outcome["deleted"] is True and anonymized
    assert live == 0, outcome["booking"].text
    assert outcome["booking"].status_code == 401


def test_an_instructor_deleted_while_booked_holds_no_lesson(engine, monkeypatch):
    outcome, anonymized, live = _race(engine, monkeypatch, deleting_instructor=True)
    assert outcome["deleted"] is True and anonymized
    assert live == 0, outcome["booking"].text
    assert outcome["booking"].status_code == 404
