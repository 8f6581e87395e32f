"""nls: free-text lesson search query -> parsed-query object (docs/parse-contract.md).

>>> import nls
>>> nls.parse("piano for my 8 year old in park slope under $60")["service"]
'piano'
"""

from __future__ import annotations

from typing import TypedDict

from .parser import FIELDS, GoalReading, parse, parse_with_reading
from .people import learner


class Location(TypedDict):
    borough: str | None
    neighborhood: str | None


class ParsedQuery(TypedDict):
    query: str
    service: str | None
    category: str | None
    price_min: float | None
    price_max: float | None
    price_intent: str | None
    location: Location | None
    near_me: bool
    zip: str | None
    landmark: str | None
    nearby: bool
    within_miles: float | None
    format: str | None
    dates: list[str] | None
    weekdays: list[int] | None
    start_time: str | None
    end_time: str | None
    age: int | None
    audience: str | None
    level: str | None
    duration_minutes: int | None
    min_rating: float | None
    lesson_language: str | None
    urgency: str | None
    text: str


def warmup() -> None:
    """Build the lexicons now instead of on the first parse."""
    from .lexicon import get_lexicon

    get_lexicon()


__all__ = ["FIELDS", "GoalReading", "Location", "ParsedQuery", "learner", "parse", "parse_with_reading", "warmup"]
