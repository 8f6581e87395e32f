"""Availability: an instructor's windows (one table) and blackout dates.

Layer independence: nothing here reads or writes bookings. Booked lessons survive any change of
availability; availability only decides what can be booked next.
Rules for every window: end after start, on the 15-minute grid, no overlap with another window of
the same day, and nothing in the past changes. Every error names the window that is wrong.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import MARKET_TZ
from models import AvailabilitySlot, BlackoutDate
from services.errors import Conflict, Invalid, NotFound
from services.instructors import profile_for_user
from services.sql import affected

GRID_MINUTES = 15
MAX_WINDOWS_PER_DAY = 24
MAX_RANGE_DAYS = 366
MAX_COPY_WEEKS = 12
Window = tuple[time, time]


def _now_local(now: datetime) -> datetime:
    return now.astimezone(MARKET_TZ).replace(tzinfo=None)


def _label(day: date, w: Window) -> str:
    return f"{day.isoformat()} {w[0]:%H:%M}–{w[1]:%H:%M}"


def validate_day(day: date, windows: list[Window]) -> list[str]:
    """Problems of one day's windows, each naming its window (empty list: all good)."""
    errors = []
    if len(windows) > MAX_WINDOWS_PER_DAY:
        errors.append(f"{day.isoformat()}: at most {MAX_WINDOWS_PER_DAY} windows a day.")
    for w in windows:
        start, end = w
        if end <= start:
            errors.append(f"{_label(day, w)}: the end must be after the start.")
        for t in (start, end):
            if t.minute % GRID_MINUTES or t.second or t.microsecond:
                errors.append(f"{_label(day, w)}: times must be on the 15-minute grid (:00, :15, :30, :45).")
                break
    ordered = sorted(w for w in windows if w[1] > w[0])
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b[0] < a[1]:
            errors.append(f"{_label(day, b)} overlaps {a[0]:%H:%M}–{a[1]:%H:%M}.")
    return errors


def _existing(db: Session, profile_id: uuid.UUID, first: date, last: date) -> dict[date, list[Window]]:
    rows = db.execute(
        select(AvailabilitySlot.slot_date, AvailabilitySlot.start_time, AvailabilitySlot.end_time)
        .where(AvailabilitySlot.instructor_id == profile_id, AvailabilitySlot.slot_date.between(first, last))
        .order_by(AvailabilitySlot.slot_date, AvailabilitySlot.start_time)
    ).all()
    out: dict[date, list[Window]] = {}
    for d, s, e in rows:
        out.setdefault(d, []).append((s, e))
    return out


def _write_days(
    db: Session, *, profile_id: uuid.UUID, days: dict[date, list[Window]], now: datetime, strict: bool
) -> dict:
    """Replace the windows of the given days, in the caller's transaction.

    Past days and windows that already started today are frozen. strict: asking to change them is
    an error; otherwise they are skipped (copy and pattern, which span whole weeks)."""
    local = _now_local(now)
    today, now_t = local.date(), local.time()
    existing = _existing(db, profile_id, min(days), max(days)) if days else {}
    errors: list[str] = []
    skipped: list[str] = []
    plan: dict[date, list[Window]] = {}
    for day in sorted(days):
        wanted = sorted(set(days[day]))
        errors.extend(validate_day(day, wanted))
        have = existing.get(day, [])
        if day < today:
            if sorted(have) != wanted:
                if strict:
                    errors.append(f"{day.isoformat()}: is in the past; past availability cannot be changed.")
                else:
                    skipped.append(day.isoformat())
            continue
        if day == today:
            frozen = [w for w in have if w[0] < now_t]
            for w in wanted:
                if w[0] < now_t and w not in frozen:
                    if strict:
                        errors.append(f"{_label(day, w)}: starts in the past (it is {now_t:%H:%M} now).")
                    else:
                        skipped.append(_label(day, w))
            keep = [w for w in wanted if w[0] >= now_t]
            if not strict:
                # Copy and pattern skip what cannot change: a new window that would overlap one
                # already under way today is skipped too, instead of failing the whole request.
                clash = [w for w in keep if any(w[0] < f[1] and f[0] < w[1] for f in frozen)]
                skipped.extend(_label(day, w) for w in clash)
                keep = [w for w in keep if w not in clash]
            merged = sorted(frozen + keep)
            errors.extend(e for e in validate_day(day, merged) if e not in errors)
            plan[day] = keep
        else:
            plan[day] = wanted
    if errors:
        raise Invalid(
            "Some availability windows are not valid: " + " ".join(errors), code="invalid_windows", errors=errors
        )
    for day, windows in plan.items():
        cond = [AvailabilitySlot.instructor_id == profile_id, AvailabilitySlot.slot_date == day]
        if day == today:
            cond.append(AvailabilitySlot.start_time >= now_t)
        db.execute(delete(AvailabilitySlot).where(*cond))
        for s, e in windows:
            db.add(AvailabilitySlot(id=uuid.uuid4(), instructor_id=profile_id, slot_date=day, start_time=s, end_time=e))
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        if "ex_availability_slots_overlap" in str(exc.orig):
            raise Conflict(
                "These windows overlap availability that changed meanwhile; reload and try again.",
                code="availability_overlap",
            ) from None
        raise
    return {"days": len(plan), "windows": sum(len(w) for w in plan.values()), "skipped": skipped}


