"""Instructor self-service: profile edits (validated areas and languages) and services (add,
change prices and lengths, remove: soft when booked, hard otherwise), and search stays fresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from tests.factories import at, bearer, booking_body, make_instructor, make_user, nyc_today, search_all


@pytest.fixture(scope="module")
def client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


@pytest.fixture
def inst(engine):
    return make_instructor(engine)


def test_profile_edit(client, engine, inst):
    r = client.patch(
        "/api/instructor/profile",
        headers=inst.headers,
        json={
            "bio": "  Jazz and classical piano for adults.  ",
            "languages": ["English", "Spanish"],
            "boroughs": ["queens"],
            "neighborhoods": ["park-slope", "astoria"],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bio"] == "Jazz and classical piano for adults."
    assert body["languages"] == ["english", "spanish"]
    assert body["areas"] == {"boroughs": ["queens"], "neighborhoods": ["park-slope", "astoria"]}
    assert client.get("/api/instructor/profile", headers=inst.headers).json() == body
    public = client.get(f"/api/public/instructors/{inst.profile_id}").json()
    assert public["bio"] == body["bio"]  # the edit invalidated the public cache


@pytest.mark.parametrize(
    "patch, fragment",
    [
        ({"boroughs": ["atlantis"]}, "Unknown borough 'atlantis'"),
        ({"neighborhoods": ["nowhere-ville"]}, "Unknown neighborhood"),
        ({"languages": []}, "at least one language"),
        ({"years_experience": -1}, "greater than or equal to 0"),
        ({"rating_avg": 5}, "Extra inputs are not permitted"),
    ],
)
def test_profile_edit_refuses_bad_input(client, inst, patch, fragment):
    r = client.patch("/api/instructor/profile", headers=inst.headers, json=patch)
    assert r.status_code == 422 and fragment in r.text


def test_services_add_change_remove(client, engine, inst):
    r = client.post(
        "/api/instructor/services",
        headers=inst.headers,
        json={"service": "guitar", "price_online": "55.00", "duration_options": [60, 30, 60], "levels": ["Beginner"]},
    )
    assert r.status_code == 201, r.text
    guitar = r.json()
    assert guitar["duration_options"] == [30, 60] and guitar["price_in_person"] is None
    assert guitar["levels"] == ["beginner"]
    dup = client.post(
        "/api/instructor/services",
        headers=inst.headers,
        json={"service": "guitar", "price_online": "50", "duration_options": [60]},
    )
    assert dup.status_code == 409 and dup.json()["code"] == "service_exists"

    r = client.patch(
        f"/api/instructor/services/{guitar['id']}",
        headers=inst.headers,
        json={"price_in_person": "70", "duration_options": [45, 90]},
    )
    assert r.status_code == 200
    assert (r.json()["price_in_person"], r.json()["price_online"], r.json()["duration_options"]) == (
        70.0,
        55.0,
        [45, 90],
    )
    r = client.patch(
        f"/api/instructor/services/{guitar['id']}",
        headers=inst.headers,
        json={"price_in_person": None, "price_online": None},
    )
    assert r.status_code == 422 and "at least one format" in r.json()["detail"]
    r = client.patch(f"/api/instructor/services/{guitar['id']}", headers=inst.headers, json={"duration_options": [50]})
    assert r.status_code == 422 and "50 min" in r.json()["detail"]

    # Never booked: a hard delete.
    r = client.delete(f"/api/instructor/services/{guitar['id']}", headers=inst.headers)
    assert r.json() == {"id": guitar["id"], "deleted": "hard"}
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM instructor_services WHERE id = :i"), {"i": guitar["id"]}).scalar()
            == 0
        )

    # Booked: a soft delete; the booking keeps its service and price.
    piano = str(inst.offerings["piano"])
    student = bearer(make_user(engine))
    booked = client.post(
        "/api/bookings", json=booking_body(inst, at(nyc_today() + timedelta(days=1), 10)), headers=student
    ).json()
    r = client.delete(f"/api/instructor/services/{piano}", headers=inst.headers)
    assert r.json() == {"id": piano, "deleted": "soft"}
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT is_active FROM instructor_services WHERE id = :i"), {"i": piano}).scalar()
            is False
        )
    assert client.get(f"/api/bookings/{booked['id']}", headers=student).json()["service"]["slug"] == "piano"
    assert client.get("/api/instructor/services", headers=inst.headers).json()["services"] == []
    assert client.delete(f"/api/instructor/services/{piano}", headers=inst.headers).status_code == 404
    # A removed service cannot be booked any more.
    r = client.post("/api/bookings", json=booking_body(inst, at(nyc_today() + timedelta(days=1), 14)), headers=student)
    assert r.status_code == 422 and r.json()["code"] == "service_not_offered"
    # It can be offered again (the partial unique index only holds active rows).
    again = client.post(
        "/api/instructor/services",
        headers=inst.headers,
        json={"service": "piano", "price_in_person": "90", "duration_options": [60]},
    )
    assert again.status_code == 201


def test_service_edits_reach_search(client, engine, inst):
    """Adding, repricing and removing a service changes what search answers: the edit re-embeds the
    instructor's documents (a background task) and bumps the cache version."""
    query = "chess lessons online"
    assert str(inst.profile_id) not in search_all(client, query)
    r = client.post(
        "/api/instructor/services",
        headers=inst.headers,
        json={"service": "chess", "price_online": "40", "duration_options": [60]},
    )
    assert r.status_code == 201
    with engine.connect() as conn:  # re-embedded by the background task
        assert (
            conn.execute(
                text("SELECT embedding IS NOT NULL FROM instructor_services WHERE id = :i"), {"i": r.json()["id"]}
            ).scalar()
            is True
        )
    found = search_all(client, query)[str(inst.profile_id)]
    assert found["service"]["slug"] == "chess" and found["price"]["online"] == 40.0

    r = client.patch(f"/api/instructor/services/{r.json()['id']}", headers=inst.headers, json={"price_online": "35"})
    assert r.status_code == 200
    assert search_all(client, query)[str(inst.profile_id)]["price"]["online"] == 35.0

    assert client.delete(f"/api/instructor/services/{r.json()['id']}", headers=inst.headers).status_code == 200
    assert str(inst.profile_id) not in search_all(client, query)


def test_unknown_service_and_permissions(client, engine, inst):
    r = client.post(
        "/api/instructor/services",
        headers=inst.headers,
        json={"service": "underwater-basket-weaving", "price_online": "40", "duration_options": [60]},
    )
    assert r.status_code == 422 and "Unknown service" in r.json()["detail"]
    student = bearer(make_user(engine))
    assert client.get("/api/instructor/services", headers=student).status_code == 403
    assert client.patch("/api/instructor/profile", headers=student, json={"bio": "x"}).status_code == 403
    # An instructor account without a profile gets a clear 404.
    lonely = bearer(make_user(engine, role="instructor"))
    r = client.get("/api/instructor/profile", headers=lonely)
    assert r.status_code == 404 and r.json()["code"] == "no_instructor_profile"
    # Another instructor's service is not yours to change.
    other = make_instructor(engine)
    r = client.patch(
        f"/api/instructor/services/{other.offerings['piano']}", headers=inst.headers, json={"price_online": "1"}
    )
    assert r.status_code == 404
