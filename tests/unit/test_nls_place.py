"""Locations: boroughs, neighborhoods, aliases, ambiguous aliases, no-location words."""

import os
from datetime import datetime

import pytest

os.environ["NLS_STRICT"] = "1"
import nls  # noqa: E402

NOW = datetime(2026, 11, 26, 10, 0)


def loc(q):
    return nls.parse(q, now=NOW)["location"]


@pytest.mark.parametrize(
    "q,borough,hood",
    [
        ("in park slope", "brooklyn", "park-slope"),
        ("park slope", "brooklyn", "park-slope"),
        ("brooklyn", "brooklyn", None),
        ("in queens", "queens", None),
        ("the bronx", "bronx", None),
        ("staten island", "staten-island", None),
        ("manhattan", "manhattan", None),
        ("upper west side", "manhattan", "upper-west-side"),
        ("ues", "manhattan", "upper-east-side"),
        ("uws", "manhattan", "upper-west-side"),
        ("bk", "brooklyn", None),
        ("williamsburg", "brooklyn", "williamsburg"),
        ("bed-stuy", "brooklyn", "bedford-stuyvesant"),
        ("bed stuy", "brooklyn", "bedford-stuyvesant"),
        ("astoria", "queens", "astoria"),
        ("lic", "queens", "long-island-city-hunters-point"),
        ("long island city", "queens", "long-island-city-hunters-point"),
        ("dumbo", "brooklyn", "downtown-brooklyn-dumbo-boerum-hill"),
        ("hell's kitchen", "manhattan", "hells-kitchen"),
        ("chelsea", "manhattan", "chelsea-hudson-yards"),
        ("east new york", "brooklyn", "east-new-york"),
        ("brooklyn heights", "brooklyn", "brooklyn-heights"),
        ("manhattan beach", "brooklyn", "sheepshead-bay-manhattan-beach-gerritsen-beach"),
        ("murray hill", "manhattan", "murray-hill-kips-bay"),
        ("harlem", "manhattan", "harlem"),
        ("east harlem", "manhattan", "east-harlem"),
        ("st. albans", "queens", "st-albans"),
        ("yorkville", "manhattan", "upper-east-side"),
        ("riverdale", "bronx", "riverdale-spuyten-duyvil"),
        ("williamsburgh", "brooklyn", "williamsburg"),
    ],
)
def test_places(q, borough, hood):
    assert loc(q) == {"borough": borough, "neighborhood": hood}, q


@pytest.mark.parametrize(
    "q,borough,hood",
    [
        ("central park", "manhattan", None),
        ("east side", "manhattan", None),
        ("chinatown", "manhattan", "chinatown-two-bridges"),
    ],
)
def test_ambiguous_aliases(q, borough, hood):
    assert loc(q) == {"borough": borough, "neighborhood": hood}, q


@pytest.mark.parametrize("q", ["nyc", "new york", "new york city", "anywhere", "the city", "piano in nyc"])
def test_no_location(q):
    assert loc(q) is None


def test_non_residential_area_gives_borough():
    assert loc("near prospect park") == {"borough": "brooklyn", "neighborhood": None}


def test_first_place_wins():
    assert loc("astoria or williamsburg") == {"borough": "queens", "neighborhood": "astoria"}


def test_language_is_not_a_place():
    r = nls.parse("piano in spanish", now=NOW)
    assert r["location"] is None and r["lesson_language"] == "spanish"


def test_place_name_parts_that_are_common_words_are_skipped():
    assert loc("co-op city") == {"borough": "bronx", "neighborhood": "co-op-city"}
    assert loc("piano with travis") is None
    assert loc("spanish lessons in spanish harlem") == {"borough": "manhattan", "neighborhood": "east-harlem"}
