"""Dates, weekdays and time windows (reference: Thursday 2026-11-26 10:00 New York)."""

import os
from datetime import UTC, datetime

import pytest

os.environ["NLS_STRICT"] = "1"
import nls  # noqa: E402
from tests.unit.nls_check import DEFAULTS, NOW  # noqa: E402  (written by hand, never taken from nls)

NEXT_WEEK = ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"]


def check(q, now=NOW, **expected):
    r = nls.parse(q, now=now)
    got = {k: v for k, v in r.items() if k not in ("query", "text")}
    assert got == {**DEFAULTS, **expected}, q
    return r


@pytest.mark.parametrize(
    "q,dates",
    [
        ("today", ["2026-11-26"]),
        ("tomorrow", ["2026-11-27"]),
        ("this friday", ["2026-11-27"]),
        ("friday", ["2026-11-27"]),
        ("thursday", ["2026-11-26"]),
        ("this saturday", ["2026-11-28"]),
        ("next friday", ["2026-12-04"]),
        ("next monday", ["2026-11-30"]),
        ("next thursday", ["2026-12-03"]),
        ("this weekend", ["2026-11-28", "2026-11-29"]),
        ("weekend", ["2026-11-28", "2026-11-29"]),
        ("next weekend", ["2026-12-05", "2026-12-06"]),
        ("next week", NEXT_WEEK),
        ("this week", ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]),
        ("in 3 days", ["2026-11-29"]),
        ("the day after tomorrow", ["2026-11-28"]),
        ("dec 5", ["2026-12-05"]),
        ("12/24", ["2026-12-24"]),
        ("december 24th", ["2026-12-24"]),
        ("the 5th of december", ["2026-12-05"]),
        ("jan 3", ["2027-01-03"]),
        ("nov 26", ["2026-11-26"]),
        ("nov 25", ["2027-11-25"]),
        ("saturday or sunday", ["2026-11-28", "2026-11-29"]),
        ("monday and wednesday", ["2026-11-30", "2026-12-02"]),
    ],
)
def test_dates(q, dates):
    check(q, dates=dates)


@pytest.mark.parametrize(
    "q,weekdays",
    [
        ("every monday", [0]),
        ("on mondays", [0]),
        ("tuesdays", [1]),
        ("mondays and wednesdays", [0, 2]),
        ("every monday and wednesday", [0, 2]),
        ("weekends", [5, 6]),
        ("on weekends", [5, 6]),
        ("weekdays", [0, 1, 2, 3, 4]),
        ("wednesdays, fridays", [2, 4]),
    ],
)
def test_weekdays(q, weekdays):
    check(q, weekdays=weekdays)


@pytest.mark.parametrize(
    "q,start,end",
    [
        ("morning", "06:00", "12:00"),
        ("afternoons", "12:00", "17:00"),
        ("evening", "17:00", "21:00"),
        ("after 5pm", "17:00", None),
        ("after 5", "17:00", None),
        ("before 3pm", None, "15:00"),
        ("at 10am", "10:00", "11:00"),
        ("10am", "10:00", "11:00"),
        ("around 3pm", "14:00", "16:00"),
        ("between 4 and 6pm", "16:00", "18:00"),
        ("4-6pm", "16:00", "18:00"),
        ("noon", "12:00", "13:00"),
        ("at noon", "12:00", "13:00"),
        ("after work", "18:00", None),
        ("lunchtime", "12:00", "13:00"),
        ("lunch", "12:00", "13:00"),
        ("early morning", "06:00", "09:00"),
        ("at 9:30", "09:30", "10:30"),
        ("at 7", "19:00", "20:00"),
        ("at 8", "08:00", "09:00"),
        ("9am-12pm", "09:00", "12:00"),
    ],
)
def test_time_windows(q, start, end):
    check(q, start_time=start, end_time=end)


def test_late_morning_not_read():
    check("late morning")


def test_period_with_date():
    check("tonight", dates=["2026-11-26"], start_time="17:00", end_time="21:00")
    check("this morning", dates=["2026-11-26"], start_time="06:00", end_time="12:00")
    check("this evening", dates=["2026-11-26"], start_time="17:00", end_time="21:00")
    check("tomorrow morning", dates=["2026-11-27"], start_time="06:00", end_time="12:00")
    check("tomorrow night", dates=["2026-11-27"], start_time="18:00", end_time="22:00")


def test_period_keeps_explicit_hour():
    check("saturday morning at 9", dates=["2026-11-28"], start_time="09:00", end_time="10:00")
    check("morning at 7", start_time="07:00", end_time="08:00")
    check("evening at 7", start_time="19:00", end_time="20:00")


def test_weekday_evenings():
    check("weekday evenings", weekdays=[0, 1, 2, 3, 4], start_time="17:00", end_time="21:00")


def test_bare_time_reads_like_at():
    check("yoga 3pm", service="yoga", category="sports", start_time="15:00", end_time="16:00")


def test_sat_is_the_test_not_saturday():
    check("sat prep", service="sat", category="tutoring")
    check("sat tutor", service="sat", category="tutoring")
    check("sat morning", dates=["2026-11-28"], start_time="06:00", end_time="12:00")
    check("this sat", dates=["2026-11-28"])


def test_weekend_on_saturday_and_sunday():
    check("this weekend", now=datetime(2026, 11, 28, 9), dates=["2026-11-28", "2026-11-29"])
    check("this weekend", now=datetime(2026, 11, 29, 9), dates=["2026-11-29"])


