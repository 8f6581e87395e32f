"""Bookable starts: availability windows minus blackouts and live bookings, after the minimum notice,
where the lesson length fits, inside the asked days and time-of-day window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

from index import statements
from index.constraints import Constraints
from models.booking import LIVE_STATUSES

if TYPE_CHECKING:
    from index.slot_memo import MemoUnder

STEP_MINUTES = 30
MARKET_TZ = ZoneInfo("America/New_York")  # availability and bookings are New York wall-clock times

SLOTS_SQL = f"""
WITH wanted AS (
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:durations AS int[])) AS w(instructor_id, minutes)
), windows AS (
    SELECT a.instructor_id, a.slot_date, w.minutes,
           a.slot_date + GREATEST(a.start_time, CAST(:win_start AS time)) AS first_start,
           a.slot_date + LEAST(a.end_time, CAST(:win_end AS time)) AS last_end
    FROM availability_slots a
    JOIN wanted w ON w.instructor_id = a.instructor_id
    WHERE a.instructor_id = ANY(CAST(:ids AS uuid[]))
      AND a.slot_date BETWEEN :day_from AND :day_to
      AND (CAST(:dates AS date[]) IS NULL OR a.slot_date = ANY(CAST(:dates AS date[])))
      AND (CAST(:dows AS int[]) IS NULL OR EXTRACT(ISODOW FROM a.slot_date)::int - 1 = ANY(CAST(:dows AS int[])))
      AND NOT EXISTS (SELECT 1 FROM blackout_dates b
                      WHERE b.instructor_id = a.instructor_id AND b.blackout_date = a.slot_date)
), busy AS (
    -- An instructor's booked time on a day, as one multirange that each start is checked against once,
    -- joined by instructor and day. A NOT EXISTS per start could re-read the bookings index for every
    -- start (4,000 index searches, half the statement, for "piano lessons" at 10,000 instructors); on
    -- the bench's 200 queries at 10k the statement's p99 went 8.5 -> 6.6 ms, its median 2.1 -> 2.0.
    SELECT bk.instructor_id, bk.booking_date,
           range_agg(tsrange(bk.booking_date + bk.start_time, bk.booking_date + bk.end_time, '[)')) AS spans
    FROM bookings bk
    WHERE bk.instructor_id = ANY(CAST(:ids AS uuid[]))
      AND bk.booking_date BETWEEN :day_from AND :day_to
      AND bk.status IN ({", ".join(f"'{s}'" for s in LIVE_STATUSES)})
    GROUP BY bk.instructor_id, bk.booking_date
), starts AS (
    SELECT wi.instructor_id, wi.minutes, gs AS starts_at
    FROM windows wi
    LEFT JOIN busy ON busy.instructor_id = wi.instructor_id AND busy.booking_date = wi.slot_date
    CROSS JOIN LATERAL generate_series(wi.first_start, wi.last_end - make_interval(mins => wi.minutes),
                                       interval '{STEP_MINUTES} minutes') AS gs
    WHERE gs >= :earliest
      AND (busy.spans IS NULL OR NOT busy.spans && tsrange(gs, gs + make_interval(mins => wi.minutes), '[)'))
)
SELECT CAST(instructor_id AS text), min(minutes) AS minutes, count(*) AS n,
       (array_agg(starts_at ORDER BY starts_at))[1:CAST(:keep AS int)] AS first_starts
