"""Helpers for the booking, availability, instructor and public API tests: fresh users, a fresh
instructor with its own availability, and access tokens minted directly. Every helper commits to
the shared test database with unique emails, so nothing here touches seeded rows."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.app import create_app
from core.settings import Settings
from services import tokens
from services.instructors import MARKET_TZ


CREATED_USERS: list[uuid.UUID] = []


def cleanup(engine: Engine) -> None:
    """Delete every user made here, with their profiles, bookings and emails: the shared test
    database keeps exactly its seeded rows for the tests that count them."""
    ids = [str(u) for u in CREATED_USERS]
    if not ids:
        return
    with engine.begin() as conn:
        params = {"u": ids}
        conn.execute(text(
            "DELETE FROM outbox WHERE payload->>'booking_id' IN (SELECT b.id::text FROM bookings b "
            "LEFT JOIN instructor_profiles p ON p.id = b.instructor_id "
            "WHERE b.student_id = ANY(CAST(:u AS uuid[])) OR p.user_id = ANY(CAST(:u AS uuid[])))"), params)
        conn.execute(text("DELETE FROM outbox WHERE recipient IN (SELECT email FROM users WHERE id = ANY(CAST(:u AS uuid[])))"),
                     params)
        conn.execute(text(
            "DELETE FROM bookings WHERE student_id = ANY(CAST(:u AS uuid[])) OR instructor_id IN "
            "(SELECT id FROM instructor_profiles WHERE user_id = ANY(CAST(:u AS uuid[])))"), params)
        conn.execute(text("DELETE FROM instructor_profiles WHERE user_id = ANY(CAST(:u AS uuid[]))"), params)
        conn.execute(text("DELETE FROM users WHERE id = ANY(CAST(:u AS uuid[]))"), params)
    CREATED_USERS.clear()


def nyc_now() -> datetime:
    return datetime.now(MARKET_TZ)


def nyc_today() -> date:
    return nyc_now().date()


def at(day: date, hh: int, mm: int = 0) -> str:
    """ISO 8601 with the New York offset of that day."""
    return datetime.combine(day, time(hh, mm), tzinfo=MARKET_TZ).isoformat()


def make_user(engine: Engine, *, role: str = "student", name: str | None = None) -> uuid.UUID:
    uid = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, email, password_hash, full_name, role, is_active, token_version) "
                          "VALUES (:i, :e, 'not-a-real-hash', :n, :r, true, 0)"),
                     {"i": uid, "e": f"{role}-{uid.hex[:12]}@bookings.test", "n": name or f"{role.title()} {uid.hex[:6]}",
                      "r": role})
    CREATED_USERS.append(uid)
    return uid


def bearer(user_id: uuid.UUID, settings: Settings | None = None) -> dict:
    settings = settings or Settings()
    token, _ = tokens.issue(user_id=user_id, token_version=0, kind="access", secret=settings.secret_key)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Instructor:
    user_id: uuid.UUID
    profile_id: uuid.UUID
    offerings: dict[str, uuid.UUID] = field(default_factory=dict)  # service slug → instructor_service id

    @property
    def headers(self) -> dict:
        return bearer(self.user_id)


def make_instructor(engine: Engine, *, first_day: date | None = None, days: int = 21,
                    windows: tuple[tuple[time, time], ...] = ((time(0, 0), time(23, 45)),),
                    services: tuple = (("piano", Decimal("80"), Decimal("60"), [30, 60, 90]),),
                    boroughs: tuple = ("brooklyn",)) -> Instructor:
    """A fresh instructor (own user and profile) with availability on every day of
    [first_day, first_day + days) and the given services (slug, in-person, online, lengths)."""
    user_id = make_user(engine, role="instructor", name=f"Teacher {uuid.uuid4().hex[:6]}")
    profile_id = uuid.uuid4()
    first_day = first_day or nyc_today() - timedelta(days=7)
    inst = Instructor(user_id, profile_id)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO instructor_profiles (id, user_id, bio, years_experience, languages, boroughs, "
                          "neighborhoods) VALUES (:p, :u, 'Patient teacher.', 5, ARRAY['english'], :b, '{}')"),
                     {"p": profile_id, "u": user_id, "b": list(boroughs)})
        for slug, in_person, online, lengths in services:
            isid = uuid.uuid4()
            conn.execute(text(
                "INSERT INTO instructor_services (id, profile_id, service_id, price_in_person, price_online, "
                "duration_options, age_groups, levels) SELECT :i, :p, s.id, :ip, :on, :d, s.age_groups, "
                "ARRAY['beginner'] FROM services s WHERE s.slug = :slug"),
                {"i": isid, "p": profile_id, "ip": in_person, "on": online, "d": lengths, "slug": slug})
            inst.offerings[slug] = isid
        rows = [{"i": uuid.uuid4(), "p": profile_id, "d": first_day + timedelta(days=k), "s": s, "e": e}
                for k in range(days) for s, e in windows]
        if rows:
            conn.execute(text("INSERT INTO availability_slots (id, instructor_id, slot_date, start_time, end_time) "
                              "VALUES (:i, :p, :d, :s, :e)"), rows)
    return inst


def booking_body(inst: Instructor, start: str, *, minutes: int = 60, fmt: str = "online", slug: str = "piano",
                 **extra) -> dict:
    return {"instructor_id": str(inst.profile_id), "instructor_service_id": str(inst.offerings[slug]),
            "start": start, "duration_minutes": minutes, "format": fmt, **extra}


# Shared by the booking, availability and public-page tests (import them by name).
@pytest.fixture(scope="module", autouse=True)
def _remove_created_rows(engine):
    yield
    cleanup(engine)


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(Settings(), engine=engine)) as c:
        yield c
