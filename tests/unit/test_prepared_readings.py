"""A query's reading is remembered (index.search.prepare), since popular queries repeat. Remembering
must never show a student a stale or someone else's reading: dates follow the student's day, their
filters and removed chips change it, and a search that changes its copy leaves the next one alone."""

from __future__ import annotations

from datetime import datetime

import pytest

from index.search import SearchOptions, prepare

NEW_YORK = SearchOptions(tz="America/New_York")


def test_today_is_read_again_after_midnight():
    before = prepare("piano lessons today", now=datetime(2026, 12, 7, 23, 59, 30), opts=NEW_YORK)
    after = prepare("piano lessons today", now=datetime(2026, 12, 8, 0, 0, 10), opts=NEW_YORK)
    assert before.parsed["dates"] == ["2026-12-07"] and after.parsed["dates"] == ["2026-12-08"]


def test_the_students_filters_and_removed_chips_change_the_reading():
    now = datetime(2026, 12, 7, 10, 0)
    plain = prepare("guitar in astoria under $80", now=now, opts=NEW_YORK)
    cheaper = prepare("guitar in astoria under $80", now=now, opts=SearchOptions(price_max=40))
    anywhere = prepare("guitar in astoria under $80", now=now, opts=SearchOptions(drop=("place",)))
    assert plain.parsed["price_max"] == 80 and cheaper.parsed["price_max"] == 40
    assert plain.parsed["location"]["neighborhood"] == "astoria" and anywhere.parsed["location"] is None
    assert len({plain.key, cheaper.key, anywhere.key}) == 3


@pytest.mark.parametrize(
    ("option", "field", "value"),
    [
        (SearchOptions(format="online"), "format", "online"),
        (SearchOptions(level="advanced"), "level", "advanced"),
        (SearchOptions(day="sat"), "weekdays", [5]),
        (SearchOptions(time_of_day="evening"), "start_time", "17:00"),
        (SearchOptions(price_min=30), "price_min", 30),
    ],
)
def test_each_filter_is_read_into_the_query(option, field, value):
    now = datetime(2026, 12, 7, 10, 0)
    plain = prepare("cello lessons in harlem", now=now, opts=NEW_YORK)
    filtered = prepare("cello lessons in harlem", now=now, opts=option)
    assert plain.parsed[field] != value and filtered.parsed[field] == value
    assert filtered.key != plain.key


def test_changing_one_reading_leaves_the_next_alone():
    now = datetime(2026, 12, 7, 10, 0)
    first = prepare("violin for my daughter in park slope on saturdays", now=now, opts=NEW_YORK)
    first.parsed["service"] = None  # as search does when a goal overrides the service word
    first.parsed["location"]["neighborhood"] = "harlem"
    first.parsed["weekdays"].append(0)
    again = prepare("violin for my daughter in park slope on saturdays", now=now, opts=NEW_YORK)
    assert again.parsed["service"] == "violin"
    assert again.parsed["location"]["neighborhood"] == "park-slope"
    assert again.parsed["weekdays"] == [5]
    assert again.key == first.key