def _week_view(db: Session, profile_id: uuid.UUID, week_start: date) -> dict:
    last = week_start + timedelta(days=6)
    existing = _existing(db, profile_id, week_start, last)
    blackouts = set(
        db.execute(
            select(BlackoutDate.blackout_date).where(
                BlackoutDate.instructor_id == profile_id, BlackoutDate.blackout_date.between(week_start, last)
            )
        ).scalars()
    )
    return {
        "week_start": week_start.isoformat(),
        "days": [
            {
                "date": (d := week_start + timedelta(days=i)).isoformat(),
                "weekday": d.strftime("%A").lower(),
                "blackout": d in blackouts,
                "windows": [{"start": f"{s:%H:%M}", "end": f"{e:%H:%M}"} for s, e in existing.get(d, [])],
            }
            for i in range(7)
        ],
    }


def get_week(db: Session, *, user_id: uuid.UUID, week_start: date) -> dict:
    profile = profile_for_user(db, user_id=user_id)
    return _week_view(db, profile.id, week_start)


def replace_week(
    db: Session, *, user_id: uuid.UUID, week_start: date, days: dict[date, list[Window]], now: datetime
) -> dict:
    """The seven days from week_start get exactly the given windows (a day left out: none), atomically."""
    profile = profile_for_user(db, user_id=user_id, lock=True)  # one writer per instructor at a time
    last = week_start + timedelta(days=6)
    outside = sorted(d for d in days if not week_start <= d <= last)
    if outside:
        raise Invalid(
            f"{outside[0].isoformat()} is not in the week {week_start.isoformat()}–{last.isoformat()}.",
            code="invalid_windows",
            errors=[f"{d.isoformat()}: not in this week." for d in outside],
        )
    local_today = _now_local(now).date()
    full = {week_start + timedelta(days=i): list(days.get(week_start + timedelta(days=i), [])) for i in range(7)}
    # Past days left out of the request are simply not touched.
    full = {d: w for d, w in full.items() if d >= local_today or d in days}
    _write_days(db, profile_id=profile.id, days=full, now=now, strict=True)
    db.commit()
    return _week_view(db, profile.id, week_start)


def copy_week(db: Session, *, user_id: uuid.UUID, week_start: date, weeks: int, now: datetime) -> dict:
    """Copy the seven days from week_start onto each of the next `weeks` weeks (replacing them).
    Days already past are skipped and reported."""
    if not 1 <= weeks <= MAX_COPY_WEEKS:
        raise Invalid(f"Copy to between 1 and {MAX_COPY_WEEKS} weeks.", field="weeks")
    profile = profile_for_user(db, user_id=user_id, lock=True)
    source = _existing(db, profile.id, week_start, week_start + timedelta(days=6))
    local_today = _now_local(now).date()
    days: dict[date, list[Window]] = {}
    for k in range(1, weeks + 1):
        for i in range(7):
            target = week_start + timedelta(days=7 * k + i)
            if target >= local_today:
                days[target] = source.get(week_start + timedelta(days=i), [])
    if not days:
        raise Invalid("Every target day is in the past.", code="past")
    result = _write_days(db, profile_id=profile.id, days=days, now=now, strict=False)
    db.commit()
    return result


