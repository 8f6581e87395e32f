"""The earliest bookable start: on the 15-minute grid, seconds counted, real elapsed time across DST."""

from __future__ import annotations

from datetime import datetime, time

from index.slots import MARKET_TZ, earliest_start, window_start


def test_the_notice_is_rounded_up_to_the_grid_counting_seconds():
    assert earliest_start(datetime(2026, 11, 26, 10, 0, 0), 120) == datetime(2026, 11, 26, 12, 0)
    assert earliest_start(datetime(2026, 11, 26, 10, 0, 30), 120) == datetime(2026, 11, 26, 12, 15)


def test_the_notice_is_real_time_on_a_daylight_saving_night():
    # 00:30 EST on the spring-forward day: two real hours later it is 03:30 EDT, not "02:30".
    now = datetime(2026, 3, 8, 0, 30, tzinfo=MARKET_TZ)
    assert earliest_start(now, 120) == datetime(2026, 3, 8, 3, 30)


def test_an_asked_start_off_the_grid_moves_to_the_next_quarter():
    assert window_start(time(9, 10)) == time(9, 15)
    assert window_start(time(9, 0)) == time(9, 0)
    assert window_start(None) == time(0, 0)
