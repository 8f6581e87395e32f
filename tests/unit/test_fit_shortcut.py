"""The ranking skips measuring rows against an ask that states nothing a row's fit reads: every
row of such an ask fits alike. Each condition a student can state must keep the full measure, or
rows that miss it would rank as if they met it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from itertools import product

import pytest

from index import misses
from index.candidates import Candidate
from index.constraints import Constraints


def row(slug="piano", in_person=55, online=45, hoods=("park-slope",), languages=("english",), rating=4.2):
    return Candidate(
        id="row",
        profile_id="p",
        price_in_person=float(in_person) if in_person is not None else None,
        price_online=float(online) if online is not None else None,
        duration_options=[45],
        levels=["beginner"],
        age_groups=["adults"],
        slug=slug,
        service_name=slug.title(),
        default_duration=45,
        category="music",
        rating_avg=float(rating),
        rating_count=12,
        languages=list(languages),
        boroughs=[],
        neighborhoods=list(hoods),
        full_name="Test Teacher",
        semantic=0.5,
        lexical=0.2,
    )


ROWS = [
    row(),
    row(in_person=90, online=None, hoods=("astoria",)),
    row(in_person=None, online=20, hoods=()),
    row(slug="keyboard", languages=("spanish",), rating=3.1),
    row(slug="swimming", in_person=70, online=None, hoods=("canarsie",)),
]
PLAIN = Constraints(service="piano", dates=(date(2026, 12, 5),), start_time=time(9), end_time=time(12))
# Each condition alone, as a student can state it.
STATED = {
    "price_max": {"price_max": 60},
    "price_min": {"price_min": 50},
    "borough": {"borough": "brooklyn"},
    "neighborhood": {"neighborhood": "park-slope", "borough": "brooklyn"},
    "area": {"area": ("park-slope", "windsor-terrace")},
    "online": {"format": "online"},
    "in_person": {"format": "in_person"},
    "language": {"language": "spanish"},
    "rating": {"min_rating": 4.5},
    "duration": {"duration": 60},
    "kids": {"audience": "kids", "age": 8},
    "teens": {"audience": "teens"},
    "learner": {"learner": ("kids",)},
}


@pytest.mark.parametrize("name", sorted(STATED))
def test_every_stated_condition_is_measured_on_each_row(name):
    asked = replace(PLAIN, **STATED[name])
    assert misses.reads_rows(asked)
    fits = {misses.row_fit(r, asked, r.slug == "swimming") for r in ROWS}
    assert fits != {misses.PLAIN_FITS[False]}, f"{name}: no row of the test set misses it"


@pytest.mark.parametrize(("r", "services"), list(product(ROWS, [None, ("piano", "keyboard")])))
def test_an_ask_that_states_nothing_fits_every_row_alike(r, services):
    asked = replace(PLAIN, service=None, services=services) if services else PLAIN
    assert not misses.reads_rows(asked)
    full = misses.row_fit(r, asked, r.slug == "swimming")
    assert misses.row_fit(r, asked, r.slug == "swimming", reads=False) == full
    assert full.key == (0, int(full.other_service), 0, 0, 0, 0)
