"""Price bounds and price intent."""

import pytest

from tests.unit.nls_check import DEFAULTS, NOW, check, nls  # noqa: F401


@pytest.mark.parametrize(
    "q,lo,hi",
    [
        ("under $60", None, 60),
        ("below 50", None, 50),
        ("less than $45", None, 45),
        ("max 70", None, 70),
        ("at most $80", None, 80),
        ("up to $90", None, 90),
        ("no more than 100 dollars", None, 100),
        ("<= $60", None, 60),
        ("$60", None, 60),
        ("$60/hr", None, 60),
        ("$60 an hour", None, 60),
        ("$60 per hour", None, 60),
        ("60 dollars", None, 60),
        ("50 bucks", None, 50),
        ("75/hr", None, 75),
        ("$59.99", None, 59.99),
        ("at least $50", 50, None),
        ("over $40", 40, None),
        ("more than 30 dollars", 30, None),
        ("above $55", 55, None),
        ("min $50", 50, None),
        ("starting at $50", 50, None),
        ("$50+", 50, None),
        ("$50 and up", 50, None),
        ("between 40 and 70", 40, 70),
        ("$40-$70", 40, 70),
        ("$40 - 70", 40, 70),
        ("40 to 70 dollars", 40, 70),
        ("from $40 to $70", 40, 70),
        ("between $70 and $40", 40, 70),
        ("$60 or less", None, 60),
    ],
)
def test_price_bounds(q, lo, hi):
    check(q, price_min=lo, price_max=hi)


@pytest.mark.parametrize(
    "q,intent",
    [
        ("cheap", "budget"),
        ("affordable", "budget"),
        ("budget", "budget"),
        ("inexpensive", "budget"),
        ("low cost", "budget"),
        ("low-cost", "budget"),
        ("premium", "premium"),
        ("luxury", "premium"),
        ("high-end", "premium"),
        ("elite", "premium"),
        ("top-tier", "premium"),
    ],
)
def test_price_intent(q, intent):
    check(q, price_intent=intent)


def test_best_and_top_rated_are_not_premium():
    check("best")
    check("top rated", min_rating=4.5)


def test_explicit_price_beats_intent():
    r = check("cheap piano under $80", service="piano", category="music", price_max=80)
    assert "cheap" not in r["text"]
    check("affordable guitar $40-$60", service="guitar", category="music", price_min=40, price_max=60)


def test_age_is_not_a_price():
    check("8 year old piano", service="piano", category="music", age=8, audience="kids")
    check("kids under 10", audience="kids")
    check("swimming for kids under 10", service="swimming", category="sports", audience="kids")


def test_time_is_not_a_price():
    check("between 4 and 6pm", start_time="16:00", end_time="18:00")
    check("at 5 under $50", start_time="17:00", end_time="18:00", price_max=50)


def test_rating_and_duration_are_not_prices():
    check("4+ stars under $60", min_rating=4, price_max=60)
    check("45 minute lesson for $50", duration_minutes=45, price_max=50)


def test_price_is_integer_when_whole():
    r = nls.parse("under $60", now=NOW)
    assert r["price_max"] == 60 and isinstance(r["price_max"], int)