FROM starts
GROUP BY instructor_id
"""


class SlotSummary(NamedTuple):
    """How many bookable starts an instructor has in a window, and the first few (start, end)."""

    starts: int = 0
    first: tuple[tuple[datetime, datetime], ...] = ()


def _ceil_quarter(t: datetime) -> datetime:
    """Up to the next quarter hour; seconds count, since booking checks the exact time."""
    floor = t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)
    return floor if floor == t else floor + timedelta(minutes=15)


def earliest_start(now: datetime, notice_minutes: int) -> datetime:
    """Now plus the notice, rounded up to the 15-minute grid, as naive New York time. With an aware
    `now` the notice is real elapsed time, so a daylight-saving night does not shift it by an hour."""
    if now.tzinfo is not None:
        later = (now.astimezone(UTC) + timedelta(minutes=notice_minutes)).astimezone(MARKET_TZ)
        return _ceil_quarter(later.replace(tzinfo=None))
    return _ceil_quarter(now + timedelta(minutes=notice_minutes))


def window_start(asked: time | None) -> time:
    """An asked start such as 9:10 becomes 9:15: every offered start must be on the booking grid."""
    if asked is None:
        return time(0, 0)
    rounded = _ceil_quarter(datetime.combine(date.min, asked))
    return rounded.time() if rounded.date() == date.min else time(23, 45)


def find(
    conn: Connection,
    c: Constraints,
    wanted: dict[Any, int],
    *,
    now: datetime,
    notice_minutes: int,
    keep: int = 3,
    memo: MemoUnder | None = None,
) -> dict[object, SlotSummary]:
    """wanted: instructor profile id → lesson minutes. Returns a summary per instructor with slots.
    With a `memo`, instructors it knows for this window are not asked again (index/slot_memo.py), and
    what the statement answers is added to it."""
    if not wanted:
        return {}
    day_from, day_to = c.date_range(now.date())
    params = {
        "win_start": window_start(c.start_time),
        "win_end": c.end_time or time(23, 59, 59),
        "day_from": max(day_from, now.date()),
        "day_to": day_to,
        "dates": list(c.dates) if c.dates else None,
        "dows": list(c.weekdays) if c.weekdays else None,
        "earliest": earliest_start(now, notice_minutes),
        "keep": keep,
    }
    # Answered with the caller's own keys: a search keys by the ids' text, a profile page by its UUID.
    keys = {str(k): k for k in wanted}
    asked = {str(k): minutes for k, minutes in wanted.items()}
    out: dict[object, SlotSummary] = {}
    known = None
    if memo is not None:
        # The window: every parameter of the statement but the instructors and their lesson lengths (the days
        # as the ask's tuples, which can be a key).
        window = (*(params[name] for name in ("win_start", "win_end", "day_from", "day_to", "earliest")), keep)
        known = memo.window((*window, c.dates, c.weekdays))
        for key, minutes in list(asked.items()):
            if (key, minutes) in known:
                del asked[key]
                summary = known[key, minutes]
                if summary is not None:
                    out[keys[key]] = SlotSummary(*summary)
        if not asked:
            return out
    params["ids"] = statements.array_literal(asked)
    params["durations"] = statements.array_literal(asked.values())
    found: dict[str, SlotSummary] = {}
    for instructor_id, minutes, count, first_starts in statements.rows(conn, SLOTS_SQL, params):
        lesson = timedelta(minutes=minutes)
        found[instructor_id] = SlotSummary(count, tuple((s, s + lesson) for s in first_starts))
    for key, summary in found.items():
        out[keys[key]] = summary
    if known is not None and memo is not None:
        for key, minutes in asked.items():
            summary = found.get(key)
            known[key, minutes] = (summary.starts, summary.first) if summary is not None else None
        memo.added(len(asked))
    return out


FREE_SQL = f"""
SELECT a.slot_date, a.slot_date + a.start_time AS opens, a.slot_date + a.end_time AS closes,
       COALESCE((SELECT array_agg(tsrange(bk.booking_date + bk.start_time, bk.booking_date + bk.end_time, '[)')
                                  ORDER BY bk.start_time)
                 FROM bookings bk
                 WHERE bk.instructor_id = a.instructor_id AND bk.booking_date = a.slot_date
                   AND bk.status IN ({", ".join(f"'{s}'" for s in LIVE_STATUSES)})
                   AND bk.start_time < a.end_time AND bk.end_time > a.start_time), '{{}}') AS busy
FROM availability_slots a
WHERE a.instructor_id = :instructor AND a.slot_date BETWEEN :day_from AND :day_to
  AND NOT EXISTS (SELECT 1 FROM blackout_dates b WHERE b.instructor_id = a.instructor_id
                  AND b.blackout_date = a.slot_date)
ORDER BY a.slot_date, a.start_time
"""
FREE = text(FREE_SQL)


def free_stretches(
    conn: Connection, instructor_id: object, day_from: date, day_to: date, earliest: datetime
) -> list[tuple[datetime, datetime]]:
    """The instructor's free time as New York wall-clock intervals: availability windows minus
    blackout days and live bookings, from `earliest` on. A profile page shows these, so that a
    window reads "free 10:00–12:00" rather than ending at the last start plus one lesson."""
    out: list[tuple[datetime, datetime]] = []
    params = {"instructor": instructor_id, "day_from": day_from, "day_to": day_to}
    for _, opens, closes, busy in conn.execute(FREE, params):
        cursor = max(opens, earliest)
        for span in busy:
            if span.lower > cursor:
                out.append((cursor, min(span.lower, closes)))
            cursor = max(cursor, span.upper)
        if closes > cursor:
            out.append((cursor, closes))
    return [(s, e) for s, e in out if e > s]
