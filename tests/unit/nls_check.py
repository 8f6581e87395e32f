"""Shared by the nls unit tests: a fixed reference time and a full-object check."""

from __future__ import annotations

import os
from datetime import datetime

os.environ["NLS_STRICT"] = "1"  # the never-raise safety net re-raises, so bugs fail tests
import nls  # noqa: E402

NOW = datetime(2026, 11, 26, 10, 0)
# The contract's defaults, written out by hand (never taken from the parser under test).
DEFAULTS = {
    "service": None,
    "category": None,
    "price_min": None,
    "price_max": None,
    "price_intent": None,
    "location": None,
    "near_me": False,
    "zip": None,
    "landmark": None,
    "nearby": False,
    "within_miles": None,
    "format": None,
    "dates": None,
    "weekdays": None,
    "start_time": None,
    "end_time": None,
    "age": None,
    "audience": None,
    "level": None,
    "duration_minutes": None,
    "min_rating": None,
    "lesson_language": None,
    "urgency": None,
}


def check(q, now=NOW, **expected):
    """Parse q and assert every field: the expected ones as given, all others at their defaults."""
    r = nls.parse(q, now=now)
    got = {k: v for k, v in r.items() if k not in ("query", "text")}
    assert got == {**DEFAULTS, **expected}, q
    return r
