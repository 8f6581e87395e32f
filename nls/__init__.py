"""nls: free-text lesson search query -> parsed-query object (docs/parse-contract.md).

    >>> import nls
    >>> nls.parse("piano for my 8 year old in park slope under $60")["service"]
    'piano'
"""

from __future__ import annotations

from typing import Optional, TypedDict

from .parser import FIELDS, parse


class Location(TypedDict):
    borough: Optional[str]
    neighborhood: Optional[str]


class ParsedQuery(TypedDict):
    query: str
    service: Optional[str]
    category: Optional[str]
    price_min: Optional[float]
    price_max: Optional[float]
    price_intent: Optional[str]
    location: Optional[Location]
    near_me: bool
    zip: Optional[str]
    landmark: Optional[str]
    nearby: bool
    within_miles: Optional[float]
    format: Optional[str]
    dates: Optional[list[str]]
    weekdays: Optional[list[int]]
    start_time: Optional[str]
    end_time: Optional[str]
    age: Optional[int]
    audience: Optional[str]
    level: Optional[str]
    duration_minutes: Optional[int]
    min_rating: Optional[float]
    lesson_language: Optional[str]
    urgency: Optional[str]
    text: str


def warmup() -> None:
    """Build the lexicons now instead of on the first parse."""
    from .lexicon import get_lexicon

    get_lexicon()


__all__ = ["FIELDS", "Location", "ParsedQuery", "parse", "warmup"]
