"""Property tests: any input gives a valid contract object and never raises."""

import json
import os
import re
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

os.environ["NLS_STRICT"] = "1"
import nls  # noqa: E402

NOW = datetime(2026, 11, 26, 10, 0)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WORDS = [
    "piano",
    "sat",
    "prep",
    "under",
    "$60",
    "8",
    "year",
    "old",
    "kids",
    "in",
    "spanish",
    "park",
    "slope",
    "this",
    "saturday",
    "morning",
    "at",
    "5",
    "4+",
    "stars",
    "online",
    "or",
    "person",
    "between",
    "40",
    "and",
    "70",
    "next",
    "week",
    "12/24",
    "asap",
    "near",
    "me",
    "-",
    "/",
    "pm",
    "age",
    "top",
    "rated",
    "bjj",
    "dec",
    "the",
    "weekends",
    "🎹",
    "<b>",
]


def valid(r, q):
    assert tuple(r) == nls.FIELDS
    assert r["query"] == q
    for k in (
        "service",
        "category",
        "price_intent",
        "format",
        "start_time",
        "end_time",
        "audience",
        "level",
        "lesson_language",
        "urgency",
    ):
        assert r[k] is None or isinstance(r[k], str), k
    for k in ("price_min", "price_max", "min_rating"):
        assert r[k] is None or (isinstance(r[k], (int, float)) and not isinstance(r[k], bool)), k
    for k in ("age", "duration_minutes"):
        assert r[k] is None or (isinstance(r[k], int) and not isinstance(r[k], bool)), k
    assert isinstance(r["near_me"], bool)
    assert isinstance(r["text"], str)
    assert r["price_intent"] in (None, "budget", "premium")
    assert r["format"] in (None, "online", "in_person")
    assert r["audience"] in (None, "kids", "teens", "adults")
    assert r["level"] in (None, "beginner", "intermediate", "advanced")
    assert r["urgency"] in (None, "high", "medium")
    if r["location"] is not None:
        assert set(r["location"]) == {"borough", "neighborhood"}
        assert r["location"]["borough"] is not None
    if r["dates"] is not None:
        assert r["dates"] and all(DATE.match(d) for d in r["dates"])
        assert r["dates"] == sorted(set(r["dates"]))
    if r["weekdays"] is not None:
        assert r["weekdays"] == sorted(set(r["weekdays"])) and all(0 <= d <= 6 for d in r["weekdays"])
    for k in ("start_time", "end_time"):
        assert r[k] is None or HHMM.match(r[k]), (k, r[k])
    if r["price_min"] is not None and r["price_max"] is not None:
        assert r["price_min"] <= r["price_max"]
    if r["service"] is not None:
        assert r["category"] is not None
    json.dumps(r)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text(q):
    valid(nls.parse(q, now=NOW), q)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join))
def test_word_soup(q):
    valid(nls.parse(q, now=NOW), q)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=200),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
)
def test_any_now(q, now):
    valid(nls.parse(q + " this weekend next week dec 31 feb 29", now=now), q + " this weekend next week dec 31 feb 29")


def test_edge_inputs():
    cases = [
        "",
        " ",
        "\n",
        "\x00\x01\x02",
        "a" * 10000,
        "piano " * 2000,
        "🎹🎸🥁" * 100,
        "<script>alert('x')</script> piano",
        "\udcff\ud800 broken surrogates",
        "$$$$$ ///// ---- ++++",
        "9" * 500,
        "under $" + "9" * 400,
        "1/1/1/1/1/1",
        "::::",
        "at 99:99pm",
        "between 13 and 25pm",
        "age 999",
        "\u202e\u200b\ufeff rtl",
        "ｐｉａｎｏ",
        bytes(range(256)).decode("latin-1"),
    ]
    for q in cases:
        valid(nls.parse(q, now=NOW), q)


def test_ten_thousand_chars_is_fast_enough():
    q = ("piano lessons in park slope under $60 this saturday " * 200)[:10000]
    t = datetime.now()
    valid(nls.parse(q, now=NOW), q)
    assert datetime.now() - t < timedelta(seconds=5)
