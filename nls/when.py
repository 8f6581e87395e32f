"""Dates, recurring weekdays and the time-of-day window.

Everything is computed against ``today`` (a ``date`` in the query's time
zone); weeks start on Monday. See docs/parse-readings.md for the readings.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from .tokens import NUM_WORD_RE, Doc, to_number

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
# abbreviations that are also ordinary words / services need a date context
_CONTEXT_ONLY = {"mon", "sat", "sun", "wed"}
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
PERIODS = {
    "morning": ("06:00", "12:00"), "afternoon": ("12:00", "17:00"),
    "evening": ("17:00", "21:00"), "night": ("17:00", "21:00"),
}

_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|weds?|thur?s?|fri|sat|sun)"
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"

# ------------------------------------------------------------------ patterns
_REL_DAY = re.compile(
    r"\b(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr)\b"
    r"|\b(?P<tonight>tonight|tonite|this\s+(?:evening|night))\b"
    r"|\bthis\s+(?P<thisp>morning|afternoon)\b"
    r"|\b(?P<today>today|tdy)\b"
    r"|\b(?P<tom>tomorrow|tmrw|tmr|tmrow|tomorow|tommorow|tommorrow|tomorrows)\b"
    rf"|\bin\s+(?P<n>\d+|{NUM_WORD_RE}|a\s+couple(?:\s+of)?|a\s+few)\s+days\b"
)
_WEEKEND = re.compile(
    r"\b(?P<rec>(?:on|every|each|most|during)\s+(?:the\s+)?weekends?|weekends)\b"
    r"|\b(?P<which>this|next|the|coming|this\s+coming|upcoming)?\s*weekend\b"
)
_WEEK = re.compile(
    r"\b(?P<rec>(?:on|during)\s+(?:the\s+)?weekdays?|weekdays|during\s+the\s+week|every\s+weekday|each\s+weekday)\b"
    r"|\b(?P<wkday>weekday)\b"
    r"|\b(?P<which>next|this|later\s+this|coming|this\s+coming|rest\s+of\s+(?:the|this))\s+week\b"
)
_WD_CHAIN = re.compile(
    rf"\b(?P<pre>(?:every|each|on|this|next|this\s+coming|coming|upcoming)\s+)?"
    rf"(?P<chain>{_WD}s?(?:\s*(?:,|/|&|and|or|\+)\s*(?:(?:every|on|this|next)\s+)?{_WD}s?)*)\b"
)
_WD_ITEM = re.compile(rf"\b(?P<mod>every|on|this|next)?\s*(?P<d>{_WD})(?P<pl>s)?\b")
_MONTH_DAY = re.compile(
    rf"\b(?:on\s+)?(?P<m>{_MON})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\b(?:\s*,?\s*(?P<y>20\d\d)\b)?"
    rf"|\b(?:on\s+)?(?:the\s+)?(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m2>{_MON})\b(?:\s*,?\s*(?P<y2>20\d\d)\b)?"
)
_NUM_DATE = re.compile(r"(?<![\d$./])\b(?:on\s+)?(?P<m>\d{1,2})\s*/\s*(?P<d>\d{1,2})(?:\s*/\s*(?P<y>\d{4}|\d{2}))?\b(?![\d/]|\s*(?:stars?|hrs?|hours?|h\b))")

# times
_MER = r"(?:\s*(?P<{0}>a\.?\s*m\.?|p\.?\s*m\.?|am|pm|oclock|o\s+clock)(?![a-z]))?"
_T = r"(?P<{0}h>\d{{1,2}})(?::(?P<{0}m>\d{{2}}))?" + r"{1}"


def _atom(name: str) -> str:
    return _T.format(name, _MER.format(name + "p"))


_TIME_RANGE = re.compile(
    rf"\b(?P<pre>between|from)?\s*{_atom('a')}\s*(?:-|to|and|until|till|til|through)\s*{_atom('b')}\b"
    r"(?!\s*(?:dollars|bucks|usd|\$|/|per|an?\s+hour|hourly|stars?|years?|yrs?|yo\b|minutes?|mins?|hours?))"
)
_TIME_PREFIXED = re.compile(
    rf"(?<!\$)\b(?P<pre>after|before|around|at|by|until|till|til|from|starting\s+at|starting|no\s+later\s+than|no\s+earlier\s+than|earlier\s+than|later\s+than|anytime\s+after|anytime\s+before|any\s+time\s+after|any\s+time\s+before|approximately|approx|about|ish)\s+{_atom('a')}(?:\s*ish)?\b"
    r"(?!\s*(?:dollars|bucks|usd|\$|/|per|an?\s+hour|hourly|stars?|years?|yrs?|yo\b|minutes?|mins?|hours?|hrs?|days?|weeks?|people|students|kids|%))"
)
_TIME_BARE = re.compile(rf"(?<![\$\d.:/])\b{_atom('a')}(?:\s*ish)?\b")
_NOON = re.compile(r"\b(?P<pre>at|around|after|before|by)?\s*(?:noon|midday|12\s*noon)\b")
_PERIOD = re.compile(
    r"\b(?P<q>early|late)?\s*(?P<p>morning|afternoon|evening|night)s?\b"
    r"|\b(?P<school>after\s*-?\s*school)\b|\b(?P<work>after\s*-?\s*work)\b"
    r"|\b(?P<lunch>lunch\s*time|lunchtime|lunch\s+break|over\s+lunch|during\s+lunch|lunch)\b"
    r"|\b(?P<before_work>before\s+work)\b"
)
_OVERNIGHT = re.compile(r"\b(?:overnight|midnight|late\s+night)\b")


def _hm(h: int, m: int) -> str:
    return f"{h:02d}:{m:02d}"


# A window stays inside one day: "at 11pm" ends at 23:59, "around midnight" starts at 00:00,
# rather than wrapping into a window that no slot can lie in.
def _hour_later(h: int, m: int) -> str:
    return _hm(h + 1, m) if h < 23 else "23:59"


def _hour_earlier(h: int, m: int) -> str:
    return _hm(h - 1, m) if h > 0 else "00:00"


def _meridiem(p: str | None) -> str | None:
    if not p:
        return None
    p = p.replace(".", "").replace(" ", "")
    if p.startswith("a"):
        return "am"
    if p.startswith("p"):
        return "pm"
    return None  # o'clock


def _to24(h: int, mer: str | None, prefer: str | None = None) -> int | None:
    """Hour (1-12 or 0-23) to 24h. No meridiem: 1-7 pm, 8-11 am, 12 noon,
    unless a period word prefers am/pm."""
    if mer == "am":
        if not 1 <= h <= 12:
            return None
        return 0 if h == 12 else h
    if mer == "pm":
        if not 1 <= h <= 12:
            return None
        return 12 if h == 12 else h + 12
    if 13 <= h <= 23:
        return h
    if not 1 <= h <= 12:
        return None
    if prefer == "am":
        return 0 if h == 12 else h
    if prefer == "pm":
        return h if h == 12 else h + 12
    if 1 <= h <= 7:
        return h + 12
    return h  # 8-12


def _next_weekday(today: date, wd: int) -> date:
    return today + timedelta(days=(wd - today.weekday()) % 7)


def _next_week_day(today: date, wd: int) -> date:
    monday_next = today + timedelta(days=7 - today.weekday())
    return monday_next + timedelta(days=wd)


def _next_occurrence(today: date, month: int, day: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        d = date(today.year, month, day)
        if d < today:
            d = date(today.year + 1, month, day)
        return d
    except ValueError:
        if year is None and month == 2 and day == 29:
            for y in range(today.year, today.year + 8):
                try:
                    d = date(y, 2, 29)
                except ValueError:
                    continue
                if d >= today:
                    return d
        return None


class _When:
    def __init__(self, today: date) -> None:
        self.today = today
        self.dates: set[date] = set()
        self.weekdays: set[int] = set()
        self.period: tuple[str | None, str | None] | None = None
        self.period_pref: str | None = None
        self.explicit: tuple[str | None, str | None] | None = None


_WD_GATE = re.compile(r"mon|tue|wed|thu|fri|sat|sun")
_REL_GATE = re.compile(r"to|night|this|day|tmr|tdy")
_PERIOD_GATE = re.compile(r"morning|noon|evening|night|after|lunch|before")


def extract(doc: Doc, out: dict[str, Any], today: date) -> None:
    w = _When(today)
    s = doc.s
    has_digit = any(ch.isdigit() for ch in s)
    if _REL_GATE.search(s):
        _relative_days(doc, w)
    if "week" in s:
        _weekends_weeks(doc, w)
    if has_digit:
        _calendar_dates(doc, w)
    if _WD_GATE.search(s):
        _weekday_chains(doc, w)
    if _PERIOD_GATE.search(s):
        _periods(doc, w)
    if has_digit or "noon" in s or "midday" in s or "midnight" in s or "overnight" in s or "late" in s:
        _times(doc, w)

    if w.dates:
        out["dates"] = [d.isoformat() for d in sorted(w.dates)]
    if w.weekdays and not w.dates:
        out["weekdays"] = sorted(w.weekdays)
    window = w.explicit or w.period
    if window:
        out["start_time"], out["end_time"] = window


def _relative_days(doc: Doc, w: _When) -> None:
    today = w.today
    for m in doc.finditer(_REL_DAY):
        doc.claim(*m.span())
        if m.group("tonight"):
            w.dates.add(today)
            if w.period is None:
                w.period = PERIODS["evening"]
                w.period_pref = "pm"
        elif m.group("thisp"):
            w.dates.add(today)
            if w.period is None:
                w.period = PERIODS[m.group("thisp")]
                w.period_pref = "am" if m.group("thisp") == "morning" else "pm"
        elif m.group("today"):
            w.dates.add(today)
        elif m.group("tom"):
            w.dates.add(today + timedelta(days=1))
        elif m.group("n"):
            raw = m.group("n")
            n = 2 if "couple" in raw else 3 if "few" in raw else to_number(raw)
            if n is not None and 0 <= n <= 366:
                w.dates.add(today + timedelta(days=int(n)))
        else:  # day after tomorrow
            w.dates.add(today + timedelta(days=2))


def _weekends_weeks(doc: Doc, w: _When) -> None:
    today = w.today
    for m in doc.finditer(_WEEKEND):
        doc.claim(*m.span())
        if m.group("rec"):
            w.weekdays.update((5, 6))
            continue
        which = (m.group("which") or "").strip()
        if which == "next":
            sat = _next_week_day(today, 5)
            w.dates.update((sat, sat + timedelta(days=1)))
        else:
            wd = today.weekday()
            if wd == 6:
                w.dates.add(today)
            else:
                sat = _next_weekday(today, 5)
                w.dates.update((sat, sat + timedelta(days=1)))
    for m in doc.finditer(_WEEK):
        doc.claim(*m.span())
        if m.group("rec") or m.group("wkday"):
            w.weekdays.update(range(5))
            continue
        which = m.group("which")
        if which == "next":
            mon = today + timedelta(days=7 - today.weekday())
            w.dates.update(mon + timedelta(days=i) for i in range(7))
        else:
            sunday = today + timedelta(days=6 - today.weekday())
            d = today
            while d <= sunday:
                w.dates.add(d)
                d += timedelta(days=1)


def _calendar_dates(doc: Doc, w: _When) -> None:
    for m in doc.finditer(_MONTH_DAY):
        month = MONTHS[m.group("m") or m.group("m2")]
        day = int(m.group("d") or m.group("d2"))
        y = m.group("y") or m.group("y2")
        d = _next_occurrence(w.today, month, day, int(y) if y else None)
        if d is None:
            continue
        # "may 5" needs the number; "sat 5" etc. are not months
        doc.claim(*m.span())
        w.dates.add(d)
    for m in doc.finditer(_NUM_DATE):
        month, day = int(m.group("m")), int(m.group("d"))
        y = m.group("y")
        year = None
        if y:
            year = int(y) if len(y) == 4 else 2000 + int(y)
        d = _next_occurrence(w.today, month, day, year)
        if d is None:
            continue
        doc.claim(*m.span())
        w.dates.add(d)


def _has_date_context(doc: Doc, m: re.Match[str], item_end: int) -> bool:
    """An ambiguous abbreviation (sat, sun, mon, wed) is a weekday only with a
    modifier before it or a time word after it."""
    nxt = doc.next_word(item_end)
    if nxt is not None and nxt.isdigit():
        return int(nxt) <= 12
    return nxt in {"morning", "mornings", "afternoon", "afternoons", "evening", "evenings",
                   "night", "nights", "at", "before", "after", "around", "between",
                   "noon", "am", "pm", "tonight"}


def _weekday_chains(doc: Doc, w: _When) -> None:
    today = w.today
    for m in doc.finditer(_WD_CHAIN):
        pre = (m.group("pre") or "").strip()
        items = list(_WD_ITEM.finditer(m.group("chain")))
        if not items:
            continue
        base = m.start("chain")
        parsed = []
        for it in items:
            name = it.group("d")
            plural = bool(it.group("pl"))
            mod = it.group("mod") or (pre if it is items[0] else "")
            if name in _CONTEXT_ONLY and not plural and not mod and len(items) == 1:
                if not _has_date_context(doc, m, base + it.end()):
                    continue
            if name in ("sat", "sun", "mon") and plural:
                # "sats" is the SAT, "suns"/"mons" are not weekdays
                continue
            parsed.append((WEEKDAYS[name], plural, mod))
        if not parsed:
            continue
        doc.claim(*m.span())
        recurring = any(p or mod in ("every", "each") for _, p, mod in parsed) or pre in ("every", "each")
        for wd, _plural, mod in parsed:
            if recurring:
                w.weekdays.add(wd)
            elif mod == "next" or (pre == "next" and mod in ("", "next")):
                w.dates.add(_next_week_day(today, wd))
            else:
                w.dates.add(_next_weekday(today, wd))


def _periods(doc: Doc, w: _When) -> None:
    for m in doc.finditer(_PERIOD):
        doc.claim(*m.span())
        if w.period is not None:
            continue
        if m.group("p"):
            p = m.group("p")
            q = m.group("q")
            if q == "early" and p == "morning":
                w.period = ("06:00", "09:00")
            elif q == "late" and p == "morning":
                w.period = None  # "late morning" is not read
            else:
                w.period = PERIODS[p]
            w.period_pref = "am" if p == "morning" else "pm"
        elif m.group("school"):
            w.period = ("15:00", None)
            w.period_pref = "pm"
        elif m.group("work"):
            w.period = ("18:00", None)
            w.period_pref = "pm"
        elif m.group("lunch"):
            w.period = ("12:00", "13:00")
        # "before work" is consumed but not read


def _times(doc: Doc, w: _When) -> None:
    pref = w.period_pref

    def setx(window: tuple[str | None, str | None]) -> None:
        if w.explicit is None:
            w.explicit = window

    for m in doc.finditer(_NOON):
        doc.claim(*m.span())
        pre = m.group("pre")
        if pre == "after":
            setx(("12:00", None))
        elif pre in ("before", "by"):
            setx((None, "12:00"))
        else:
            setx(("12:00", "13:00"))

    for m in doc.finditer(_TIME_RANGE):
        ah, bh = int(m.group("ah")), int(m.group("bh"))
        am_, bm_ = int(m.group("am") or 0), int(m.group("bm") or 0)
        ap, bp = _meridiem(m.group("ap")), _meridiem(m.group("bp"))
        has_mer = bool(ap or bp or m.group("am") or m.group("bm"))
        dated = bool(w.dates or w.weekdays or w.period)
        if not has_mer and not m.group("pre") and not (dated and "-" in m.group()):
            continue  # "9-11" alone could be ages or prices; "saturday 9-11" is a time
        if not has_mer and (ah > 12 or bh > 12):
            continue
        if am_ > 59 or bm_ > 59:
            continue
        b24 = _to24(bh, bp, pref)
        if b24 is None:
            continue
        if ap is None and bp is not None and 1 <= ah <= 12:
            # "4-6pm": start shares the end's meridiem when that keeps it before the end
            a24 = _to24(ah, bp)
            if a24 is not None and a24 > b24:
                a24 = _to24(ah, "am" if bp == "pm" else "pm")
        else:
            a24 = _to24(ah, ap, pref)
            if a24 is not None and ap is None and bp is None and a24 > b24 and b24 + 12 <= 23 and bh <= 12:
                b24 += 12
        if a24 is None:
            continue
        doc.claim(*m.span())
        setx((_hm(a24, am_), _hm(b24, bm_)))

    for m in doc.finditer(_TIME_PREFIXED):
        h = int(m.group("ah"))
        mins = int(m.group("am") or 0)
        mer = _meridiem(m.group("ap"))
        pre = re.sub(r"\s+", " ", m.group("pre"))
        if mins > 59:
            continue
        if mer is None and not m.group("am") and h > 12:
            continue
        h24 = _to24(h, mer, pref)
        if h24 is None:
            continue
        doc.claim(*m.span())
        t = _hm(h24, mins)
        if pre in ("after", "starting", "starting at", "from", "no earlier than", "later than",
                   "anytime after", "any time after"):
            setx((t, None))
        elif pre in ("before", "by", "until", "till", "til", "no later than", "earlier than",
                     "anytime before", "any time before"):
            setx((None, t))
        elif pre in ("around", "approximately", "approx", "about", "ish"):
            setx((_hour_earlier(h24, mins), _hour_later(h24, mins)))
        else:
            setx((t, _hour_later(h24, mins)))

    for m in doc.finditer(_TIME_BARE):
        mer = _meridiem(m.group("ap"))
        if mer is None and not m.group("am") and not (m.group("ap") or "").startswith("o"):
            continue  # a bare number is not a time
        h = int(m.group("ah"))
        mins = int(m.group("am") or 0)
        if mins > 59:
            continue
        h24 = _to24(h, mer, pref)
        if h24 is None:
            continue
        doc.claim(*m.span())
        ish = m.group().rstrip().endswith("ish")
        if ish:
            setx((_hour_earlier(h24, mins), _hour_later(h24, mins)))
        else:
            setx((_hm(h24, mins), _hour_later(h24, mins)))

    for m in doc.finditer(_OVERNIGHT):
        doc.claim(*m.span())
