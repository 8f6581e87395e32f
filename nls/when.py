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
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "weds": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
# abbreviations that are also ordinary words or services need a day context ("sat prep" is
# the SAT, "sun salutation" is yoga); mon, tue, wed, thu, fri are days wherever they stand
_CONTEXT_ONLY = {"sat", "sun"}
_PLURAL_PERIODS = {"mornings", "afternoons", "evenings", "nights"}
# words that make a "sat" the test even next to a time word
_TEST_WORDS = {
    "prep",
    "test",
    "tests",
    "tutor",
    "tutors",
    "tutoring",
    "exam",
    "score",
    "scores",
    "math",
    "verbal",
    "reading",
    "writing",
    "practice",
    "class",
    "classes",
    "course",
    "lessons",
    "lesson",
}
_TIME_WORDS = {
    "morning",
    "mornings",
    "afternoon",
    "afternoons",
    "evening",
    "evenings",
    "night",
    "nights",
    "am",
    "pm",
    "tonight",
    "noon",
    "morn",
    "aft",
    "arvo",
}
MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
PERIODS = {
    "morning": ("06:00", "12:00"),
    "afternoon": ("12:00", "17:00"),
    "evening": ("17:00", "21:00"),
    # "friday night", "date night": going out, later than an evening lesson ("tonight" and
    # "weeknights" read as evenings)
    "night": ("18:00", "22:00"),
}
SCHOOL_DAYS = frozenset(range(5))

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
)
# "in 10 days", "10 days from now", "in 3 weeks", "in a week", "two weeks from today"
_CNT = rf"\d+|{NUM_WORD_RE}|an?|a\s+couple(?:\s+of)?|a\s+few"
_REL_N = re.compile(
    rf"\bin\s+(?P<n>{_CNT})\s+(?P<u>days?|weeks?)(?:\s+(?:from\s+(?:now|today)|time))?\b"
    rf"|\b(?P<n2>{_CNT})\s+(?P<u2>days?|weeks?)\s+from\s+(?:now|today)\b"
)
_MONTH_REL = re.compile(r"\b(?P<which>this|next|coming|this\s+coming)\s+month\b")
_AFTER_NEXT = re.compile(rf"\b(?:the\s+)?(?P<unit>week|weekend|(?P<d>{_WD})\.?)\s+after\s+next\b")
_WEEKEND = re.compile(
    r"\b(?P<rec>(?:on|every|each|most|during)\s+(?:the\s+)?weekends?|weekends)\b"
    r"|\b(?P<which>this|next|the|coming|this\s+coming|upcoming)?\s*weekend\b"
)
_WEEK = re.compile(
    r"\b(?P<nights>weeknights?|week\s+nights|weekday\s+nights)\b"
    r"|\b(?P<rec>(?:on|during)\s+(?:the\s+)?weekdays?|weekdays|during\s+the\s+week|every\s+weekday|each\s+weekday)\b"
    r"|\b(?P<wkday>weekday)\b"
    r"|\b(?P<which>next|this|later\s+this|coming|this\s+coming|rest\s+of\s+(?:the|this))\s+week\b"
)
_WD_CHAIN = re.compile(
    rf"\b(?P<pre>(?:every|each|on|this|next|this\s+coming|coming|upcoming)\s+)?"
    rf"(?P<chain>{_WD}s?\.?(?:\s*(?:,|/|&|-|and|or|\+|to|through|thru|till|until)\s*(?:(?:every|on|this|next)\s+)?{_WD}s?\.?)*)(?![a-z])"
)
_WD_ITEM = re.compile(rf"\b(?P<mod>every|on|this|next)?\s*(?P<d>{_WD})(?P<pl>s)?(?![a-z])")
_WD_RANGE_SEP = re.compile(r"^\s*(?:-|to|through|thru|till|until)\s*$")
# an explicit date may carry its weekday: "tuesday the 22nd", "sat 12/5", "fri, dec 5"
_WDP = rf"(?:{_WD}\.?\s*,?\s+(?:the\s+)?)?"
_DAYW = r"(?P<dw>first|second|third)"
_MONTH_DAY = re.compile(
    rf"\b{_WDP}(?:on\s+)?(?P<m>{_MON})\.?\s+(?:the\s+)?(?:(?P<d>\d{{1,2}}){_ORD}|{_DAYW})\b(?:\s*,?\s*(?P<y>20\d\d)\b)?"
    rf"|\b{_WDP}(?:on\s+)?(?:the\s+)?(?:(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?|(?P<dw2>first|second|third)\s+of\s+)(?P<m2>{_MON})\b(?:\s*,?\s*(?P<y2>20\d\d)\b)?"
)
_MONTH_RANGE = re.compile(
    rf"\b{_WDP}(?:on\s+|from\s+|between\s+)?(?P<m>{_MON})\.?\s+(?:the\s+)?(?P<a>\d{{1,2}}){_ORD}"
    rf"\s*(?:-|to|through|thru|until|till)\s*(?:(?P<m2>{_MON})\.?\s+)?(?:the\s+)?(?P<b>\d{{1,2}}){_ORD}\b"
    r"(?!\s*(?:[ap]\.?m\b|:|/|\$|dollars|bucks|o\s*clock))"
)
_NUM_DATE = re.compile(
    rf"(?<![\d$./])\b{_WDP}(?:on\s+)?(?P<m>\d{{1,2}})\s*/\s*(?P<d>\d{{1,2}})(?:\s*/\s*(?P<y>\d{{4}}|\d{{2}}))?\b(?![\d/]|\s*(?:stars?|hrs?|hours?|h\b))"
)
# words that may follow "the 20th" when it is a day: anything else makes it an ordinal of a noun
_AFTER_DAY = frozenset(
    {
        "at",
        "around",
        "after",
        "before",
        "by",
        "from",
        "in",
        "on",
        "or",
        "and",
        "to",
        "through",
        "thru",
        "till",
        "until",
        "for",
        "with",
        "please",
        "this",
        "next",
        "morning",
        "mornings",
        "afternoon",
        "evening",
        "night",
        "tonight",
        "am",
        "pm",
        "if",
        "is",
        "works",
        "would",
        "could",
        "anytime",
        "any",
        "between",
        "ideally",
        "preferably",
        "only",
        "too",
        "also",
        "either",
        "maybe",
        "asap",
        "noon",
        "near",
        "online",
        "under",
        "max",
        "budget",
        "i",
        "we",
        "my",
        "our",
    }
)
# "the 20th", "on the 3rd", "tuesday the 22nd": a day of the month. An ordinal before a noun
# is not a date ("the 2nd time", "the 20th century"); "3rd grade" is read as an age first.
_DAY_OF_MONTH = re.compile(
    rf"(?:\b{_WD}\.?\s*,?\s+(?:the\s+)?|\b(?:on\s+)?the\s+)(?P<d>\d{{1,2}})(?:st|nd|rd|th)\b"
    r"(?!\s*(?:-|of\b|grade|graders?|floor|time|times|lesson|lessons|class|classes|session|sessions"
    r"|week|month|year|level|century|avenue|ave|street|st|place|try|attempt|one|kid|child|son|daughter"
    r"|book|edition|position|instrument|language|period|round|row|day|birthday|anniversary|percentile))"
)
# Atomic groups ((?>...), Python 3.11+) keep "valentines day dance" from backtracking to a bare
# "valentines" that the theme check below would let through.
_HOLIDAY = re.compile(
    r"\b(?>(?P<xeve>(?:christmas|xmas)\s+eve)|(?P<xmas>(?:christmas|xmas)(?:\s+day)?+)"
    r"|(?P<nye>new\s+years?\s+eve|nye)|(?P<nyd>new\s+years(?:\s+day)?+|new\s+year\s+day)"
    r"|(?P<tg>thanksgiving(?:\s+day)?+)"
    r"|(?P<j4>(?:the\s+)?(?:fourth|4th|4)\s+of\s+july|july\s+(?:4th|4|fourth)|independence\s+day)"
    r"|(?P<mem>memorial\s+day)|(?P<labor>labou?r\s+day)|(?P<hw>halloween)"
    r"|(?P<val>valentines?(?:\s+day)?+)"
    r"|(?P<mlk>(?:mlk|martin\s+luther\s+king)(?:\s+jr)?\s+day)|(?P<pres>presidents?\s+day))\b"
    # "christmas songs", "halloween costume", "new years resolution" are a theme, not a date
    r"(?!\s+(?:songs?|carols?|music|cookies?|cakes?|baking|decorations?|decorating|trees?|gifts?"
    r"|presents?|themed?|party|parties|special|break|vacation|holidays?|costumes?|makeup|cards?"
    r"|crafts?|movies?|dance|recital|concert|show|market|lights|pageant|play|resolutions?))"
    r"(?P<weekend>\s+(?:long\s+)?weekend\b)?"
)
# "<holiday> weekend": the holiday and the weekend it joins (days from the holiday, by its weekday:
# Monday -> Sat..Mon, Tuesday -> Sat..Tue, Wednesday/Thursday/Friday -> it..Sun)
_HOLIDAY_WEEKEND = {0: (-2, 0), 1: (-3, 0), 2: (0, 4), 3: (0, 3), 4: (0, 2), 5: (0, 1), 6: (-1, 0)}
# month, day for fixed holidays; month, weekday, nth (-1 = last) for the floating ones
_FIXED = {
    "xeve": (12, 24),
    "xmas": (12, 25),
    "nye": (12, 31),
    "nyd": (1, 1),
    "j4": (7, 4),
    "hw": (10, 31),
    "val": (2, 14),
}
_FLOATING = {"tg": (11, 3, 4), "mlk": (1, 0, 3), "pres": (2, 0, 3), "labor": (9, 0, 1), "mem": (5, 0, -1)}

