"""F11: values at the edge of what Python's dates and numbers hold are a 422, never a 500: far dates in
availability and calendar routes, booking starts whose New York time falls outside the calendar, and a
JSON number too large for a float."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.settings import Settings
from tests.factories import at, bearer, booking_body, make_instructor, make_user, new_client, nyc_today


@pytest.fixture(scope="module")
def client(engine):
    return new_client(engine, settings=Settings(rate_limit_enabled=False))


@pytest.fixture(scope="module")
def inst(engine):
    return make_instructor(engine)


@pytest.fixture(scope="module")
def student(engine):
    return bearer(make_user(engine))


@pytest.mark.parametrize(
    "query",
    [
        "start_date=9999-12-31",
        "start_date=9999-12-30&end_date=9999-12-31",
        "start_date=0001-01-01",
        "end_date=9999-12-31",
    ],
)
def test_public_availability_far_dates(client, inst, query):
    answer = client.get(f"/api/public/instructors/{inst.profile_id}/availability?{query}")
    assert answer.status_code == 422, answer.text
    assert "date" in json.dumps(answer.json()["detail"])


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T23:00:00-14:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:45:00+00:00",
        "0001-01-01T00:00:00-05:00",
    ],
)
def test_booking_start_outside_the_calendar(client, inst, student, start):
    answer = client.post("/api/bookings", json=booking_body(inst, start), headers=student)
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1e300"])
def test_a_number_too_large(client, inst, student, number):
    body = json.dumps(booking_body(inst, at(nyc_today() + timedelta(days=3), 10)))
    raw = body.replace('"duration_minutes": 60', f'"duration_minutes": {number}')
    answer = client.post("/api/bookings", content=raw.encode(), headers={**student, "content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", "duration_minutes"]


@pytest.mark.parametrize("week", ["9999-12-27", "9999-12-31", "0001-01-01"])
def test_instructor_calendar_far_dates(client, inst, week):
    h = inst.headers
    assert client.get(f"/api/instructor/availability/weeks/{week}", headers=h).status_code == 422
    assert client.put(f"/api/instructor/availability/weeks/{week}", json={"days": []}, headers=h).status_code == 422
    copy = client.post(f"/api/instructor/availability/weeks/{week}/copy", json={"weeks": 12}, headers=h)
    assert copy.status_code == 422


def test_pattern_and_blackout_far_dates(client, inst):
    h = inst.headers
    pattern = {
        "start_date": "9999-12-01",
        "end_date": "9999-12-31",
        "pattern": {"monday": [{"start": "10:00", "end": "11:00"}]},
    }
    assert client.post("/api/instructor/availability/pattern", json=pattern, headers=h).status_code == 422
    assert client.post("/api/instructor/blackouts", json={"date": "9999-12-31"}, headers=h).status_code == 422


def test_catalog_dates_far_away(client):
    answer = client.get("/api/catalog/services/piano/instructors", params={"dates": "9999-12-31"})
    assert answer.status_code == 422
