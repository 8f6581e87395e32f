"""Authorization matrix: every private route × anonymous / student / instructor / admin / another user of
the owner's role. One table (ROUTES) drives it; to cover a new route, add one Case. Every operation of
the OpenAPI schema must be in ROUTES or in PUBLIC (checked below, and that check is itself tested).

How a Case reads:
- `path` and `json` may hold placeholders, filled per test from a fresh set of users:
    {history_id}   a search-history entry of the OWNER (a user of role `owner`)
    {target_id}    a bystander student, the object of admin actions
    {new_email}    an email no account has
    {refresh_token} the acting user's own refresh token ("" for anonymous)
    {password}     every test user's password
    {booking_id}   the OWNER's upcoming booking (a student owner's lesson; an instructor owner's lesson to teach)
    {past_booking_id} an instructor owner's lesson that has ended
    {service_id}   an instructor owner's offering (instructor_service id)
    {teacher_id}, {teacher_service_id}  a bystander instructor and offering anyone may book
    {start}, {later}  free lesson starts with the teacher; {monday} a future week; {blackout_day} the
                   owner's blackout date; {free_day} a day that is nobody's blackout
  Every instructor (the actor, "other", the owner) has a profile with availability.
- `expect` gives the status for each actor. The actor named like the owner's role IS the owner;
  "other" is a second user of that role, who must never read or change the owner's data.
- After every request by someone who is not the owner, the owner's session, profile and history
  must be intact, and the answer must not contain the owner's email or searches (unless the actor is
  listed in `sees_owner`). The target's role and overrides change only for actors in `changes_target`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from services import tokens
from tests.factories import (
    PASSWORD,
    Instructor,
    TestUser,
    at,
    insert_booking,
    make_instructor,
    make_user,
    nyc_today,
    unique_email,
)

ACTORS = ("anonymous", "student", "instructor", "admin", "other")


def expect(anonymous: int, student: int, instructor: int, admin: int, other: int) -> dict[str, int]:
    return {"anonymous": anonymous, "student": student, "instructor": instructor, "admin": admin, "other": other}


EVERYONE_SIGNED_IN = expect(401, 200, 200, 200, 200)
ADMIN_ONLY = expect(401, 403, 403, 200, 403)
# Instructor routes on one's own profile: an admin has the permission but no instructor profile (404).
OWN_PROFILE = expect(401, 403, 200, 404, 200)
# ... on one object of the owner's: another instructor is told it does not exist.
OWNER_ONLY = expect(401, 403, 200, 404, 404)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expect: dict[str, int]
    json: dict | None = None
    owner: str = "student"
    sees_owner: tuple[str, ...] = ()
    changes_target: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


ROUTES: list[Case] = [
    # --- auth (public) ---
    Case(
        "POST",
        "/api/auth/register",
        expect(201, 201, 201, 201, 201),
        json={"email": "{new_email}", "password": "{password}", "full_name": "New Person"},
    ),
    Case(
        "POST",
        "/api/auth/login",
        expect(401, 401, 401, 401, 401),
        json={"email": "{new_email}", "password": "{password}"},
    ),
    Case("POST", "/api/auth/refresh", expect(401, 200, 200, 200, 200), json={"refresh_token": "{refresh_token}"}),
    Case("POST", "/api/auth/password-reset/request", expect(202, 202, 202, 202, 202), json={"email": "{new_email}"}),
    Case(
        "POST",
        "/api/auth/password-reset/confirm",
        expect(400, 400, 400, 400, 400),
        json={"token": "not-a-real-token", "new_password": "a new password"},
    ),
    # --- auth (signed in) ---
    Case("GET", "/api/auth/me", EVERYONE_SIGNED_IN),
    Case("POST", "/api/auth/logout", EVERYONE_SIGNED_IN),
    Case("POST", "/api/auth/logout-all", EVERYONE_SIGNED_IN),
    Case(
        "POST",
        "/api/auth/change-password",
        EVERYONE_SIGNED_IN,
        json={"current_password": "{password}", "new_password": "a changed password"},
    ),
    # --- search history (owners only) ---
    Case("GET", "/api/search-history", EVERYONE_SIGNED_IN),
    Case("DELETE", "/api/search-history", EVERYONE_SIGNED_IN),
    Case("DELETE", "/api/search-history/{history_id}", expect(401, 204, 404, 404, 404)),
    Case("DELETE", "/api/search-history/{history_id}", expect(401, 404, 204, 404, 404), owner="instructor"),
    # --- privacy ---
    Case("GET", "/api/privacy/export", EVERYONE_SIGNED_IN),
    Case("POST", "/api/privacy/delete", EVERYONE_SIGNED_IN, json={"password": "{password}"}),
    # --- admin ---
    Case("GET", "/api/admin/users", ADMIN_ONLY, sees_owner=("admin",)),
    Case("GET", "/api/admin/users/{target_id}", ADMIN_ONLY),
    Case(
        "PATCH", "/api/admin/users/{target_id}/role", ADMIN_ONLY, json={"role": "instructor"}, changes_target=("admin",)
    ),
    Case(
        "PUT",
        "/api/admin/users/{target_id}/permissions/create_bookings",
        ADMIN_ONLY,
        json={"granted": False},
        changes_target=("admin",),
    ),
    Case("DELETE", "/api/admin/users/{target_id}/permissions/create_bookings", ADMIN_ONLY, changes_target=("admin",)),
    # --- search analytics: anyone may report a click on a search's result; insights need view_analytics ---
    Case(
        "POST",
        "/api/search/00000000-0000-4000-8000-000000000020/events",
        expect(204, 204, 204, 204, 204),
        json={"kind": "result_click", "position": 1, "instructor_service_id": "{teacher_service_id}"},
    ),
    Case("GET", "/api/admin/search-insights", ADMIN_ONLY),
    # --- student bookings (owner: a student with an upcoming lesson) ---
    Case(
        "POST",
        "/api/bookings",
        expect(401, 201, 403, 201, 201),
        json={
            "instructor_id": "{teacher_id}",
            "instructor_service_id": "{teacher_service_id}",
            "start": "{start}",
            "duration_minutes": 60,
            "format": "online",
        },
    ),
    Case("GET", "/api/bookings", expect(401, 200, 403, 200, 200)),
    Case("GET", "/api/bookings/{booking_id}", expect(401, 200, 403, 200, 404), sees_owner=("admin",)),
    Case("POST", "/api/bookings/{booking_id}/cancel", expect(401, 200, 403, 404, 404)),
    Case("POST", "/api/bookings/{booking_id}/reschedule", expect(401, 201, 403, 404, 404), json={"start": "{later}"}),
    # --- reviews (owner: a student with a completed, reviewed lesson; posting again edits it) ---
    Case("POST", "/api/bookings/{reviewed_booking_id}/review", expect(401, 200, 403, 404, 404), json={"rating": 4}),
    Case("GET", "/api/bookings/{reviewed_booking_id}/review", expect(401, 200, 403, 404, 404)),
    Case("GET", "/api/reviews", expect(401, 200, 403, 200, 200)),
    # --- instructor self-service (owner: an instructor; "other" edits only their own profile) ---
    Case("GET", "/api/instructor/profile", OWN_PROFILE, owner="instructor"),
    Case("PATCH", "/api/instructor/profile", OWN_PROFILE, owner="instructor", json={"bio": "Changed by the matrix."}),
    Case("GET", "/api/instructor/services", OWN_PROFILE, owner="instructor"),
    Case(
        "POST",
        "/api/instructor/services",
        expect(401, 403, 201, 404, 201),
        owner="instructor",
        json={"service": "guitar", "price_online": "40", "duration_options": [60]},
    ),
    Case("PATCH", "/api/instructor/services/{service_id}", OWNER_ONLY, owner="instructor", json={"price_online": "45"}),
    Case("DELETE", "/api/instructor/services/{service_id}", OWNER_ONLY, owner="instructor"),
    Case("GET", "/api/instructor/availability/weeks/{monday}", OWN_PROFILE, owner="instructor"),
    Case("PUT", "/api/instructor/availability/weeks/{monday}", OWN_PROFILE, owner="instructor", json={"days": []}),
    Case(
        "POST", "/api/instructor/availability/weeks/{monday}/copy", OWN_PROFILE, owner="instructor", json={"weeks": 1}
    ),
    Case(
        "POST",
        "/api/instructor/availability/pattern",
        OWN_PROFILE,
        owner="instructor",
        json={
            "start_date": "{monday}",
            "end_date": "{sunday}",
            "pattern": {"monday": [{"start": "09:00", "end": "12:00"}]},
        },
    ),
    Case("GET", "/api/instructor/blackouts", OWN_PROFILE, owner="instructor"),
    Case(
        "POST",
        "/api/instructor/blackouts",
        expect(401, 403, 201, 404, 201),
        owner="instructor",
        json={"date": "{free_day}", "reason": "matrix"},
    ),
    Case("DELETE", "/api/instructor/blackouts/{blackout_day}", expect(401, 403, 204, 404, 404), owner="instructor"),
    Case("GET", "/api/instructor/bookings", OWN_PROFILE, owner="instructor"),
    Case("GET", "/api/instructor/bookings/{booking_id}", OWNER_ONLY, owner="instructor"),
    Case("POST", "/api/instructor/bookings/{past_booking_id}/complete", OWNER_ONLY, owner="instructor"),
    Case("POST", "/api/instructor/bookings/{past_booking_id}/no-show", OWNER_ONLY, owner="instructor"),
    Case("POST", "/api/instructor/bookings/{booking_id}/cancel", OWNER_ONLY, owner="instructor"),
]

# Operations anyone may call (checked below: an anonymous caller is never refused with 401/403).
PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/health"): "/health",
    ("GET", "/ready"): "/ready",
    ("GET", "/api/search"): "/api/search?q=piano",
    ("GET", "/api/search/status"): "/api/search/status",
    ("GET", "/api/catalog/categories"): "/api/catalog/categories",
    ("GET", "/api/catalog/categories/{slug}/instructors"): "/api/catalog/categories/music/instructors",
    ("GET", "/api/catalog/services/{slug}/instructors"): "/api/catalog/services/piano/instructors",
    ("GET", "/api/public/instructors/{instructor_id}"): "/api/public/instructors/{teacher_id}",
    (
        "GET",
        "/api/public/instructors/{instructor_id}/availability",
    ): "/api/public/instructors/{teacher_id}/availability",
    (
        "GET",
        "/api/public/instructors/{instructor_id}/next-available",
    ): "/api/public/instructors/{teacher_id}/next-available",
    ("GET", "/api/public/instructors/{instructor_id}/reviews"): "/api/public/instructors/{teacher_id}/reviews",
    ("GET", "/health/lite"): "/health/lite",
    # Guarded by the monitoring key, not by a role: open in development when no key is set (what this
    # matrix runs), 401 without the key once one is (tests/api/test_monitoring.py).
    ("GET", "/api/monitoring/slow-requests"): "/api/monitoring/slow-requests",
    ("GET", "/api/monitoring/slow-queries"): "/api/monitoring/slow-queries",
}
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@pytest.fixture(scope="module")
def app(engine):
    return create_app(Settings(), engine=engine)


def _client(app) -> TestClient:
    n = uuid.uuid4().int
    return TestClient(app, client=(f"10.8.{n % 250}.{(n >> 8) % 250}", 50000))


@dataclass
class Person:
    id: uuid.UUID
    email: str
    role: str
    marker: str
    history_id: uuid.UUID
    access: str = ""
    refresh: str = ""
    instructor: Instructor | None = None  # every instructor has a profile with availability


def _person(engine, role: str) -> Person:
    inst = make_instructor(engine) if role == "instructor" else None
    user = inst.user if inst else make_user(engine, role=role)
    marker = f"marker {uuid.uuid4().hex}"
    history_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO search_history (id, user_id, query, normalized_query, search_type) "
                "VALUES (:id, :u, :q, :q, 'natural_language')"
            ),
            {"id": history_id, "u": user.id, "q": marker},
        )
    secret = Settings().secret_key
    access, _ = tokens.issue(user_id=user.id, token_version=0, kind="access", secret=secret)
    refresh, _ = tokens.issue(user_id=user.id, token_version=0, kind="refresh", secret=secret)
    return Person(user.id, user.email, role, marker, history_id, access, refresh, inst)


def _world(engine, case: Case) -> tuple[dict[str, Person], dict[str, object]]:
    """Fresh people for one request, and the values of the placeholders. The owner has lessons only
    where the case refers to one (an upcoming lesson would refuse an account deletion)."""
    owner_role = case.owner
    people = {role: _person(engine, role) for role in ("student", "instructor", "admin")}
    people["other"] = _person(engine, owner_role)
    people["target"] = _person(engine, "student")
    owner = people[owner_role]
    teacher = make_instructor(engine)  # a bystander anyone may book
    today = nyc_today()
    lesson_day = today + timedelta(days=3)  # more than 24 h ahead: it can be cancelled or moved
    monday = today + timedelta(days=14 - today.weekday())  # a week with no lesson in it
    values: dict[str, object] = {
        "history_id": owner.history_id,
        "target_id": people["target"].id,
        "new_email": unique_email("matrix"),
        "password": PASSWORD,
        "teacher_id": teacher.profile_id,
        "teacher_service_id": teacher.offerings["piano"],
        "start": at(lesson_day, 14),
        "later": at(lesson_day, 16),
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "blackout_day": today + timedelta(days=30),
        "free_day": today + timedelta(days=31),
    }
    if owner.instructor is not None:  # an offering and a blackout date
        values["service_id"] = owner.instructor.offerings["piano"]
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO blackout_dates (id, instructor_id, blackout_date, reason) VALUES (:i, :p, :d, 'away')"
                ),
                {"i": uuid.uuid4(), "p": owner.instructor.profile_id, "d": values["blackout_day"]},
            )
    if "{reviewed_booking_id}" in case.path:  # a student's completed lesson, which they reviewed
        values["reviewed_booking_id"] = booking = insert_booking(
            engine, student=_as_user(owner), inst=teacher, day=today - timedelta(days=2), hour=10, status="completed"
        )
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO reviews (id, booking_id, instructor_id, student_id, rating, text) "
                    "VALUES (:i, :b, :p, :s, 5, 'matrix')"
                ),
                {"i": uuid.uuid4(), "b": booking, "p": teacher.profile_id, "s": owner.id},
            )
    elif "booking_id}" not in case.path:
        pass
    elif owner.instructor is None:  # a student's upcoming lesson
        values["booking_id"] = insert_booking(engine, student=_as_user(owner), inst=teacher, day=lesson_day, hour=10)
    else:  # an instructor's lesson to teach, and one that has ended
        pupil = make_user(engine)
        values["booking_id"] = insert_booking(engine, student=pupil, inst=owner.instructor, day=lesson_day, hour=10)
        values["past_booking_id"] = insert_booking(
            engine, student=pupil, inst=owner.instructor, day=today - timedelta(days=2), hour=10
        )
    return people, values


def _as_user(person: Person) -> TestUser:
    return TestUser(person.id, person.email, person.role, "")


def _fill(value, values: dict):
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def _state(engine, person: Person) -> dict:
    """Everything of the person's that another caller must not change."""
    with engine.connect() as conn:
        user = conn.execute(
            text("SELECT email, role, token_version, is_active, anonymized_at, password_hash FROM users WHERE id = :u"),
            {"u": person.id},
        ).one()
        history = conn.execute(
            text("SELECT deleted_at FROM search_history WHERE id = :h"), {"h": person.history_id}
        ).one()
        overrides = conn.execute(
            text("SELECT count(*) FROM user_permissions WHERE user_id = :u"), {"u": person.id}
        ).scalar()
        bookings = conn.execute(
            text(
                "SELECT b.id, b.status, b.booking_date, b.start_time FROM bookings b "
                "LEFT JOIN instructor_profiles p ON p.id = b.instructor_id "
                "WHERE b.student_id = :u OR p.user_id = :u ORDER BY b.id"
            ),
            {"u": person.id},
        ).all()
        profile = conn.execute(
            text(
                "SELECT p.bio, "
                "(SELECT array_agg(s.id::text || s.is_active::text || coalesce(s.price_online, 0)::text ORDER BY s.id) "
                " FROM instructor_services s WHERE s.profile_id = p.id), "
                "(SELECT count(*) FROM availability_slots a WHERE a.instructor_id = p.id), "
                "(SELECT array_agg(d.blackout_date ORDER BY d.blackout_date) FROM blackout_dates d "
                " WHERE d.instructor_id = p.id) "
                "FROM instructor_profiles p WHERE p.user_id = :u"
            ),
            {"u": person.id},
        ).all()
    return {
        "user": tuple(user),
        "history_deleted": history.deleted_at,
        "overrides": overrides,
        "bookings": [tuple(b) for b in bookings],
        "profile": [tuple(p) for p in profile],
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    "case", ROUTES, ids=[c.id + (f" [owner={c.owner}]" if c.owner != "student" else "") for c in ROUTES]
)
def test_authz_matrix(app, engine, case: Case, actor: str):
    people, values = _world(engine, case)
    owner, target = people[case.owner], people["target"]
    me = people.get(actor)
    values["refresh_token"] = me.refresh if me else ""
    owner_before, target_before = _state(engine, owner), _state(engine, target)

    client = _client(app)
    headers = {"Authorization": f"Bearer {me.access}"} if me else {}
    body = _fill(case.json, values) if case.json is not None else None
    response = client.request(case.method, case.path.format(**values), headers=headers, json=body)
    assert response.status_code == case.expect[actor], response.text

    if me is owner:
        return
    # No one but the owner reads or changes the owner's data.
    if actor not in case.sees_owner:
        assert owner.email not in response.text and owner.marker not in response.text
    assert _state(engine, owner) == owner_before
    check = _client(app).get("/api/auth/me", headers={"Authorization": f"Bearer {owner.access}"})
    assert check.status_code == 200 and check.json()["email"] == owner.email
    if actor not in case.changes_target:
        assert _state(engine, target) == target_before


