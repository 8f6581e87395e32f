"""Sort and filters on search and browsing: every page of a sorted list is in order, filters
override what the parser read, a submitted search is remembered and a keystroke is not, and each
result names the lesson (format and price) that the student would take."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.clock import MARKET_TZ
from core.settings import Settings


@pytest.fixture(scope="module")
def client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


def _all(client, path, **params):
    out = []
    for offset in range(0, 200, 10):
        body = client.get(path, params={**params, "limit": 10, "offset": offset}).json()
        out += body["results"]
        if len(body["results"]) < 10:
            return out, body
    return out, body


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/search", {"q": "music lessons"}),
        ("/api/search", {"q": "lessons in brooklyn"}),
        ("/api/catalog/categories/music/instructors", {}),
    ],
)
def test_sorted_by_price_every_page_is_in_order_without_repeats(client, path, params):
    results, last = _all(client, path, **params, sort="price")
    prices = [r["lesson"]["price"] for r in results if not r.get("misses")]
    assert len(results) > 10 and prices == sorted(prices)
    ids = [r["instructor"]["id"] for r in results]
    assert len(ids) == len(set(ids))
    assert last["sort"] == "price"
    relevance, _ = _all(client, path, **params)
    assert {r["instructor"]["id"] for r in relevance[: len(results)]} <= set(ids) | {
        r["instructor"]["id"] for r in relevance[len(results) :]
    }


def test_sorted_by_rating_and_by_soonest(client):
    rated = client.get("/api/search", params={"q": "lessons in brooklyn", "sort": "rating", "limit": 30}).json()[
        "results"
    ]

    def shrunk(r):
        n, avg = r["instructor"]["reviews"], r["instructor"]["rating"] or 4.3
        return (8 * 4.3 + n * avg) / (8 + n)

    assert [shrunk(r) for r in rated] == sorted((shrunk(r) for r in rated), reverse=True)
    soon = client.get("/api/search", params={"q": "lessons in brooklyn", "sort": "soonest", "limit": 30}).json()[
        "results"
    ]
    starts = [datetime.fromisoformat(r["next_available"]) for r in soon]
    assert starts == sorted(starts)
    relevance = client.get("/api/search", params={"q": "lessons in brooklyn", "limit": 30}).json()["results"]
    assert [r["instructor"]["id"] for r in soon] != [r["instructor"]["id"] for r in relevance]


def test_filters_override_the_parsed_conditions(client):
    body = client.get(
        "/api/search",
        params={"q": "piano under $200 on monday", "price_max": 70, "day": "sat", "time_of_day": "morning"},
    ).json()
    parsed = body["parsed"]
    assert parsed["price_max"] == 70 and parsed["weekdays"] == [5] and parsed["dates"] is None
    assert (parsed["start_time"], parsed["end_time"]) == ("06:00", "12:00")
    for r in body["results"]:
        if not r["misses"]:
            assert r["lesson"]["price"] <= 70
            for slot in r["slots"]:
                start = datetime.fromisoformat(slot["start"]).astimezone(MARKET_TZ)
                assert start.weekday() == 5 and 6 <= start.hour < 12


def test_format_and_level_filters(client):
    online = client.get("/api/search", params={"q": "spanish lessons", "format": "online"}).json()
    exact = [r for r in online["results"] if not r["misses"]]  # a format relaxes only as the last resort
    assert exact and all("online" in r["formats"] and r["lesson"]["format"] == "online" for r in exact)
    everyone, _ = _all(client, "/api/catalog/categories/music/instructors")
    advanced, _ = _all(client, "/api/catalog/categories/music/instructors", level="advanced")
    assert 0 < len(advanced) < len(everyone)
    for r in advanced[:8]:
        page = client.get(f"/api/public/instructors/{r['instructor']['id']}").json()
        taught = next(s for s in page["services"] if s["slug"] == r["service"]["slug"])
        assert "advanced" in taught["levels"]


def test_a_day_filter_of_today_or_a_date(client):
    today = datetime.now(MARKET_TZ).date()
    body = client.get("/api/catalog/services/piano/instructors", params={"day": "tomorrow"}).json()
    assert body["filters"]["dates"] == [(today + timedelta(days=1)).isoformat()]
    later = (today + timedelta(days=5)).isoformat()
    body = client.get("/api/search", params={"q": "piano", "day": later}).json()
    assert body["parsed"]["dates"] == [later]


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"sort": "cheapest"}, "relevance"),
        ({"day": "someday"}, "Cannot read the day"),
        ({"day": "2001-01-01"}, "in the past"),
        ({"time_of_day": "noonish"}, "morning, afternoon, evening"),
        ({"level": "expert"}, "beginner, intermediate, advanced"),
        ({"price_min": 90, "price_max": 50}, "price_min must not be above price_max"),
        ({"format": "by-mail"}, "in_person"),
    ],
)
def test_unreadable_sort_or_filters_get_a_clear_422(client, params, fragment):
    for path, base in (("/api/search", {"q": "piano"}), ("/api/catalog/services/piano/instructors", {})):
        response = client.get(path, params={**base, **params})
        assert response.status_code == 422, (path, response.text)
        assert fragment in response.text


def test_only_submitted_searches_are_remembered(client):
    guest = {"X-Guest-Session-ID": str(uuid.uuid4())}
    for partial in ("pia", "piano les"):
        client.get("/api/search", params={"q": partial, "record": "false"}, headers=guest)
    client.get("/api/search", params={"q": "piano lessons"}, headers=guest)
    client.get("/api/search", params={"q": "piano lessons", "offset": 20}, headers=guest)
    client.get("/api/catalog/services/guitar/instructors", params={"record": "false"}, headers=guest)
    client.get("/api/catalog/services/violin/instructors", headers=guest)
    entries = client.get("/api/search-history", headers=guest).json()
    queries = [e["query"] for e in (entries["items"] if isinstance(entries, dict) else entries)]
    assert sorted(queries) == ["Violin", "piano lessons"]


def test_the_lesson_a_student_would_take_is_named(client):
    # A place asked: the visit is the lesson, though online is cheaper (demo prices always are).
    body = client.get("/api/search", params={"q": "lessons in brooklyn"}).json()
    both = [r for r in body["results"] if not r["misses"] and r["formats"] == ["in_person", "online"]]
    assert both
    for r in both:
        assert r["lesson"] == {"format": "in_person", "price": r["price"]["in_person"]}
    # With no place, format or hands-on service: the cheaper of the two.
    for r in client.get("/api/search", params={"q": "spanish lessons"}).json()["results"]:
        offered = [r["price"][f] for f in r["formats"]]
        assert r["lesson"]["price"] == min(offered)


def test_a_sorted_list_never_reaches_past_its_pool(client):
    """Sorting reads the 100 most relevant results once; a far page is empty, not a deep scan."""
    for path, params in (("/api/search", {"q": "lessons"}), ("/api/catalog/categories/music/instructors", {})):
        body = client.get(path, params={**params, "sort": "soonest", "offset": 9000, "limit": 50}).json()
        assert body["results"] == [] and body["sorted_among"] <= 100 and body["total"] <= 100
