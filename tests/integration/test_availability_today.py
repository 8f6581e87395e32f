"""Applying a pattern from today, while today's window is already under way, skips what cannot
change instead of failing the whole request."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.clock import MARKET_TZ
from services import availability
from tests.factories import cleanup, make_instructor, nyc_today


def test_pattern_from_today_skips_windows_that_clash_with_one_under_way(engine):
    today = nyc_today()
    inst = make_instructor(engine, first_day=today, days=1, windows=((time(9, 0), time(17, 0)),))
    try:
        now = datetime.combine(today, time(11, 0), tzinfo=MARKET_TZ)
        with Session(engine) as db:
            result = availability.apply_pattern(
                db,
                user_id=inst.user_id,
                start_date=today,
                end_date=today,
                now=now,
                pattern={
                    today.weekday(): [(time(9, 0), time(12, 0)), (time(13, 0), time(17, 0)), (time(18, 0), time(20, 0))]
                },
            )
        assert any("13:00" in s for s in result["skipped"])
        with engine.connect() as conn:
            windows = conn.execute(
                text(
                    "SELECT start_time, end_time FROM availability_slots WHERE instructor_id = :p ORDER BY start_time"
                ),
                {"p": inst.profile_id},
            ).all()
        assert [(s, e) for s, e in windows] == [(time(9, 0), time(17, 0)), (time(18, 0), time(20, 0))]
    finally:
        cleanup(engine)
