"""Geography in search on the seeded database: distances from a point, "near me", ZIP codes,
landmarks, radius filters and bad input. Distances are recomputed here from the fixture's
centroids with a plain haversine, not with the search's own code."""

from __future__ import annotations

import json
import math

import pytest

from core.settings import PROJECT_ROOT
from index.search import SearchOptions, search

GEO = json.loads((PROJECT_ROOT / "data" / "fixtures" / "nyc_geography.json").read_text())
CATALOG = json.loads((PROJECT_ROOT / "data" / "fixtures" / "catalog.json").read_text())
SERVICES = [s for c in CATALOG["categories"] for sc in c["subcategories"] for s in sc["services"]]
PARK_SLOPE = (GEO["neighborhoods"]["park-slope"]["lat"], GEO["neighborhoods"]["park-slope"]["lng"])


def haversine(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 3958.7613 * math.asin(math.sqrt(h))


def expected_distance(point, areas):
    """Nearest served neighborhood centroid; a served borough counts as 0 when the point's nearest
    neighborhood is in it, else its nearest neighborhood."""
    hoods = GEO["neighborhoods"]
    nearest = min(hoods, key=lambda s: haversine(point, (hoods[s]["lat"], hoods[s]["lng"])))
    if hoods[nearest]["borough"] in areas["boroughs"]:
        return 0.0
    cands = list(areas["neighborhoods"]) + [s for s, h in hoods.items() if h["borough"] in areas["boroughs"]]
    return min(haversine(point, (hoods[s]["lat"], hoods[s]["lng"])) for s in cands)


def test_every_service_near_me_with_a_point_ranks_nearer_teachers_first_when_they_fit_alike(indexed_engine):
    checked = 0
    for svc in SERVICES:
        response = search(
            indexed_engine,
            f"{svc['name']} lessons near me",
            opts=SearchOptions(limit=20, lat=PARK_SLOPE[0], lng=PARK_SLOPE[1]),
        )
        assert response["needs_location"] is False
        in_person = [r for r in response["results"] if "in_person" in r["formats"]]
        for r in in_person:  # every visit carries its distance, measured as this test measures it
            assert r["distance_miles"] == pytest.approx(
                expected_distance(PARK_SLOPE, r["instructor"]["areas"]), abs=0.06
            )
            assert f"about {r['distance_miles']:.1f} mi away" in r["why"]
        # Teachers who fit alike (same misses, same rating and reviews, same price): nearer first.
        for a, b in zip(in_person, in_person[1:], strict=False):
            alike = (
                a["misses"] == b["misses"]
                and a["instructor"]["rating"] == b["instructor"]["rating"]
                and a["price"] == b["price"]
            )
            if alike:
                assert a["distance_miles"] <= b["distance_miles"] or a["score"] >= b["score"], (svc["slug"], a, b)
        checked += len(in_person) > 0
    assert checked >= 150


def test_nearness_moves_a_teacher_up(indexed_engine):
    """The same query from two ends of the city: a teacher near one point and far from the other
    ranks higher at the near one, and never lower."""
    bronx = (
        GEO["neighborhoods"]["riverdale-spuyten-duyvil"]["lat"],
        GEO["neighborhoods"]["riverdale-spuyten-duyvil"]["lng"],
    )
    gained = []
    for svc in ("piano", "guitar", "math", "spanish", "yoga", "tennis", "chess", "drawing"):
        here = search(
            indexed_engine, f"{svc} near me", opts=SearchOptions(limit=50, lat=PARK_SLOPE[0], lng=PARK_SLOPE[1])
        )
        there = search(indexed_engine, f"{svc} near me", opts=SearchOptions(limit=50, lat=bronx[0], lng=bronx[1]))
        rank_there = {r["instructor"]["id"]: (i, r["distance_miles"]) for i, r in enumerate(there["results"])}
        for i, r in enumerate(here["results"]):
            other = rank_there.get(r["instructor"]["id"])
            if r["distance_miles"] is not None and r["distance_miles"] < 2 and other and other[1] and other[1] > 6:
                assert i <= other[0], (svc, r["instructor"]["name"], i, other)
                gained.append(other[0] - i)
    assert len(gained) >= 3 and sum(gained) > 0, gained


def test_a_zip_code_searches_its_neighborhoods_and_measures_from_them(indexed_engine):
    response = search(indexed_engine, "piano lessons 11215")
    assert response["parsed"]["zip"] == "11215"
    zip_hoods = {h for h, _ in GEO["zips"]["11215"]["neighborhoods"]}
    for r in response["results"]:
        if not r["misses"]:
            areas = r["instructor"]["areas"]
            assert zip_hoods & set(areas["neighborhoods"]) or "brooklyn" in areas["boroughs"], r
            assert r["distance_miles"] is not None


def test_within_miles_is_a_hard_filter_for_visits(indexed_engine):
    center = (GEO["neighborhoods"]["upper-west-side"]["lat"], GEO["neighborhoods"]["upper-west-side"]["lng"])
    response = search(
        indexed_engine, "piano lessons within 2 miles", opts=SearchOptions(limit=20, lat=center[0], lng=center[1])
    )
    assert response["parsed"]["within_miles"] == 2
    for r in response["results"]:
        if not r["misses"]:
            assert r["distance_miles"] is not None and r["distance_miles"] <= 2.0


def test_near_me_without_a_position_asks_for_one(indexed_engine):
    response = search(indexed_engine, "guitar lessons near me")
    assert response["needs_location"] is True
    assert "location" in response["message"]
    assert all(r["distance_miles"] is None for r in response["results"])


def test_a_position_outside_the_city_gets_online_lessons_and_says_why(indexed_engine):
    hoboken = (40.7440, -74.0324)
    response = search(indexed_engine, "guitar lessons near me", opts=SearchOptions(lat=hoboken[0], lng=hoboken[1]))
    assert "only teach in New York City" in response["message"]
    assert response["results"] and all("online" in r["formats"] for r in response["results"])


def test_a_landmark_near_search_uses_the_neighborhoods_around_it(indexed_engine):
    response = search(indexed_engine, "guitar near prospect park")
    assert response["parsed"]["landmark"] == "prospect-park" and response["parsed"]["nearby"] is True
    around = set(GEO["landmarks"]["prospect-park"]["adjacent"])
    for r in response["results"]:
        if not r["misses"]:
            areas = r["instructor"]["areas"]
            assert around & set(areas["neighborhoods"]) or "brooklyn" in areas["boroughs"], r
