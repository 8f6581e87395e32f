"""Hostile input: oversized bodies, malformed JSON, wrong types, and SQL/script injection strings in
every text field. Each answer is exactly the status validation gives: a 4xx with a message, or a
normal success that stores the text verbatim (as data, never as SQL or markup); a refused request
stores nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from tests.factories import at, bearer, booking_body, make_instructor, make_user, nyc_today

INJECTIONS = [
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    "1; SELECT pg_sleep(5)",
    "<script>alert(document.cookie)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}${7*7}",
    "../../../../etc/passwd",
    "%00%27",
    "a\u0000b",  # NUL: Postgres text cannot hold it
    "\U0001f600 ñ 中文 \u202e",
]
RAW_INJECTIONS = ['"\\ud800 lone surrogate"']  # JSON that decodes to a string UTF-8 cannot encode


@pytest.fixture(scope="module", autouse=True)
def _cleanup(engine):
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE email LIKE '%@hostile.test'"))


@pytest.fixture(scope="module")
def client(indexed_engine):
    settings = Settings(rate_limit_enabled=False, max_body_bytes=64_000)
    with TestClient(create_app(settings, engine=indexed_engine)) as c:
        yield c


@pytest.fixture(scope="module")
def inst(engine):
    return make_instructor(engine)


@pytest.fixture(scope="module")
def student(engine):
    return bearer(make_user(engine))


def count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def nul(payload: str) -> bool:
    """Text Postgres cannot store."""
    return "\x00" in payload


def nul_in_path(payload: str) -> bool:
    """In a URL path, a %00 is decoded to a NUL too."""
    return nul(payload) or "%00" in payload


def check(response, status: int) -> None:
    """Exactly the status validation gives; a refusal is JSON with a message."""
    assert response.status_code == status, (status, response.status_code, response.text)
    if status >= 400:
        assert response.headers["content-type"].startswith("application/json"), response.text
        assert response.json()["detail"], response.text


def users_named(engine, email: str) -> int:
    return count(engine, "SELECT count(*) FROM users WHERE lower(email) = lower(:e)", e=email.replace("\x00", ""))


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize("field", ["email", "full_name", "password"])
def test_register_fields(client, engine, field, payload):
    email = f"h-{uuid.uuid4().hex[:10]}@hostile.test"
    body = {"email": email, "password": "a long enough password", "full_name": "Ann Lee"}
    body[field] = payload if field != "password" else payload + " long enough"
    before = count(engine, "SELECT count(*) FROM users")
    r = client.post("/api/auth/register", json=body)
    # No payload is an email address; any other text is kept, except what Postgres cannot store.
    check(r, 422 if field == "email" or nul(payload) else 201)
    if r.status_code == 422:
        assert count(engine, "SELECT count(*) FROM users") == before  # nothing stored
    elif field == "full_name":
        stored = count(
            engine,
            "SELECT count(*) FROM users WHERE email = :e AND full_name = :n",
            e=email,
            n=" ".join(payload.split()),
        )
        assert stored == 1  # kept as data, byte for byte (spaces collapsed)
    else:
        assert count(engine, "SELECT count(*) FROM users WHERE email = :e", e=email) == 1


@pytest.mark.parametrize("payload", INJECTIONS)
def test_login_and_reset_fields(client, engine, payload):
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@hostile.test"  # a fresh email: the login throttle never counts
    cases = (
        ("/api/auth/login", {"email": payload, "password": payload + "x" * 10}, 401),
        ("/api/auth/login", {"email": nobody, "password": payload}, 401),
        ("/api/auth/password-reset/request", {"email": payload}, 422),  # not an email address
        ("/api/auth/password-reset/confirm", {"token": payload, "new_password": "a new password"}, 400),
        ("/api/auth/refresh", {"refresh_token": payload}, 401),
    )
    for path, body, status in cases:
        check(client.post(path, json=body), 422 if nul(payload) else status)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_search_and_browse_parameters(client, payload):
    r = client.get("/api/search", params={"q": payload})
    check(r, 200)  # search strips NUL and control characters from the query string
    assert r.json()["query"] == payload  # echoed as JSON data, not interpreted
    check(client.get("/api/search", params={"q": "piano", "tz": payload}), 422)  # no such time zone
    check(client.get("/api/search", params={"q": "piano", "drop": payload}), 422)  # no such chip
    seg = quote(payload, safe="")
    # A "/" (even encoded) splits the path: no route matches. Else the slug is unknown (404), and an
    # instructor id must be a UUID (422).
    routed = "/" not in payload
    for path, status in (
        (f"/api/catalog/services/{seg}/instructors", 404),
        (f"/api/catalog/categories/{seg}/instructors", 404),
        (f"/api/public/instructors/{seg}", 422),
        (f"/api/public/instructors/{seg}/availability", 422),
    ):
        check(client.get(path), 422 if nul_in_path(payload) and routed else status if routed else 404)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_booking_text_fields(client, engine, inst, student, payload):
    start = at(nyc_today() + timedelta(days=3 + INJECTIONS.index(payload) % 10), 8 + INJECTIONS.index(payload))
    before = count(engine, "SELECT count(*) FROM bookings WHERE instructor_id = :p", p=inst.profile_id)
    for field in ("notes", "location", "service"):
        body = booking_body(inst, start, fmt="in_person", location="1 Main St")
        if field == "service":
            body.pop("instructor_service_id")
        body[field] = payload
        r = client.post("/api/bookings", json=body, headers=student)
        # notes and location are free text; no payload names a service this instructor offers.
        check(r, 422 if field == "service" or nul(payload) else 201)
        if r.status_code == 201:
            assert r.json()[field] == payload  # kept as data, byte for byte
            booking_id = r.json()["id"]
            assert client.post(f"/api/bookings/{booking_id}/cancel", headers=student).status_code == 200
            before += 1
        assert count(engine, "SELECT count(*) FROM bookings WHERE instructor_id = :p", p=inst.profile_id) == before


@pytest.mark.parametrize("payload", INJECTIONS)
def test_instructor_profile_and_services(client, engine, inst, payload):
    h = inst.headers
    refused = nul(payload)
    r = client.patch("/api/instructor/profile", json={"bio": payload}, headers=h)
    check(r, 422 if refused else 200)
    if not refused:
        assert (
            count(
                engine,
                "SELECT count(*) FROM instructor_profiles WHERE id = :p AND bio = :b",
                p=inst.profile_id,
                b=payload.strip(),
            )
            == 1
        )
    # Languages are free text (60 characters at most); areas must be known slugs.
    r = client.patch("/api/instructor/profile", json={"languages": [payload]}, headers=h)
    check(r, 422 if refused else 200)
    if not refused:
        assert r.json()["languages"] == [payload.strip().lower()]
    for body in ({"boroughs": [payload]}, {"neighborhoods": [payload]}):
        check(client.patch("/api/instructor/profile", json=body, headers=h), 422)
    services = count(engine, "SELECT count(*) FROM instructor_services WHERE profile_id = :p", p=inst.profile_id)
    check(
        client.post(
            "/api/instructor/services",
            json={"service": payload, "price_online": 50, "duration_options": [60]},
            headers=h,
        ),
        422,
    )
    check(
        client.post(
            "/api/instructor/services",
            json={"service": "guitar", "price_online": 50, "duration_options": [60], "levels": [payload]},
            headers=h,
        ),
        422,
    )  # not a level
    assert (
        count(engine, "SELECT count(*) FROM instructor_services WHERE profile_id = :p", p=inst.profile_id) == services
    )
    r = client.post(
        "/api/instructor/services",
        json={"service": "guitar", "price_online": 50, "duration_options": [60], "description": payload},
        headers=h,
    )
    check(r, 422 if refused else 201)
    if r.status_code == 201:
        assert r.json()["description"] == payload.strip()
        check(client.delete(f"/api/instructor/services/{r.json()['id']}", headers=h), 200)
    day = nyc_today() + timedelta(days=40)
    r = client.post("/api/instructor/blackouts", json={"date": str(day), "reason": payload}, headers=h)
    check(r, 422 if refused else 201)
    if r.status_code == 201:
        assert r.json()["reason"] == payload.strip()
        check(client.delete(f"/api/instructor/blackouts/{day}", headers=h), 204)


@pytest.mark.parametrize("raw", RAW_INJECTIONS)
def test_unencodable_json_strings(client, engine, raw):
    email = f"s-{uuid.uuid4().hex[:8]}@hostile.test"
    body = f'{{"email": "{email}", "password": "a long enough password", "full_name": {raw}}}'
    r = client.post("/api/auth/register", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"]
    assert users_named(engine, email) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"not json",
        b'{"email": "a@hostile.test", "password": ',
        b"[]",
        b"null",
        b'"a string"',
        b'{"email": 5, "password": ["x"], "full_name": {"a": 1}}',
        b"\xff\xfe\x00garbage",
        b'{"email": "a@hostile.test", "password": "a long enough password", "full_name": "A", "role": "admin"}',
        b'{"email": "a@hostile.test", "password": "a long enough password", "full_name": "A"' + b" " * 10 + b"}}",
    ],
)
def test_malformed_json_and_wrong_types(client, engine, body):
    before = count(engine, "SELECT count(*) FROM users")
    for path in ("/api/auth/register", "/api/auth/login"):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        check(r, 422)  # FastAPI's request validation: bad JSON, wrong shape or types, unknown fields
    assert count(engine, "SELECT count(*) FROM users") == before


def test_wrong_types_in_a_booking_store_nothing(client, engine, inst, student):
    before = count(engine, "SELECT count(*) FROM bookings")
    good = booking_body(inst, at(nyc_today() + timedelta(days=5), 9))
    for field, value in (
        ("instructor_id", "not-a-uuid"),
        ("duration_minutes", "sixty"),
        ("duration_minutes", 10**12),
        ("start", "yesterday"),
        ("format", ["online"]),
        ("notes", {"$gt": ""}),
        ("duration_minutes", 1.5),
        ("start", "2024-01-01T10:00:00"),
    ):
        r = client.post("/api/bookings", json={**good, field: value}, headers=student)
        assert r.status_code == 422 and r.json()["detail"], (field, value, r.text)
    assert count(engine, "SELECT count(*) FROM bookings") == before


def test_oversized_bodies_store_nothing(client, engine, student, inst):
    before_users = count(engine, "SELECT count(*) FROM users")
    before_bookings = count(engine, "SELECT count(*) FROM bookings")
    huge = "x" * 70_000
    r = client.post(
        "/api/auth/register",
        json={
            "email": f"big-{uuid.uuid4().hex[:6]}@hostile.test",
            "password": "a long enough password",
            "full_name": huge,
        },
    )
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    body = {**booking_body(inst, at(nyc_today() + timedelta(days=6), 9)), "notes": huge}
    r = client.post("/api/bookings", json=body, headers=student)
    assert r.status_code == 413
    # under the byte limit but over a field's limit: 422
    body["notes"] = "n" * 2001
    assert client.post("/api/bookings", json=body, headers=student).status_code == 422
    assert count(engine, "SELECT count(*) FROM users") == before_users
    assert count(engine, "SELECT count(*) FROM bookings") == before_bookings


def test_nul_in_query_string_and_path_never_500(client):
    assert client.get("/api/search?q=piano%00lessons").status_code == 200  # search strips NUL
    r = client.get("/api/catalog/services/pia%00no/instructors")
    check(r, 422)
    assert r.json()["code"] == "invalid_value"


def test_nul_in_a_json_body_is_refused_up_front(client, engine):
    email = f"nul-{uuid.uuid4().hex[:8]}@hostile.test"
    body = f'{{"email": "{email}", "password": "a long enough password", "full_name": "A\\u0000B"}}'
    r = client.post("/api/auth/register", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422 and "NUL" in r.json()["detail"]
    assert users_named(engine, email) == 0
