"""Geography in queries: NYC ZIP codes, landmarks, "near …", distances. Expected values by hand."""

from __future__ import annotations

import pytest

from tests.unit.nls_check import check

PIANO = {"service": "piano", "category": "music"}
BROOKLYN = {"borough": "brooklyn", "neighborhood": None}


def test_an_nyc_zip_sets_the_zip_and_its_main_neighborhood():
    check("piano lessons 11215", **PIANO, zip="11215", location={"borough": "brooklyn", "neighborhood": "park-slope"})
    check(
        "piano 10025 under $80",
        **PIANO,
        zip="10025",
        price_max=80,
        location={"borough": "manhattan", "neighborhood": "upper-west-side"},
    )


def test_a_named_neighborhood_beats_the_zip_for_the_location():
    check("piano in astoria 11215", **PIANO, zip="11215", location={"borough": "queens", "neighborhood": "astoria"})


@pytest.mark.parametrize("q", ["piano 90210", "piano 07030"])
def test_a_zip_outside_nyc_gives_no_place_and_stays_in_the_text(q):
    r = check(q, **PIANO)
    assert q.split()[1] in r["text"]


def test_a_dollar_amount_of_five_digits_is_not_a_zip():
    r = check("piano 11215 dollars", **PIANO, price_max=11215)
    assert r["zip"] is None


@pytest.mark.parametrize(
    "q,landmark,borough",
    [
        ("guitar near prospect park", "prospect-park", "brooklyn"),
        ("guitar close to flushing meadows", "flushing-meadows-corona-park", "queens"),
        ("guitar by jfk", "john-f-kennedy-international-airport", "queens"),
        ("guitar next to green-wood cemetery", "green-wood-cemetery", "brooklyn"),
    ],
)
def test_near_a_landmark_sets_the_landmark_its_borough_and_nearby(q, landmark, borough):
    check(
        q,
        service="guitar",
        category="music",
        landmark=landmark,
        nearby=True,
        location={"borough": borough, "neighborhood": None},
    )


def test_a_landmark_without_near_is_the_place_but_not_a_nearby_search():
    check(
        "piano in central park",
        **PIANO,
        landmark="central-park",
        location={"borough": "manhattan", "neighborhood": None},
    )


def test_near_a_neighborhood_is_a_nearby_search_of_that_neighborhood():
    check(
        "yoga close to park slope",
        service="yoga",
        category="sports",
        nearby=True,
        location={"borough": "brooklyn", "neighborhood": "park-slope"},
    )
    check(
        "yoga in park slope",
        service="yoga",
        category="sports",
        location={"borough": "brooklyn", "neighborhood": "park-slope"},
    )


def test_the_park_alone_is_no_landmark():
    r = check("drums near the park", service="drums-percussion", category="music")
    assert r["landmark"] is None and r["location"] is None


@pytest.mark.parametrize(
    "q,miles",
    [
        ("chess within 2 miles", 2),
        ("chess within 1.5 mi", 1.5),
        ("chess within a mile", 1),
        ("chess within half a mile", 0.5),
        ("chess within 10 blocks", 0.5),
        ("chess 3 miles away", 3),
        ("chess within 5 km", 3.11),
    ],
)
def test_within_a_distance(q, miles):
    check(q, service="chess", category="sports", within_miles=miles)


def test_within_miles_is_never_a_price():
    check("chess within 2 miles under $40", service="chess", category="sports", within_miles=2, price_max=40)


def test_walking_distance_is_three_quarters_of_a_mile_near_me():
    check("piano within walking distance", **PIANO, near_me=True, within_miles=0.75)
