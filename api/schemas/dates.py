"""Dates and times a request may carry: within EARLIEST..LATEST (F11). Python's date arithmetic ends at
year 9999 and the market clock converts every start to New York time, so a far date would otherwise
fail deep inside a route (an OverflowError, a 500) instead of being refused with a 422 that says why."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
RANGE_TEXT = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def _day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"Dates must be {RANGE_TEXT}.")
    return value


def _moment(value: datetime) -> datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"Times must be on a date {RANGE_TEXT}.")
    return value


Day = Annotated[date, AfterValidator(_day)]
Moment = Annotated[AwareDatetime, AfterValidator(_moment)]
