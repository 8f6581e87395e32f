"""Instructor availability over HTTP: get and replace a week atomically, copy a week, apply a
pattern, blackouts; validation errors that name the window; bookings never move."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import at, bearer, booking_body, make_instructor, make_user, nyc_today


@pytest.fixture
def inst(engine):
    return make_instructor(engine, days=0)


def next_monday() -> date:
    today = nyc_today()
    return today + timedelta(days=7 - today.weekday())


def week_url(start: date) -> str:
    return f"/api/instructor/availability/weeks/{start.isoformat()}"


def windows(body: dict) -> dict[str, list[tuple[str, str]]]:
    return {d["date"]: [(w["start"], w["end"]) for w in d["windows"]] for d in body["days"] if d["windows"]}


def test_replace_and_get_a_week(client, inst):
    mon = next_monday()
    body = {
        "days": [
            {
                "date": mon.isoformat(),
                "windows": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
            },
            {"date": (mon + timedelta(days=2)).isoformat(), "windows": [{"start": "18:00", "end": "21:00"}]},
        ]
    }
    r = client.put(week_url(mon), json=body, headers=inst.headers)
    assert r.status_code == 200, r.text
    assert windows(r.json()) == {
        mon.isoformat(): [("09:00", "12:00"), ("13:00", "17:30")],
        (mon + timedelta(days=2)).isoformat(): [("18:00", "21:00")],
    }
    # Replacing again: days left out lose their windows.
    r = client.put(
        week_url(mon),
        json={"days": [{"date": mon.isoformat(), "windows": [{"start": "10:00", "end": "11:00"}]}]},
        headers=inst.headers,
    )
    assert windows(client.get(week_url(mon), headers=inst.headers).json()) == {mon.isoformat(): [("10:00", "11:00")]}


@pytest.mark.parametrize(
    "wins, fragment",
    [
        ([("10:00", "09:00")], "10:00–09:00: the end must be after the start"),
        ([("09:10", "10:00")], "09:10–10:00: times must be on the 15-minute grid"),
        ([("09:00", "11:00"), ("10:30", "12:00")], "10:30–12:00 overlaps 09:00–11:00"),
    ],
)
def test_invalid_windows_name_the_window_and_change_nothing(client, inst, wins, fragment):
    mon = next_monday()
    client.put(
        week_url(mon),
        json={"days": [{"date": mon.isoformat(), "windows": [{"start": "08:00", "end": "08:30"}]}]},
        headers=inst.headers,
    )
    day = (mon + timedelta(days=1)).isoformat()
    r = client.put(
        week_url(mon),
        json={
            "days": [
                {"date": mon.isoformat(), "windows": [{"start": "15:00", "end": "16:00"}]},
                {"date": day, "windows": [{"start": s, "end": e} for s, e in wins]},
            ]
        },
        headers=inst.headers,
    )
    assert r.status_code == 422
    assert any(fragment in e and e.startswith(day) for e in r.json()["errors"]), r.json()
    # Atomic: the valid Monday change was not applied either.
    assert windows(client.get(week_url(mon), headers=inst.headers).json()) == {mon.isoformat(): [("08:00", "08:30")]}


def test_past_days_cannot_change(client, inst):
    today = nyc_today()
    start = today - timedelta(days=3)
    r = client.put(
        week_url(start),
        json={
            "days": [{"date": (today - timedelta(days=1)).isoformat(), "windows": [{"start": "09:00", "end": "10:00"}]}]
        },
        headers=inst.headers,
    )
    assert r.status_code == 422 and "past" in r.json()["detail"]
    r = client.put(
        week_url(start),
        json={"days": [{"date": (start + timedelta(days=9)).isoformat(), "windows": []}]},
        headers=inst.headers,
    )
    assert r.status_code == 422 and "not in this week" in r.json()["errors"][0]


def test_copy_week_and_apply_pattern(client, inst):
    mon = next_monday()
    client.put(
        week_url(mon),
        json={
            "days": [
                {"date": mon.isoformat(), "windows": [{"start": "09:00", "end": "12:00"}]},
                {"date": (mon + timedelta(days=4)).isoformat(), "windows": [{"start": "16:00", "end": "18:00"}]},
            ]
        },
        headers=inst.headers,
    )
    r = client.post(week_url(mon) + "/copy", json={"weeks": 2}, headers=inst.headers)
    assert r.status_code == 200 and r.json()["windows"] == 4
    for k in (1, 2):
        got = windows(client.get(week_url(mon + timedelta(days=7 * k)), headers=inst.headers).json())
        assert got == {
            (mon + timedelta(days=7 * k)).isoformat(): [("09:00", "12:00")],
            (mon + timedelta(days=7 * k + 4)).isoformat(): [("16:00", "18:00")],
        }
    assert client.post(week_url(mon) + "/copy", json={"weeks": 13}, headers=inst.headers).status_code == 422

    start = mon + timedelta(days=21)
    r = client.post(
        "/api/instructor/availability/pattern",
        json={
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=13)).isoformat(),
            "pattern": {
                "tuesday": [{"start": "07:00", "end": "08:00"}],
                "saturday": [{"start": "10:00", "end": "14:00"}],
            },
        },
        headers=inst.headers,
    )
    assert r.status_code == 200 and r.json() == {"days": 14, "windows": 4, "skipped": []}
    got = windows(client.get(week_url(start), headers=inst.headers).json())
    assert got == {
        (start + timedelta(days=1)).isoformat(): [("07:00", "08:00")],
        (start + timedelta(days=5)).isoformat(): [("10:00", "14:00")],
    }
    r = client.post(
        "/api/instructor/availability/pattern",
        json={
            "start_date": start.isoformat(),
            "end_date": start.isoformat(),
            "pattern": {"monday": [{"start": "07:00", "end": "08:00"}, {"start": "07:30", "end": "09:00"}]},
        },
        headers=inst.headers,
    )
    assert r.status_code == 422 and "07:30–09:00 overlaps 07:00–08:00" in r.json()["detail"]
    r = client.post(
        "/api/instructor/availability/pattern",
        json={
            "start_date": (nyc_today() - timedelta(days=1)).isoformat(),
            "end_date": start.isoformat(),
            "pattern": {},
        },
        headers=inst.headers,
    )
    assert r.status_code == 422 and "past" in r.json()["detail"]


def test_blackouts(client, inst):
    day = nyc_today() + timedelta(days=5)
    r = client.post(
        "/api/instructor/blackouts", json={"date": day.isoformat(), "reason": "vacation"}, headers=inst.headers
    )
    assert r.status_code == 201
    again = client.post("/api/instructor/blackouts", json={"date": day.isoformat()}, headers=inst.headers)
    assert again.status_code == 409 and again.json()["code"] == "blackout_exists"
    past = client.post(
        "/api/instructor/blackouts", json={"date": (nyc_today() - timedelta(days=1)).isoformat()}, headers=inst.headers
    )
    assert past.status_code == 422
    assert client.get("/api/instructor/blackouts", headers=inst.headers).json()["blackouts"] == [
        {"date": day.isoformat(), "reason": "vacation"}
    ]
    assert client.delete(f"/api/instructor/blackouts/{day.isoformat()}", headers=inst.headers).status_code == 204
    assert client.delete(f"/api/instructor/blackouts/{day.isoformat()}", headers=inst.headers).status_code == 404


def test_bookings_survive_when_availability_is_removed(client, engine):
    inst = make_instructor(engine)
    day = nyc_today() + timedelta(days=2)
    student = bearer(make_user(engine))
    booked = client.post("/api/bookings", json=booking_body(inst, at(day, 10)), headers=student).json()
    start = day - timedelta(days=day.weekday())
    r = client.put(week_url(start), json={"days": []}, headers=inst.headers)
    assert r.status_code == 200
    assert not windows(r.json()).get(day.isoformat())
    assert client.get(f"/api/bookings/{booked['id']}", headers=student).json()["status"] == "confirmed"
    # ... and nothing new can be booked there.
    r = client.post("/api/bookings", json=booking_body(inst, at(day, 14)), headers=bearer(make_user(engine)))
    assert r.status_code == 422 and r.json()["code"] == "outside_availability"


def test_permissions(client, engine, inst):
    mon = next_monday()
    student = bearer(make_user(engine))
    assert client.get(week_url(mon)).status_code == 401
    assert client.get(week_url(mon), headers=student).status_code == 403
    assert client.put(week_url(mon), json={"days": []}, headers=student).status_code == 403
    assert client.post("/api/instructor/blackouts", json={"date": mon.isoformat()}, headers=student).status_code == 403
