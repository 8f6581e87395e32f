"""The sort and filters every listing takes (search and category or service browsing), checked the
same way: what cannot be read gets a clear 422."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import HTTPException

from index.search import LEVELS, TIMES_OF_DAY, day_filter

Sort = Literal["relevance", "price", "rating", "soonest"]
SORT_HELP = "relevance (default), price (lowest first), rating (best first), soonest (earliest slot first)"
DAY_HELP = "today, tomorrow, weekend, mon…sun, or a date (YYYY-MM-DD)"


def check_filters(
    tz: str,
    price_min: float | None,
    price_max: float | None,
    day: str | None,
    time_of_day: str | None,
    level: str | None,
) -> None:
    if price_min is not None and price_max is not None and price_min > price_max:
        raise HTTPException(422, "price_min must not be above price_max.")
    if day is not None:
        try:
            day_filter(day, datetime.now(ZoneInfo(tz)).date())
        except ValueError as exc:
            raise HTTPException(422, f"Cannot read the day {day!r} ({exc}); use {DAY_HELP}.")
    if time_of_day is not None and time_of_day not in TIMES_OF_DAY:
        raise HTTPException(422, f"time_of_day is one of {', '.join(TIMES_OF_DAY)}.")
    if level is not None and level not in LEVELS:
        raise HTTPException(422, f"level is one of {', '.join(LEVELS)}.")
