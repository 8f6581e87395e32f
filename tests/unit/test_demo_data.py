"""The demo data generator: deterministic, complete over the catalog, and internally consistent."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime

import pytest

from core.clock import MARKET_TZ
from services import demo_data
from services.seeding import FIXTURES

START = date(2026, 11, 26)


@pytest.fixture(scope="module")
def fixtures():
    catalog = json.loads((FIXTURES / "catalog.json").read_text())
    locations = json.loads((FIXTURES / "nyc_locations.json").read_text())
    slugs = [s["slug"] for c in catalog["categories"] for sub in c["subcategories"] for s in sub["services"]]
    return catalog, locations, {slug: i for i, slug in enumerate(slugs, start=1)}


@pytest.fixture(scope="module")
def data(fixtures):
    catalog, locations, ids = fixtures
    return demo_data.generate(catalog, locations, ids, instructors=400, seed=11, start=START)


def test_same_seed_gives_same_rows(fixtures, data):
    catalog, locations, ids = fixtures
    again = demo_data.generate(catalog, locations, ids, instructors=400, seed=11, start=START)
    assert again == data


def test_other_seed_gives_other_rows(fixtures, data):
    catalog, locations, ids = fixtures
    other = demo_data.generate(catalog, locations, ids, instructors=400, seed=12, start=START)
    assert other.profiles != data.profiles


def test_every_service_has_an_instructor(fixtures, data):
    _, _, ids = fixtures
    offered = {row[2] for row in data.instructor_services}
    assert len(ids) == 224
    assert offered == set(ids.values())


def test_instructors_look_real(fixtures, data):
    _, locations, _ = fixtures
    hoods = {n["slug"] for n in locations["neighborhoods"]}
    names = {u[3] for u in data.users if u[4] == "instructor"}
    assert len(names) > 300  # varied names
    online_only = 0
    for profile in data.profiles:
        _, _, bio, years, languages, rating, reviews, boroughs, neighborhoods = profile
        assert "english" in languages and f"{years} years" in bio
        assert set(neighborhoods) <= hoods
        assert rating is None or 3.2 <= float(rating) <= 5.0
        assert (rating is None) == (reviews == 0)
        online_only += not neighborhoods
    assert 0.03 < online_only / len(data.profiles) < 0.2
    per_profile = defaultdict(int)
    for row in data.instructor_services:
        per_profile[row[1]] += 1
        assert row[3] is not None or row[4] is not None
    assert max(per_profile.values()) <= 4 and min(per_profile.values()) >= 1


def test_online_only_teachers_have_no_in_person_price(data):
    online_only = {p[0] for p in data.profiles if not p[8]}
    for row in data.instructor_services:
        if row[1] in online_only:
            assert row[3] is None and row[4] is not None


def test_availability_covers_four_weeks_and_bookings_fit_inside_it(data):
    days = {row[2] for row in data.availability}
    assert min(days) >= START and (max(days) - START).days <= 27
    windows = defaultdict(list)
    for _, instructor, day, start, end in data.availability:
        windows[(instructor, day)].append((start, end))
    blackouts = {(b[1], b[2]) for b in data.blackouts}
    assert data.bookings
    seen = defaultdict(list)
    for b in data.bookings:
        _, student, instructor, _, day, start, end, minutes = b[:8]
        if day >= START:  # upcoming lessons lie in the availability; past ones are completed
            assert any(ws <= start and end <= we for ws, we in windows[(instructor, day)])
            assert (instructor, day) not in blackouts
        assert (b[8] == "completed") == (day < START)
        span = datetime.combine(day, end) - datetime.combine(day, start)
        assert span.total_seconds() == minutes * 60
        for key in (("i", instructor, day), ("s", student, day)):
            for s2, e2 in seen[key]:
                assert end <= s2 or e2 <= start, "generated bookings overlap"
            seen[key].append((start, end))


def test_reviews_belong_to_completed_past_lessons_and_make_the_rating(data):
    bookings = {b[0]: b for b in data.bookings}
    assert len(data.reviews) > 1000
    assert len({r[1] for r in data.reviews}) == len(data.reviews)  # one per lesson
    stars = defaultdict(list)
    for _id, booking_id, instructor, student, rating, text, created, updated in data.reviews:
        lesson = bookings[booking_id]
        assert lesson[8] == "completed" and lesson[1] == student and lesson[2] == instructor
        assert 1 <= rating <= 5 and text and len(text) <= 2000
        assert datetime.combine(lesson[4], lesson[6], tzinfo=MARKET_TZ) < created and created.date() <= START
        assert created == updated
        stars[instructor].append(rating)
    for profile in data.profiles:
        got = stars.get(profile[0], [])
        assert profile[6] == len(got)
        if got:
            assert float(profile[5]) == pytest.approx(sum(got) / len(got), abs=0.005)
    assert {r[4] for r in data.reviews} >= {3, 4, 5}