# times
_MER = r"(?:\s*(?P<{0}>a\.?\s*m\.?|p\.?\s*m\.?|am|pm|oclock|o\s+clock)(?![a-z]))?"
# The hour may be a word: text2num leaves an isolated "one", "two" (and sometimes "three") as words.
_T = (
    r"(?P<{0}h>\d{{1,2}}|one|two|three)(?::(?P<{0}m>\d{{2}})|[.\s](?P<{0}n>[0-5]\d)(?=\s*[ap]\.?\s*m(?![a-z])))?"
    + r"{1}"
)


def _atom(name: str) -> str:
    return _T.format(name, _MER.format(name + "p"))


_TIME_RANGE = re.compile(
    rf"\b(?P<pre>between|from)?\s*{_atom('a')}\s*(?:-|to|and|until|till|til|through)\s*{_atom('b')}\b"
    r"(?!\s*(?:dollars|bucks|usd|\$|/|per|an?\s+hour|hourly|stars?|years?|yrs?|yo\b|minutes?|mins?|hours?"
    r"|lessons?|classes|sessions?|times|days|weeks|kids|students|people))"
)
# "6 or 7am", "around 1 or 2pm", "at 10 or 11 in the morning": either hour suits, so the window runs
# from the first to an hour after the last (as "at" does for one hour).
_TIME_EITHER = re.compile(
    rf"(?<![\$\d.:/])\b(?:(?P<pre>around|at|like|about|maybe|say)\s+)?{_atom('a')}\s+or\s+{_atom('b')}\b"
    r"(?!\s*(?:dollars|bucks|usd|\$|/|per|an?\s+hour|hourly|stars?|years?|yrs?|yo\b|minutes?|mins?|hours?"
    r"|lessons?|classes|sessions?|times|days|weeks|kids|students|people|of\b))"
)
_TIME_PREFIXED = re.compile(
    rf"(?<!\$)\b(?P<pre>after|before|around|at|by|until|till|til|from|starting\s+at|starting|no\s+later\s+than|no\s+earlier\s+than|earlier\s+than|later\s+than|anytime\s+after|anytime\s+before|any\s+time\s+after|any\s+time\s+before|approximately|approx|about|ish)\s+{_atom('a')}(?:\s*ish)?\b"
    r"(?!\s*(?:dollars|bucks|usd|\$|/|per|an?\s+hour|hourly|stars?|years?|yrs?|yo\b|minutes?|mins?|hours?|hrs?|days?|weeks?|people|students|kids|%))"
)
_TIME_BARE = re.compile(rf"(?<![\$\d.:/])\b{_atom('a')}(?:\s*ish)?\b")
_TIME_SUFFIXED = re.compile(
    rf"(?<![\$\d.:/])\b{_atom('a')}\s*(?P<suf>or\s+(?:earlier|before|sooner)|at\s+the\s+latest|latest"
    r"|or\s+(?:later|after)|and\s+(?:later|after)|onwards?|or\s+so)\b"
)
# "half past four", "quarter past 3", "quarter to one" (text2num has made most hours digits)
_CLOCK_WORDS = re.compile(
    r"\b(?:(?P<pre>after|before|around|at|by|until|till|from|about)\s+)?(?:a\s+)?(?P<q>half|quarter)\s+"
    r"(?P<rel>past|after|to|till|til|of|before)\s+(?P<h>\d{1,2}|one|two|three)"
    r"(?:\s*(?P<p>a\.?\s*m\.?|p\.?\s*m\.?|am|pm|oclock|o\s+clock)(?![a-z]))?\b"
)
# "7 tonight", "10 tomorrow morning", "at 9 in the morning": an hour right before a day or
# period word reads like "at"
_TIME_BEFORE_DAY = re.compile(
    r"(?<![\$\d.:/])\b(?P<ah>\d{1,2})(?::(?P<am>\d{2}))?\s+(?=(?:tonight|tomorrow|today|this\s+"
    r"(?:morning|afternoon|evening)|in\s+the\s+(?:morning|afternoon|evening)|at\s+night)\b)"
)
_NOON = re.compile(r"\b(?P<pre>at|around|after|before|by)?\s*(?:noon|midday|12\s*noon)\b")
# Texting shorthand for the periods: "sat morn", "sun aft", "thurs arvo".
_PERIOD_SHORT = {"morn": "morning", "aft": "afternoon", "arvo": "afternoon"}
_PERIOD = re.compile(
    r"\b(?P<q>early|late)?\s*(?P<p>morning|afternoon|evening|night|morn|aft|arvo)s?\b"
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


def coming(today: date, weekday_name: str) -> date:
    """The next day (today included) of this weekday ("sat", "sunday")."""
    return _next_weekday(today, WEEKDAYS[weekday_name])


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


def _nth_weekday(year: int, month: int, wd: int, nth: int) -> date:
    """The nth (1-based; -1 = last) weekday `wd` of a month."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - wd) % 7)


def _holiday(today: date, key: str) -> date:
    """The next occurrence of a holiday on or after today."""
    for year in (today.year, today.year + 1):
        if key in _FIXED:
            d = date(year, *_FIXED[key])
        else:
            month, wd, nth = _FLOATING[key]
            d = _nth_weekday(year, month, wd, nth)
        if d >= today:
            return d
    return d


def _day_of_month(today: date, day: int) -> date | None:
    """The next date on or after today whose day of the month is `day` ("the 31st"
    skips months without one)."""
    y, m = today.year, today.month
    for _ in range(13):
        try:
            d = date(y, m, day)
        except ValueError:
            d = None
        if d is not None and d >= today:
            return d
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return None


class _When:
    def __init__(self, today: date) -> None:
        self.today = today
        self.dates: set[date] = set()
        self.weekdays: set[int] = set()
        self.period: tuple[str | None, str | None] | None = None
        self.period_pref: str | None = None
        self.explicit: tuple[str | None, str | None] | None = None
        # "next week" / "the week after next" / "this week" named as a whole: its dates, unless a
        # single weekday names one day of it ("friday next week", "monday of next week")
        self.week_scope: str | None = None
        self.week_dates: list[date] = []
        # singular weekdays that name one date: (weekday, modifier), resolved once the week is known
        self.single_days: list[tuple[int, str]] = []
        self.school_days = False  # "after school": Monday to Friday, unless a day is named

    def set_period(self, window: tuple[str | None, str | None], pref: str | None) -> None:
        if self.period is None:
            self.period = window
            self.period_pref = pref


_WD_GATE = re.compile(r"mon|tue|wed|thu|fri|sat|sun")
_REL_GATE = re.compile(r"to|night|this|day|tmr|tdy|week|month|from")
_PERIOD_GATE = re.compile(r"morn|noon|evening|night|aft|arvo|lunch|before")
# cheap substring tests that skip a pattern's full scan when it cannot match (long inputs)
_MONTH_GATE = re.compile(rf"\b(?:{_MON})\b")
_ORDINAL_GATE = re.compile(r"\d(?:st|nd|rd|th)\b")
_SUFFIX_GATE = re.compile(r"earlier|before|sooner|latest|later|after|onward|or so")
_BEFORE_DAY_GATE = re.compile(r"\d\s+(?:tonight|tomorrow|today|this|in\s+the|at\s+night)")
_WORD_HOUR_GATE = re.compile(r"\b(?:one|two|three)\b")  # "half past two", "at one"
_WORD_DAY_GATE = re.compile(r"\b(?:first|second|third)\b")  # "the first of december"
_HOLIDAY_GATE = re.compile(
    r"christmas|xmas|new\s+year|nye|thanksgiving|july|independence|memorial"
    r"|labou?r|halloween|valentine|mlk|martin|president"
)


# An event the lessons prepare for: a date right after one of these words ("a test friday", "a
# callback for a commercial on friday", "our wedding first dance in 3 weeks") is when the event
# happens, so the lessons fall before it. Occasions a lesson can itself be (a party, a date night,
# a bachelorette) are not in the list: "paint and sip for my bachelorette saturday" is on saturday.
_EVENT = re.compile(
    r"\b(?:test|tests|exam|exams|quiz|midterms?|finals|regents|audition|auditions|callback|interview|"
    r"recital|competition|tryouts?|try-outs?|wedding|trip|flight|vacation|presentation|speech|toast|"
    r"concert|performance|race|marathon|tournament)\b"
)
_LESSON = re.compile(r"lessons?|class(?:es)?|sessions?|prep|practice|tutor(?:ing)?|coach(?:ing)?|course")
_OWNER = frozenset("my our his her their your has have had got gotten im".split())
DEADLINE_WORDS = 6  # at most this many words between the event and its date
DEADLINE_DAYS = 28  # an event further away than this sets no dates (any lesson before it will do)


def extract(doc: Doc, out: dict[str, Any], today: date) -> None:
    before = list(doc.claimed)
    _extract(doc, out, today)
    if out.get("dates"):
        _deadline(doc, out, today, before)


def _deadline(doc: Doc, out: dict[str, Any], today: date, before: list[bool]) -> None:
    """Dates that say when an event happens become the days before it: from today to the day
    before the event, or no dates when the event is more than DEADLINE_DAYS away."""
    ours = [i for i, (was, now) in enumerate(zip(before, doc.claimed, strict=True)) if now and not was]
    if not ours:
        return
    words = 0
    for k in range(ours[0] - 1, -1, -1):
        t = doc.tokens[k]
        if not t.is_word:
            if t.text in ".!?;":
                return
            continue
        if _EVENT.fullmatch(t.text):
            break
        if _LESSON.fullmatch(t.text):
            return  # "wedding dance lessons this saturday": the date is the lesson's
        words += 1
        if words > DEADLINE_WORDS:
            return
    else:
        return
    # Only someone's own event is a deadline: "my son has a test friday", "our wedding", "got a callback";
    # "bollywood dance for a wedding this weekend" may as well be danced that weekend: its dates stay.
    # A telegraphic "exam tomorrow" (the event opens its clause) is the speaker's own as well.
    before_event = doc.tokens[max(0, k - 3) : k]
    opens_clause = not before_event or not before_event[-1].is_word
    if not opens_clause and not _OWNER.intersection(x.text for x in before_event if x.is_word):
        return
    event = date.fromisoformat(min(out["dates"]))
    days = (event - today).days
    if days <= 0:
        return  # "my exam today": the lesson is today, or there is no time left to prepare
    out["dates"] = [(today + timedelta(days=i)).isoformat() for i in range(days)] if days <= DEADLINE_DAYS else None


def _extract(doc: Doc, out: dict[str, Any], today: date) -> None:
    w = _When(today)
    s = doc.s
    has_digit = any(ch.isdigit() for ch in s)
    if _HOLIDAY_GATE.search(s):
        _holidays(doc, w)
    if _REL_GATE.search(s):
        _relative_days(doc, w)
    if has_digit or _WORD_DAY_GATE.search(s):
        _calendar_dates(doc, w)
    if "after next" in s:
        _after_next(doc, w)
    if "week" in s:
        _weekends_weeks(doc, w)
    if "month" in s:
        _months(doc, w)
    if _WD_GATE.search(s):
        _weekday_chains(doc, w)
    if _PERIOD_GATE.search(s):
        _periods(doc, w)
    if (
        has_digit
        or "noon" in s
        or "midday" in s
        or "midnight" in s
        or "overnight" in s
        or "late" in s
        or _WORD_HOUR_GATE.search(s)
    ):
        _times(doc, w)
    _resolve_days(w)
    if w.school_days:
        _school_days_only(w)

    if w.dates:
        out["dates"] = [d.isoformat() for d in sorted(w.dates)]
    if w.weekdays and not w.dates:
        out["weekdays"] = sorted(w.weekdays)
    window = w.explicit or w.period
    if window:
        out["start_time"], out["end_time"] = window


def _school_days_only(w: _When) -> None:
    """ "after school next week" is Monday to Friday of it; "after school" alone, any school day. A
    named weekend day stays (someone who wrote it meant it)."""
    if w.dates:
        weekdays = {d for d in w.dates if d.weekday() in SCHOOL_DAYS}
        if weekdays:
            w.dates = weekdays
    elif not w.weekdays:
        w.weekdays = set(SCHOOL_DAYS)


def _resolve_days(w: _When) -> None:
    """Singular weekdays become dates; a named week either gives its weekday ("thursday
    morning next week" -> that Thursday) or, with no weekday, all of its dates."""
    today = w.today
    for wd, mod in w.single_days:
        if mod == "next" or (mod != "this" and w.week_scope == "next"):
            w.dates.add(_next_week_day(today, wd))
        elif w.week_scope == "after_next":
            w.dates.add(_next_week_day(today, wd) + timedelta(days=7))
        else:
            w.dates.add(_next_weekday(today, wd))
    if w.week_scope is not None and not w.single_days:
        w.dates.update(w.week_dates)


def _day_meridiem(doc: Doc, w: _When, end: int) -> None:
    """ "sat am" -> the morning, "fri pm" -> afternoon and evening: a bare am/pm right after
    a day word (not after a number, where it belongs to a clock time)."""
    i = doc.token_at_or_after(end)
    if i is not None:
        t = doc.tokens[i]
        if t.text in ("am", "pm") and not doc.claimed[i]:
            doc.claim_tokens(i, i + 1)
            if t.text == "am":
                w.set_period(PERIODS["morning"], "am")
            else:
                w.set_period(("12:00", "21:00"), "pm")


def _holidays(doc: Doc, w: _When) -> None:
    for m in doc.finditer(_HOLIDAY):
        key = next(k for k, v in m.groupdict().items() if v and k != "weekend")
        doc.claim(*m.span())
        d = _holiday(w.today, key)
        if m.group("weekend"):
            lo, hi = _HOLIDAY_WEEKEND[d.weekday()]
            w.dates.update(d + timedelta(days=i) for i in range(lo, hi + 1))
        else:
            w.dates.add(d)


def _relative_days(doc: Doc, w: _When) -> None:
    today = w.today
    for m in doc.finditer(_REL_N) if "day" in doc.s or "week" in doc.s else ():
        raw = m.group("n") or m.group("n2")
        unit = m.group("u") or m.group("u2")
        raw = re.sub(r"\s+", " ", raw)
        if raw in ("a", "an"):
            n: float | None = 1
        elif "couple" in raw:
            n = 2
        elif "few" in raw:
            if unit.startswith("week"):
                continue  # "in a few weeks" is too vague for one date
            n = 3
        else:
            n = to_number(raw)
        if n is None or n != int(n):
            continue
        days = int(n) * (7 if unit.startswith("week") else 1)
        if not 0 <= days <= 366:
            continue
        doc.claim(*m.span())
        w.dates.add(today + timedelta(days=days))
    for m in doc.finditer(_REL_DAY):
        doc.claim(*m.span())
        if m.group("tonight"):
            w.dates.add(today)
            w.set_period(PERIODS["evening"], "pm")
        elif m.group("thisp"):
            w.dates.add(today)
            w.set_period(PERIODS[m.group("thisp")], "am" if m.group("thisp") == "morning" else "pm")
        elif m.group("today"):
            w.dates.add(today)
            _day_meridiem(doc, w, m.end())
        elif m.group("tom"):
            w.dates.add(today + timedelta(days=1))
            _day_meridiem(doc, w, m.end())
        else:  # day after tomorrow
            w.dates.add(today + timedelta(days=2))


def _after_next(doc: Doc, w: _When) -> None:
    """ "the week after next", "thursday after next" (= next thursday + 7 days)."""
    today = w.today
    monday = today + timedelta(days=14 - today.weekday())
    for m in doc.finditer(_AFTER_NEXT):
        doc.claim(*m.span())
        if m.group("d"):
            w.dates.add(_next_week_day(today, WEEKDAYS[m.group("d")]) + timedelta(days=7))
        elif m.group("unit") == "weekend":
            w.dates.update((monday + timedelta(days=5), monday + timedelta(days=6)))
        else:
            w.week_scope = "after_next"
            w.week_dates = [monday + timedelta(days=i) for i in range(7)]


def _followed_by_plural_period(doc: Doc, end: int) -> bool:
    """ "thursday evenings", "weekend mornings": the plural makes the day recurring."""
    return doc.next_word(end) in _PLURAL_PERIODS


def _weekends_weeks(doc: Doc, w: _When) -> None:
    today = w.today
    for m in doc.finditer(_WEEKEND):
        doc.claim(*m.span())
        if m.group("rec") or _followed_by_plural_period(doc, m.end()):
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
        if m.group("nights"):
            w.weekdays.update(range(5))
            w.set_period(PERIODS["evening"], "pm")
            continue
        if m.group("rec") or m.group("wkday"):
            w.weekdays.update(range(5))
            continue
        which = m.group("which")
        if which == "next":
            mon = today + timedelta(days=7 - today.weekday())
            w.week_scope = "next"
            w.week_dates = [mon + timedelta(days=i) for i in range(7)]
        elif w.week_scope is None:
            sunday = today + timedelta(days=6 - today.weekday())
            w.week_scope = "this"
            w.week_dates = [today + timedelta(days=i) for i in range((sunday - today).days + 1)]


def _months(doc: Doc, w: _When) -> None:
    """ "this month" -> today to the month's last day; "next month" -> all of next month."""
    today = w.today
    for m in doc.finditer(_MONTH_REL):
        doc.claim(*m.span())
        if m.group("which") == "this":
            start = today
            first_next = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        else:
            start = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
            first_next = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        w.dates.update(start + timedelta(days=i) for i in range((first_next - start).days))


def _calendar_dates(doc: Doc, w: _When) -> None:
    today = w.today
    s = doc.s
    has_month = _MONTH_GATE.search(s) is not None
    for m in doc.finditer(_MONTH_RANGE) if has_month else ():
        start = _next_occurrence(today, MONTHS[m.group("m")], int(m.group("a")), None)
        if start is None:
            continue
        m2 = MONTHS[m.group("m2")] if m.group("m2") else start.month
        try:
            end = date(start.year, m2, int(m.group("b")))
            if end < start and m.group("m2"):
                end = date(start.year + 1, m2, int(m.group("b")))
        except ValueError:
            continue
        if not 0 < (end - start).days <= 62:
            continue  # "jan 6-4" or a two-month span is no range a student means
        doc.claim(*m.span())
        w.dates.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    for m in doc.finditer(_MONTH_DAY) if has_month else ():
        month = MONTHS[m.group("m") or m.group("m2")]
        word = m.group("dw") or m.group("dw2")
        day = {"first": 1, "second": 2, "third": 3}[word] if word else int(m.group("d") or m.group("d2"))
        y = m.group("y") or m.group("y2")
        d = _next_occurrence(today, month, day, int(y) if y else None)
        if d is None:
            continue
        # "may 5" needs the number; "sat 5" etc. are not months
        doc.claim(*m.span())
        w.dates.add(d)
    for m in doc.finditer(_NUM_DATE) if "/" in s else ():
        month, day = int(m.group("m")), int(m.group("d"))
        y = m.group("y")
        year = None
        if y:
            year = int(y) if len(y) == 4 else 2000 + int(y)
        d = _next_occurrence(today, month, day, year)
        if d is None:
            continue
        doc.claim(*m.span())
        w.dates.add(d)
    for m in doc.finditer(_DAY_OF_MONTH) if _ORDINAL_GATE.search(s) else ():
        nxt = doc.token_at_or_after(m.end())
        if nxt is not None and doc.tokens[nxt].text[0].isalpha() and doc.tokens[nxt].text not in _AFTER_DAY:
            continue  # "the 5th symphony", "the 3rd movement": an ordinal of something else
        d = _day_of_month(today, int(m.group("d")))
        if d is None:
            continue
        doc.claim(*m.span())
        w.dates.add(d)


def _has_date_context(doc: Doc, item_start: int, item_end: int) -> bool:
    """ "sat" / "sun" alone are a day only next to a time: "sat am", "sun morning",
    "sat 10am", "morning sat", "10am sun"."""
    nxt = doc.next_word(item_end)
    if nxt in _TEST_WORDS:
        return False  # "Sat morning SAT prep": the second "sat" is the test, whatever precedes it
    if nxt is not None and nxt.isdigit():
        return int(nxt) <= 12
    if nxt in _TIME_WORDS or nxt in {"at", "before", "after", "around", "between"}:
        return True
    prev = doc.prev_word(item_start)
    return bool(prev) and prev[0] in _TIME_WORDS


def _weekday_chains(doc: Doc, w: _When) -> None:
    for m in doc.finditer(_WD_CHAIN):
        pre = (m.group("pre") or "").strip()
        chain = m.group("chain")
        items = list(_WD_ITEM.finditer(chain))
        if not items:
            continue
        base = m.start("chain")
        parsed: list[tuple[int, bool, str]] = []
        for k, it in enumerate(items):
            name = it.group("d")
            plural = bool(it.group("pl"))
            mod = it.group("mod") or (pre if k == 0 else "")
            if name in _CONTEXT_ONLY and not mod and len(items) == 1:
                if plural or not _has_date_context(doc, base + it.start("d"), base + it.end()):
                    continue
            if name in _CONTEXT_ONLY and plural:
                continue  # "sats" is the SAT, "suns" is not a day
            wd = WEEKDAYS[name]
            if k > 0 and parsed and _WD_RANGE_SEP.match(chain[items[k - 1].end() : it.start()]):
                # "fri-sun", "monday to friday": every day of the range, like a list
                prev = parsed[-1][0]
                for step in range(1, (wd - prev) % 7):
                    parsed.append(((prev + step) % 7, plural, ""))
            parsed.append((wd, plural, mod))
        if not parsed:
            continue
        doc.claim(*m.span())
        recurring = (
            any(p or mod in ("every", "each") for _, p, mod in parsed)
            or pre in ("every", "each")
            or _followed_by_plural_period(doc, m.end())
        )
        for wd, _plural, mod in parsed:
            if recurring:
                w.weekdays.add(wd)
            else:
                w.single_days.append((wd, mod or (pre if pre in ("next", "this") else "")))
        _day_meridiem(doc, w, m.end())


# "we both work till 6", "she's in school until 3", "i'm at the office till 7": the learner (or their
# family) is busy until then, so the lesson is after ("a teacher who can work until 8" is not);
# "i get off work at 6", "off at 5", "done with work at 7": free from then.
_BUSY_UNTIL = re.compile(
    r"(?<!who\s)(?<!that\s)\b(?:i|we|he|she|they|im|were|shes|hes|theyre|both|is|are|and|mom|dad|parents)\s+"
    r"(?:both\s+|all\s+)?(?:work(?:s|ing)?|at\s+(?:work|the\s+office|school|my\s+job)|in\s+(?:school|class|the\s+office)"
    r"|busy)\s+$"
)
_FREE_AT = re.compile(r"\b(?:off(?:\s+work)?|(?:finish|finishes|done\s+with|out\s+of)\s+work)\s+$")

# "i work nights", "working night shifts", "on the morning shift": the speaker's job, not the lesson's time
_JOB_BEFORE = re.compile(r"\bwork(?:s|ing)?\s+(?:the\s+|on\s+)?(?:early\s+|late\s+)?$")
_JOB_AFTER = re.compile(r"^\s*shifts?\b")


def _periods(doc: Doc, w: _When) -> None:
    for m in doc.finditer(_PERIOD):
        doc.claim(*m.span())
        if m.group("p") and (
            _JOB_BEFORE.search(doc.s[max(0, m.start("p") - 24) : m.start("p")]) or _JOB_AFTER.match(doc.s[m.end() :])
        ):
            continue
        if w.period is not None:
            continue
        if m.group("p"):
            p = _PERIOD_SHORT.get(m.group("p"), m.group("p"))
            q = m.group("q")
            if q == "early" and p == "morning":
                w.period = ("06:00", "09:00")
            elif q == "late" and p == "morning":
                w.period = None  # "late morning" is not read
            else:
                w.period = PERIODS[p]
            w.period_pref = "am" if p == "morning" else "pm"
        elif m.group("school"):
            w.period = ("15:00", "18:00")  # between the last bell and dinner
            w.period_pref = "pm"
            w.school_days = True
        elif m.group("work"):
            w.period = ("18:00", None)
            w.period_pref = "pm"
        elif m.group("lunch"):
            w.period = ("12:00", "13:00")
        elif m.group("before_work"):
            w.period = ("06:00", "09:00")  # the same window as "early morning"
            w.period_pref = "am"


_START_PRE = (
    "after",
    "starting",
    "starting at",
    "from",
    "no earlier than",
    "later than",
    "anytime after",
    "any time after",
)
_END_PRE = (
    "before",
    "by",
    "until",
    "till",
    "til",
    "no later than",
    "earlier than",
    "anytime before",
    "any time before",
)
_AROUND_PRE = ("around", "approximately", "approx", "about", "ish")


def _hour(raw: str) -> int:
    n = to_number(raw)
    return int(n) if n is not None else -1


# After "at one", "after two" a word hour is a time only at the end of the phrase or before a
# day or time word: "at one of the studios", "after two lessons" are no times.
_WORD_HOUR_NEXT = frozenset(
    {
        None,
        "tonight",
        "tomorrow",
        "today",
        "this",
        "next",
        "on",
        "in",
        "am",
        "pm",
        "oclock",
        "ish",
        "or",
        "and",
        "every",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    }
)


def _minutes(m: re.Match[str], atom: str) -> tuple[int, bool]:
    """Minutes of a time atom (after ':' or, before am/pm, after '.' or a space)."""
    raw = m.group(atom + "m") or m.group(atom + "n")
    return (int(raw), True) if raw else (0, False)


def _window(pre: str | None, h24: int, mins: int) -> tuple[str | None, str | None]:
    t = _hm(h24, mins)
    if pre in _START_PRE:
        return (t, None)
    if pre in _END_PRE:
        return (None, t)
    if pre in _AROUND_PRE:
        return (_hour_earlier(h24, mins), _hour_later(h24, mins))
    return (t, _hour_later(h24, mins))  # "at 5", a bare "5pm": an hour from the time


def _times(doc: Doc, w: _When) -> None:
    pref = w.period_pref

    def setx(window: tuple[str | None, str | None]) -> None:
        if w.explicit is None:
            w.explicit = window

    s = doc.s
    for m in doc.finditer(_NOON) if "noon" in s or "midday" in s else ():
        doc.claim(*m.span())
        pre = m.group("pre")
        if pre == "after":
            setx(("12:00", None))
        elif pre in ("before", "by"):
            setx((None, "12:00"))
        else:
            setx(("12:00", "13:00"))

    for m in doc.finditer(_CLOCK_WORDS) if "half" in s or "quarter" in s else ():
        h = _hour(m.group("h"))
        quarter = m.group("q") == "quarter"
        to = m.group("rel") in ("to", "till", "til", "of", "before")
        if not 1 <= h <= 12 or (to and not quarter):
            continue  # "half to five" is no time
        h24 = _to24(h, _meridiem(m.group("p")), pref)
        if h24 is None:
            continue
        total = h24 * 60 + (-15 if to else 15 if quarter else 30)
        if not 0 <= total < 24 * 60:
            continue
        doc.claim(*m.span())
        setx(_window(m.group("pre"), total // 60, total % 60))

    for m in doc.finditer(_TIME_EITHER) if " or " in s else ():
        ah, bh = _hour(m.group("ah")), _hour(m.group("bh"))
        am_, _ = _minutes(m, "a")
        bm_, _ = _minutes(m, "b")
        ap, bp = _meridiem(m.group("ap")), _meridiem(m.group("bp"))
        if not (ap or bp or m.group("pre")) or not (1 <= ah <= 12 and 1 <= bh <= 12) or am_ > 59 or bm_ > 59:
            continue  # "5 or 6" alone could be ages, counts or prices
        b24 = _to24(bh, bp, pref)
        a24 = _to24(ah, ap or bp, pref)
        if a24 is None or b24 is None or a24 >= b24:
            continue
        doc.claim(*m.span())
        setx((_hm(a24, am_), _hour_later(b24, bm_)))

    for m in doc.finditer(_TIME_RANGE):
        ah, bh = _hour(m.group("ah")), _hour(m.group("bh"))
        am_, a_has = _minutes(m, "a")
        bm_, b_has = _minutes(m, "b")
        ap, bp = _meridiem(m.group("ap")), _meridiem(m.group("bp"))
        has_mer = bool(ap or bp or a_has or b_has)
        dated = bool(w.dates or w.weekdays or w.period or w.single_days or w.week_scope)
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

    # "5pm or earlier", "3pm onwards", "5pm or later", "6pm at the latest", "4pm or so"
    for m in doc.finditer(_TIME_SUFFIXED) if _SUFFIX_GATE.search(s) else ():
        h = _hour(m.group("ah"))
        mins, has_mins = _minutes(m, "a")
        mer = _meridiem(m.group("ap"))
        if mins > 59 or (mer is None and not has_mins and h > 12):
            continue
        h24 = _to24(h, mer, pref)
        if h24 is None:
            continue
        suf = m.group("suf")
        doc.claim(*m.span())
        if "earl" in suf or "before" in suf or "sooner" in suf or "latest" in suf:
            setx(_window("before", h24, mins))
        elif suf.endswith("so"):
            setx(_window("around", h24, mins))
        else:
            setx(_window("after", h24, mins))

    for m in doc.finditer(_TIME_PREFIXED):
        h = _hour(m.group("ah"))
        mins, has_mins = _minutes(m, "a")
        mer = _meridiem(m.group("ap"))
        pre = re.sub(r"\s+", " ", m.group("pre"))
        if mins > 59:
            continue
        if not m.group("ah").isdigit() and mer is None and not has_mins:
            nxt = doc.next_word(m.end())
            if nxt not in _WORD_HOUR_NEXT and not (nxt or "").isdigit():
                continue
        if mer is None and not has_mins and h > 12:
            continue
        h24 = _to24(h, mer, pref)
        if h24 is None:
            continue
        doc.claim(*m.span())
        before = doc.s[max(0, m.start() - 32) : m.start()]
        if (pre in ("until", "till", "til") and _BUSY_UNTIL.search(before)) or (
            pre == "at" and _FREE_AT.search(before)
        ):
            pre = "after"  # "we both work till 6", "i get off at 5": the lesson comes after that
        setx(_window(pre, h24, mins))

    # "7 tonight", "10 tomorrow morning": read like "at"
    for m in doc.finditer(_TIME_BEFORE_DAY) if _BEFORE_DAY_GATE.search(s) else ():
        h = _hour(m.group("ah"))
        mins = int(m.group("am") or 0)
        if not 1 <= h <= 12 or mins > 59:
            continue
        h24 = _to24(h, None, pref)
        if h24 is None:
            continue
        doc.claim(*m.span())
        setx(_window("at", h24, mins))

    for m in doc.finditer(_TIME_BARE):
        mer = _meridiem(m.group("ap"))
        mins, has_mins = _minutes(m, "a")
        if mer is None and not has_mins and not (m.group("ap") or "").startswith("o"):
            continue  # a bare number is not a time
        h = _hour(m.group("ah"))
        if mins > 59:
            continue
        h24 = _to24(h, mer, pref)
        if h24 is None:
            continue
        doc.claim(*m.span())
        ish = m.group().rstrip().endswith("ish")
        setx(_window("around" if ish else "at", h24, mins))

    for m in doc.finditer(_OVERNIGHT) if "night" in s or "late" in s else ():
        doc.claim(*m.span())
