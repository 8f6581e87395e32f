"""Test factories: users, instructors with availability, access tokens, booking bodies.

Every factory commits to the shared test database with unique emails and remembers the users it made;
the autouse fixture in tests/api/conftest.py and tests/integration/conftest.py deletes them (with their
profiles, bookings and emails) at the end of each module, so the database keeps exactly its seeded rows.
Nothing here touches a seeded row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.app import create_app
from core.clock import MARKET_TZ
from core.settings import Settings
from services import passwords, tokens

PASSWORD = "correct horse battery"
# The users each factory made, per database (engine), deleted by cleanup().
CREATED_USERS: dict[Engine, list[uuid.UUID]] = {}


@lru_cache
def _password_hash() -> str:
    """Argon2 is slow on purpose: hash the shared test password once per run."""
    return passwords.hash_password(PASSWORD)


# ---- users and tokens --------------------------------------------------------------------------


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # not a pytest test class

    id: uuid.UUID
    email: str
    role: str
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self)


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@factories.test"


def make_user(engine: Engine, *, role: str = "student", email: str | None = None, name: str | None = None) -> TestUser:
    """A committed, active user whose password is PASSWORD."""
    user = TestUser(
        id=uuid.uuid4(),
        email=email or unique_email(role),
        role=role,
        name=name or f"{role.title()} {uuid.uuid4().hex[:6]}",
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, full_name, role, is_active, token_version) "
                "VALUES (:id, :email, :hash, :name, :role, true, 0)"
            ),
            {"id": user.id, "email": user.email, "hash": _password_hash(), "name": user.name, "role": user.role},
        )
    CREATED_USERS.setdefault(engine, []).append(user.id)
    return user


def bearer(user: TestUser | uuid.UUID, *, secret: str | None = None, version: int = 0) -> dict[str, str]:
    """An Authorization header with an access token minted directly (no login round trip)."""
    user_id = user.id if isinstance(user, TestUser) else user
    token, _ = tokens.issue(
        user_id=user_id, token_version=version, kind="access", secret=secret or Settings().secret_key
    )
    return {"Authorization": f"Bearer {token}"}


def new_client(engine: Engine, ip: str | None = None, settings: Settings | None = None) -> TestClient:
    """A client with its own address, so per-IP throttling of one test never touches another."""
    n = uuid.uuid4().int
    address = ip or f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"
    return TestClient(create_app(settings or Settings(), engine=engine), client=(address, 50000))


# ---- time --------------------------------------------------------------------------------------


def nyc_now() -> datetime:
    return datetime.now(MARKET_TZ)


def nyc_today() -> date:
    return nyc_now().date()


def at(day: date, hh: int, mm: int = 0) -> str:
    """ISO 8601 with the New York offset of that day."""
    return datetime.combine(day, time(hh, mm), tzinfo=MARKET_TZ).isoformat()


# ---- instructors and bookings ------------------------------------------------------------------


@dataclass
class Instructor:
    user: TestUser
    profile_id: uuid.UUID
    offerings: dict[str, uuid.UUID] = field(default_factory=dict)  # service slug → instructor_service id

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.user)


def make_instructor(
    engine: Engine,
    *,
    first_day: date | None = None,
    days: int = 21,
    windows: tuple[tuple[time, time], ...] = ((time(0, 0), time(23, 45)),),
    services: tuple[tuple[str, Decimal | None, Decimal | None, list[int]], ...] = (
        ("piano", Decimal("80"), Decimal("60"), [30, 60, 90]),
    ),
    boroughs: tuple[str, ...] = ("brooklyn",),
    bio: str = "Patient teacher.",
) -> Instructor:
    """A fresh instructor (own user and profile) with availability on every day of
    [first_day, first_day + days) and the given services (slug, in-person, online, lengths)."""
    user = make_user(engine, role="instructor", name=f"Teacher {uuid.uuid4().hex[:6]}")
    profile_id = uuid.uuid4()
    first_day = first_day or nyc_today() - timedelta(days=7)
    inst = Instructor(user, profile_id)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO instructor_profiles (id, user_id, bio, years_experience, languages, boroughs, "
                "neighborhoods) VALUES (:p, :u, :bio, 5, ARRAY['english'], :b, '{}')"
            ),
            {"p": profile_id, "u": user.id, "b": list(boroughs), "bio": bio},
        )
        for slug, in_person, online, lengths in services:
            isid = uuid.uuid4()
            conn.execute(
                text(
                    "INSERT INTO instructor_services (id, profile_id, service_id, price_in_person, price_online, "
                    "duration_options, age_groups, levels) SELECT :i, :p, s.id, :ip, :on, :d, s.age_groups, "
                    "ARRAY['beginner'] FROM services s WHERE s.slug = :slug"
                ),
                {"i": isid, "p": profile_id, "ip": in_person, "on": online, "d": lengths, "slug": slug},
            )
            inst.offerings[slug] = isid
        rows = [
            {"i": uuid.uuid4(), "p": profile_id, "d": first_day + timedelta(days=k), "s": s, "e": e}
            for k in range(days)
            for s, e in windows
        ]
        if rows:
            conn.execute(
                text(
                    "INSERT INTO availability_slots (id, instructor_id, slot_date, start_time, end_time) "
                    "VALUES (:i, :p, :d, :s, :e)"
                ),
                rows,
            )
    return inst


def booking_body(
    inst: Instructor, start: str, *, minutes: int = 60, fmt: str = "online", slug: str = "piano", **extra: object
) -> dict[str, object]:
    return {
        "instructor_id": str(inst.profile_id),
        "instructor_service_id": str(inst.offerings[slug]),
        "start": start,
        "duration_minutes": minutes,
        "format": fmt,
        **extra,
    }


def insert_booking(
    engine: Engine,
    *,
    student: TestUser,
    inst: Instructor,
    day: date,
    hour: int,
    status: str = "confirmed",
    slug: str = "piano",
    notes: str = "",
) -> uuid.UUID:
    """A booking written straight into the table (past or far-future lessons the API would refuse)."""
    booking_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO bookings (id, student_id, instructor_id, instructor_service_id, booking_date, "
                "start_time, end_time, duration_minutes, status, location_type, hourly_rate, total_price, notes) "
                "VALUES (:id, :s, :p, :svc, :d, :st, :et, 60, :status, 'online', 50, 50, :notes)"
            ),
            {
                "id": booking_id,
                "s": student.id,
                "p": inst.profile_id,
                "svc": inst.offerings[slug],
                "d": day,
                "st": time(hour),
                "et": time(hour + 1),
                "status": status,
                "notes": notes,
            },
        )
    return booking_id


def forget(engine: Engine) -> None:
    """The users made in a database that is about to be dropped need no cleanup."""
    CREATED_USERS.pop(engine, None)


def cleanup(engine: Engine | None = None) -> None:
    """Delete every user made here (in `engine`, or in every database), with their profiles,
    bookings and emails."""
    for eng in [engine] if engine is not None else list(CREATED_USERS):
        _cleanup(eng, CREATED_USERS.pop(eng, []))


def _cleanup(engine: Engine, users: list[uuid.UUID]) -> None:
    ids = [str(u) for u in users]
    if not ids:
        return
    with engine.begin() as conn:
        params = {"u": ids}
        conn.execute(
            text(
                "DELETE FROM outbox WHERE payload->>'booking_id' IN (SELECT b.id::text FROM bookings b "
                "LEFT JOIN instructor_profiles p ON p.id = b.instructor_id "
                "WHERE b.student_id = ANY(CAST(:u AS uuid[])) OR p.user_id = ANY(CAST(:u AS uuid[])))"
            ),
            params,
        )
        conn.execute(
            text("DELETE FROM outbox WHERE recipient IN (SELECT email FROM users WHERE id = ANY(CAST(:u AS uuid[])))"),
            params,
        )
        conn.execute(
            text(
                "DELETE FROM bookings WHERE student_id = ANY(CAST(:u AS uuid[])) OR instructor_id IN "
                "(SELECT id FROM instructor_profiles WHERE user_id = ANY(CAST(:u AS uuid[])))"
            ),
            params,
        )
        conn.execute(text("DELETE FROM instructor_profiles WHERE user_id = ANY(CAST(:u AS uuid[]))"), params)
        conn.execute(text("DELETE FROM users WHERE id = ANY(CAST(:u AS uuid[]))"), params)


def login(client: TestClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/auth/login", json={"email": email, "password": password})


# ---- search ------------------------------------------------------------------------------------


def embed(engine: Engine, inst: Instructor) -> None:
    """Embed a fresh instructor's documents, as `python -m index build` would, so search sees them."""
    from index.build import build

    build(engine, profile_ids=[inst.profile_id], quiet=True)


def search_all(client: TestClient, q: str, **params: Any) -> dict[str, dict]:
    """Every result of a search over all its pages, by instructor (profile) id."""
    found: dict[str, dict] = {}
    for offset in range(0, 2000, 50):
        response = client.get("/api/search", params={"q": q, "limit": 50, "offset": offset, **params})
        assert response.status_code == 200, response.text
        page = response.json()["results"]
        for result in page:
            found.setdefault(result["instructor"]["id"], result)
        if len(page) < 50:
            break
    return found