def _pattern(template: str) -> re.Pattern[str]:
    """An OpenAPI path template as a regex: each {parameter} is one path segment."""
    return re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$")


def _concrete(path: str) -> str:
    """A listed path with its placeholders filled by a stand-in segment."""
    return re.sub(r"\{[^}]*\}", "x", path)


def uncovered(app) -> list[str]:
    """The operations of the app's OpenAPI schema that are neither in ROUTES nor in PUBLIC.
    (app.routes cannot be walked for this: it holds included-router wrappers, not the routes.)"""
    operations = [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]
    listed = [(c.method, _concrete(c.path)) for c in ROUTES] + [(m, _concrete(p)) for m, p in PUBLIC]

    def serves(method: str, template: str, listed_method: str, path: str) -> bool:
        return method == listed_method and bool(_pattern(template).match(path))

    # Nothing is listed that the app does not serve (a typo would otherwise hide a route).
    stale = [f"{m} {p}" for m, p in listed if not any(serves(om, op, m, p) for om, op in operations)]
    assert not stale, f"listed but not served: {stale}"
    return sorted(f"{m} {p}" for m, p in operations if not any(serves(m, p, lm, lp) for lm, lp in listed))


def test_every_route_is_in_the_matrix(app):
    assert not uncovered(app), f"add these routes to ROUTES (or PUBLIC): {uncovered(app)}"


def test_a_route_left_out_of_the_matrix_fails_the_check(engine):
    app = create_app(Settings(), engine=engine)
    extra = APIRouter(prefix="/api/bookings")

    @extra.get("/{booking_id}/receipt")
    def receipt(booking_id: uuid.UUID) -> dict[str, str]:
        return {"id": str(booking_id)}

    app.include_router(extra)
    assert uncovered(app) == ["GET /api/bookings/{booking_id}/receipt"]


def test_public_routes_need_no_login(app, engine):
    teacher = make_instructor(engine)
    client = _client(app)
    for (method, _), url in PUBLIC.items():
        response = client.request(method, url.format(teacher_id=teacher.profile_id))
        assert response.status_code == 200, (url, response.status_code, response.text[:200])


def test_the_matrix_covers_each_actor_once_per_case():
    for case in ROUTES:
        assert set(case.expect) == set(ACTORS), case.id
