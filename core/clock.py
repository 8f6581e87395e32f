"""The market clock: lessons happen in New York, so availability and bookings are New York
wall-clock times. Every layer that needs "now" or the market's zone takes them from here."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MARKET_TZ = ZoneInfo("America/New_York")


def utc_now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)


def market_now() -> datetime:
    """The current instant as an aware New York datetime."""
    return utc_now().astimezone(MARKET_TZ)
