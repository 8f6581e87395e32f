"""Authorization matrix: every route × anonymous / student / instructor / admin / another user of the
owner's role. One table (ROUTES) drives it; to cover a new route, add one Case.

How a Case reads:
- `path` and `json` may hold placeholders, filled per test from a fresh set of users:
    {history_id}   a search-history entry of the OWNER (a user of role `owner`)
    {target_id}    a bystander student, the object of admin actions
    {new_email}    an email no account has
    {refresh_token} the acting user's own refresh token ("" for anonymous)
    {password}     every test user's password
- `expect` gives the status for each actor. The actor named like the owner's role IS the owner;
  "other" is a second user of that role, who must never read or change the owner's data.
- After every request by someone who is not the owner, the owner's session, profile and history
  must be intact, and the answer must not contain the owner's email or searches (unless the actor is
  listed in `sees_owner`). The target's role and overrides change only for actors in `changes_target`.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from services import tokens
from tests.factories import PASSWORD, make_user, unique_email

ACTORS = ("anonymous", "student", "instructor", "admin", "other")


def expect(anonymous: int, student: int, instructor: int, admin: int, other: int) -> dict[str, int]:
    return dict(anonymous=anonymous, student=student, instructor=instructor, admin=admin, other=other)


EVERYONE_SIGNED_IN = expect(401, 200, 200, 200, 200)
ADMIN_ONLY = expect(401, 403, 403, 200, 403)


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
    Case("POST", "/api/auth/register", expect(201, 201, 201, 201, 201),
         json={"email": "{new_email}", "password": "{password}", "full_name": "New Person"}),
    Case("POST", "/api/auth/login", expect(401, 401, 401, 401, 401),
         json={"email": "{new_email}", "password": "{password}"}),
    Case("POST", "/api/auth/refresh", expect(401, 200, 200, 200, 200), json={"refresh_token": "{refresh_token}"}),
    Case("POST", "/api/auth/password-reset/request", expect(202, 202, 202, 202, 202), json={"email": "{new_email}"}),
    Case("POST", "/api/auth/password-reset/confirm", expect(400, 400, 400, 400, 400),
         json={"token": "not-a-real-token", "new_password": "a new password"}),
    # --- auth (signed in) ---
    Case("GET", "/api/auth/me", EVERYONE_SIGNED_IN),
    Case("POST", "/api/auth/logout", EVERYONE_SIGNED_IN),
    Case("POST", "/api/auth/logout-all", EVERYONE_SIGNED_IN),
    Case("POST", "/api/auth/change-password", EVERYONE_SIGNED_IN,
         json={"current_password": "{password}", "new_password": "a changed password"}),
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
    Case("PATCH", "/api/admin/users/{target_id}/role", ADMIN_ONLY, json={"role": "instructor"},
         changes_target=("admin",)),
    Case("PUT", "/api/admin/users/{target_id}/permissions/create_bookings", ADMIN_ONLY, json={"granted": False},
         changes_target=("admin",)),
    Case("DELETE", "/api/admin/users/{target_id}/permissions/create_bookings", ADMIN_ONLY,
         changes_target=("admin",)),
]

# Every route under these prefixes must have at least one Case (checked below).
COVERED_PREFIXES = ("/api/auth", "/api/search-history", "/api/privacy", "/api/admin")


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
    extra: dict = field(default_factory=dict)


def _person(engine, role: str) -> Person:
    user = make_user(engine, role=role)
    marker = f"marker {uuid.uuid4().hex}"
    history_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO search_history (id, user_id, query, normalized_query, search_type) "
                          "VALUES (:id, :u, :q, :q, 'natural_language')"),
                     {"id": history_id, "u": user.id, "q": marker})
    secret = Settings().secret_key
    access, _ = tokens.issue(user_id=user.id, token_version=0, kind="access", secret=secret)
    refresh, _ = tokens.issue(user_id=user.id, token_version=0, kind="refresh", secret=secret)
    return Person(user.id, user.email, role, marker, history_id, access, refresh)


def _world(engine, owner_role: str) -> dict[str, Person]:
    people = {role: _person(engine, role) for role in ("student", "instructor", "admin")}
    people["other"] = _person(engine, owner_role)
    people["target"] = _person(engine, "student")
    return people


def _fill(value, values: dict):
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def _state(engine, person: Person) -> dict:
    with engine.connect() as conn:
        user = conn.execute(text("SELECT email, role, token_version, is_active, anonymized_at, password_hash "
                                 "FROM users WHERE id = :u"), {"u": person.id}).one()
        history = conn.execute(text("SELECT deleted_at FROM search_history WHERE id = :h"),
                               {"h": person.history_id}).one()
        overrides = conn.execute(text("SELECT count(*) FROM user_permissions WHERE user_id = :u"),
                                 {"u": person.id}).scalar()
    return {"user": tuple(user), "history_deleted": history.deleted_at, "overrides": overrides}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", ROUTES, ids=[c.id + (f" [owner={c.owner}]" if c.owner != "student" else "")
                                              for c in ROUTES])
def test_authz_matrix(app, engine, case: Case, actor: str):
    people = _world(engine, case.owner)
    owner, target = people[case.owner], people["target"]
    me = people.get(actor)
    values = {"history_id": owner.history_id, "target_id": target.id, "new_email": unique_email("matrix"),
              "refresh_token": me.refresh if me else "", "password": PASSWORD}
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
    check = TestClient(app).get("/api/auth/me", headers={"Authorization": f"Bearer {owner.access}"})
    assert check.status_code == 200 and check.json()["email"] == owner.email
    if actor not in case.changes_target:
        assert _state(engine, target) == target_before


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_route_is_in_the_matrix(app):
    covered = {(c.method, _shape(c.path)) for c in ROUTES}
    missing = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith(COVERED_PREFIXES):
            continue
        for method in getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}:
            if (method, _shape(path)) not in covered:
                missing.append(f"{method} {path}")
    assert not missing, f"add these routes to ROUTES: {missing}"


def test_the_matrix_covers_each_actor_once_per_case():
    for case in ROUTES:
        assert set(case.expect) == set(ACTORS), case.id