def apply_pattern(
    db: Session,
    *,
    user_id: uuid.UUID,
    start_date: date,
    end_date: date,
    pattern: dict[int, list[Window]],
    now: datetime,
) -> dict:
    """Every day in [start_date, end_date] gets the windows of its weekday (0 = Monday); weekdays
    missing from the pattern get none."""
    if end_date < start_date:
        raise Invalid("end_date must not be before start_date.", field="end_date")
    if (end_date - start_date).days + 1 > MAX_RANGE_DAYS:
        raise Invalid(f"Apply a pattern to at most {MAX_RANGE_DAYS} days at a time.", field="end_date")
    if start_date < _now_local(now).date():
        raise Invalid(
            f"{start_date.isoformat()} is in the past; past availability cannot be changed.", field="start_date"
        )
    bad = [k for k in pattern if not 0 <= k <= 6]
    if bad:
        raise Invalid("Weekdays go from 0 (Monday) to 6 (Sunday).", field="pattern")
    errors = [
        e
        for k, ws in sorted(pattern.items())
        for e in validate_day(start_date + timedelta(days=(k - start_date.weekday()) % 7), sorted(set(ws)))
    ]
    if errors:
        raise Invalid(
            "Some availability windows are not valid: " + " ".join(errors), code="invalid_windows", errors=errors
        )
    profile = profile_for_user(db, user_id=user_id, lock=True)
    days = {}
    d = start_date
    while d <= end_date:
        days[d] = pattern.get(d.weekday(), [])
        d += timedelta(days=1)
    result = _write_days(db, profile_id=profile.id, days=days, now=now, strict=False)
    db.commit()
    return result


# ---- blackouts ---------------------------------------------------------------------------------


def list_blackouts(db: Session, *, user_id: uuid.UUID, now: datetime) -> list[dict]:
    profile = profile_for_user(db, user_id=user_id)
    rows = db.execute(
        select(BlackoutDate)
        .where(BlackoutDate.instructor_id == profile.id, BlackoutDate.blackout_date >= _now_local(now).date())
        .order_by(BlackoutDate.blackout_date)
    ).scalars()
    return [{"date": b.blackout_date.isoformat(), "reason": b.reason} for b in rows]


def add_blackout(db: Session, *, user_id: uuid.UUID, day: date, reason: str, now: datetime) -> dict:
    if day < _now_local(now).date():
        raise Invalid(f"{day.isoformat()} is in the past.", field="date")
    if len(reason) > 200:
        raise Invalid("The reason is at most 200 characters.", field="reason")
    profile = profile_for_user(db, user_id=user_id, lock=True)
    db.add(BlackoutDate(id=uuid.uuid4(), instructor_id=profile.id, blackout_date=day, reason=reason.strip()))
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        if "uq_blackout_dates_day" in str(exc.orig):
            raise Conflict(f"{day.isoformat()} is already a blackout date.", code="blackout_exists") from None
        raise
    db.commit()
    return {"date": day.isoformat(), "reason": reason.strip()}


def remove_blackout(db: Session, *, user_id: uuid.UUID, day: date, now: datetime) -> None:
    if day < _now_local(now).date():
        raise Invalid(f"{day.isoformat()} is in the past; past blackouts cannot be changed.", field="date")
    profile = profile_for_user(db, user_id=user_id, lock=True)
    gone = affected(
        db.execute(
            delete(BlackoutDate).where(BlackoutDate.instructor_id == profile.id, BlackoutDate.blackout_date == day)
        )
    )
    if not gone:
        db.rollback()
        raise NotFound(f"{day.isoformat()} is not a blackout date.", code="blackout_not_found")
    db.commit()