def test_aware_now_is_converted_to_zone():
    # 03:00 UTC on the 27th is still the 26th in New York
    r = nls.parse("today", now=datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    assert r["dates"] == ["2026-11-26"]
    r = nls.parse("today", now=datetime(2026, 11, 27, 3, 0, tzinfo=UTC), tz="UTC")
    assert r["dates"] == ["2026-11-27"]


def test_invalid_dates_ignored():
    r = nls.parse("2/30 piano", now=NOW)
    assert r["dates"] is None and r["service"] == "piano"
    r = nls.parse("24/7 support", now=NOW)
    assert r["dates"] is None


def test_dates_sorted_unique():
    check("friday or tomorrow", dates=["2026-11-27"])
    check("sunday and saturday", dates=["2026-11-28", "2026-11-29"])


def test_bare_range_needs_a_date_context():
    check("saturday 9-11", dates=["2026-11-28"], start_time="09:00", end_time="11:00")
    check("tomorrow 3-5", dates=["2026-11-27"], start_time="15:00", end_time="17:00")
    r = nls.parse("guitar 9-11", now=NOW)
    assert r["start_time"] is None and r["end_time"] is None


def test_explicit_time_beats_period():
    check("evenings after 6", start_time="18:00")
    check("on dec 5th at 4pm", dates=["2026-12-05"], start_time="16:00", end_time="17:00")


def test_a_late_window_stays_inside_the_day():
    from nls import parse

    late = parse("saturday at 11pm")
    assert (late["start_time"], late["end_time"]) == ("23:00", "23:59")
    assert parse("piano around 3pm")["end_time"] == "16:00"


@pytest.mark.parametrize(
    "q,window",
    [
        ("boxing before work, like 6 or 7am", ("06:00", "08:00")),
        ("yoga around 1 or 2pm", ("13:00", "15:00")),
        ("i work nights, any yoga around 10 or 11 in the morning", ("10:00", "12:00")),
        ("nurse working night shifts, piano at 3", ("15:00", "16:00")),
        ("I work mornings, piano in the evening", ("17:00", "21:00")),
        ("piano for my 5 or 6 year old", (None, None)),
        ("guitar 1 or 2 lessons a week", (None, None)),
    ],
)
def test_either_hour_and_the_speakers_work_hours(q, window):
    # "6 or 7am": from the first hour to an hour after the last; "i work nights" is the speaker's
    # job, not when the lesson is
    p = nls.parse(q, now=NOW)
    assert (p["start_time"], p["end_time"]) == window


@pytest.mark.parametrize(
    "q,dates",
    [
        # The date of an event the lessons prepare for: the lessons fall before it (today is Thursday 11-26).
        ("my son has a chemistry test friday and is lost", ["2026-11-26"]),
        (
            "acting coach, my daughter has a callback for a play on tuesday!!",
            ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"],
        ),
        (
            "wedding first dance in 2 weeks",
            [f"2026-11-{d}" for d in range(26, 31)] + [f"2026-12-0{d}" for d in range(1, 10)],
        ),
        # An event more than four weeks away sets no dates; an event today keeps today.
        ("my piano recital in 6 weeks", None),
        ("exam today, need a math tutor", ["2026-11-26"]),
        # A date that belongs to the lesson stays the lesson's.
        ("wedding dance lessons this saturday", ["2026-11-28"]),
        # Nobody's own event: the dance may as well be learned that weekend.
        ("bollywood dance for a wedding this weekend", ["2026-11-28", "2026-11-29"]),
        ("road test prep on saturday", ["2026-11-28"]),
        ("paint and sip for my bachelorette saturday", ["2026-11-28"]),
    ],
)
def test_the_date_of_an_event_the_lessons_prepare_for_is_a_deadline(q, dates):
    assert nls.parse(q, now=NOW)["dates"] == dates


def test_a_possessive_that_lost_its_apostrophe_is_english_not_a_typo_of_a_service():
    assert nls.parse("my wife's birthday is saturday, a private italian cooking class")["service"] != "wine-tasting"
    assert nls.parse("my moms birthday")["service"] is None


def test_a_frequency_is_no_lesson_length():
    assert nls.parse("the baby wakes every 90 minutes")["duration_minutes"] is None
    assert nls.parse("90 minute piano lesson")["duration_minutes"] == 90


@pytest.mark.parametrize(
    "q,dates,window",
    [
        ("boxing before work on weekdays", None, ("06:00", "09:00")),
        ("mandarin for kids sat morn", ["2026-11-28"], ("06:00", "12:00")),
        ("chess in the slope, sun aft", ["2026-11-29"], ("12:00", "17:00")),
        ("boxing before work like 6 or 7am", None, ("06:00", "08:00")),  # a clock time says more
    ],
)
def test_before_work_and_texting_shorthand_for_periods(q, dates, window):
    r = nls.parse(q, now=NOW)
    assert (r["dates"], (r["start_time"], r["end_time"])) == (dates, window)


@pytest.mark.parametrize(
    "q",
    [
        "moving to paris next year and i don't speak a word",
        "i'm 45 and always wanted to play the saxophone, is it too late??",
        "wedding in june and we both have two left feet",
        "do you teach adults to swim? i never learned",
    ],
)
def test_what_new_learners_say_instead_of_beginner(q):
    assert nls.parse(q)["level"] == "beginner"


def test_a_misspelled_format_word_is_read():
    assert nls.parse("spansh tutor, onlin")["format"] == "online"
    assert nls.parse("virtul piano")["format"] == "online"
