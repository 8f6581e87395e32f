"""Price per hour: ranges, upper and lower bounds, bare amounts.

Runs after ages, ratings, durations and times have claimed their numbers, so
any number left with a price cue is a price. A bare amount is a maximum.
"""

from __future__ import annotations

import re
from typing import Any

from .tokens import Doc

# "$60", "usd 60"; a trailing "$" ("75$") is a currency word like "dollars"
_A = r"(?:\$|\busd\b)?\s*(?P<{0}>\d+(?:,\d{{3}})*(?:\.\d{{1,2}})?)"
_CUR = r"(?:\s*(?:dollars?|bucks|usd|dlrs|\$(?!\s*\d)))"  # "75$" but not the "$" of "5 $60"
_PER = (
    r"(?:\s*(?:/|per|an|a|each)\s*(?:hr|hour|h|session|lesson|class|sess)\b|\s*hourly\b|\s*/\s*hr\b|\s*/\s*h\b|\s*ph\b)"
)
_UNIT = rf"(?:{_CUR}?{_PER}|{_CUR})"


def _amt(name: str) -> str:
    return _A.format(name)


_MAXP = r"(?:under|below|less\s+than|lower\s+than|cheaper\s+than|max(?:imum)?(?:\s+of)?|at\s+most|up\s+to|no\s+more\s+than|not\s+more\s+than|not\s+over|nothing\s+over|nothing\s+above|nothing\s+more\s+than|within|<=?|=<|budget\s+(?:of|is|around|under|about)?|around|about|approx(?:imately)?|roughly|~|no\s+higher\s+than|not\s+above|tops|under\s+like|for)"
_MINP = r"(?:at\s+least|not\s+less\s+than|not\s+under|not\s+below|no\s+lower\s+than|not\s+lower\s+than|over|more\s+than|above|min(?:imum)?(?:\s+of)?|starting\s+at|starting\s+from|starts\s+at|from|>=?|=>|no\s+less\s+than|upwards\s+of|higher\s+than)"
_MAXS = r"(?:\s*(?:or\s+less|or\s+under|or\s+below|max(?:imum)?|tops|at\s+most|or\s+cheaper|and\s+under|and\s+below|or\s+lower))"
_MINS = r"(?:\s*(?:\+|plus|or\s+more|and\s+up|and\s+above|or\s+above|or\s+higher|minimum|min|and\s+over|or\s+over))"

_RANGE = re.compile(
    rf"(?<![\d.])(?:\b(?P<pre>between|from)\s+)?{_amt('a')}{_UNIT}?\s*(?:-|to|and|–)\s*{_amt('b')}(?P<u>{_UNIT})?"
    # "between 1 and 2 lessons a week" counts something: no price
    r"(?!\s*(?:lessons?|classes|sessions?|times|days?|weeks?|months?|kids|students|people|hours?|hrs?"
    r"|minutes?|mins?|years?|yrs?|stars?))"
)
# "no less than $45" is a minimum: its "less than" is not a maximum (and "not over" not a minimum)
_MAX = re.compile(
    rf"(?<!\bno )(?<!\bnot )\b(?P<pre>{_MAXP})\s*{_amt('a')}(?P<u>{_UNIT})?(?![\d.]|\s*(?:%|percent|minutes?|mins?|hours?|hrs?|stars?|years?|yrs?|people|students|kids|miles?|blocks?|min\b))"
)
_MIN = re.compile(
    rf"(?<!\bno )(?<!\bnot )\b(?P<pre>{_MINP})\s*{_amt('a')}(?P<u>{_UNIT})?(?![\d.]|\s*(?:%|percent|minutes?|mins?|hours?|hrs?|stars?|years?|yrs?|people|students|kids|miles?|blocks?))"
)
# the (?=[$\d]) start keeps the scan from trying every position of a long input
_SUFFIX = re.compile(
    rf"(?=[$\d])(?<![\d.])(?P<d>\$)?\s*(?<![\d.])(?P<a>\d+(?:,\d{{3}})*(?:\.\d{{1,2}})?)(?P<u>{_UNIT})?(?P<s>{_MAXS}|{_MINS})"
)
_BARE = re.compile(
    rf"(?:(?:\$|\busd\b)\s*(?P<a>\d+(?:,\d{{3}})*(?:\.\d{{1,2}})?)(?P<u>{_UNIT})?|(?<![\d.$])\b(?P<b>\d+(?:,\d{{3}})*(?:\.\d{{1,2}})?)\s*(?P<u2>{_UNIT}))"
)


def _num(s: str | None) -> float | None:
    if not s:
        return None
    try:
        v = float(s.replace(",", ""))
    except ValueError:
        return None
    if not (0 < v <= 100000):
        return None
    return v


def _clean(v: float) -> float | int:
    return int(v) if v == int(v) else v


def extract(doc: Doc, out: dict[str, Any]) -> None:
    lo: float | None = None
    hi: float | None = None
    if not any(ch.isdigit() for ch in doc.s):
        return

    for m in doc.finditer(_RANGE):
        txt = m.group()
        if not ("$" in txt or m.group("u") or m.group("pre") or re.search(_UNIT, txt)):
            continue
        a, b = _num(m.group("a")), _num(m.group("b"))
        if a is None or b is None:
            continue
        if m.group("pre") is None and "$" not in txt and not m.group("u") and not re.search(_UNIT, txt):
            continue
        if a > b:
            a, b = b, a
        doc.claim(*m.span())
        if lo is None and hi is None:
            lo, hi = a, b
    for m in doc.finditer(_MAX):
        a = _num(m.group("a"))
        if a is None:
            continue
        pre = m.group("pre")
        if (
            pre in ("for", "around", "about", "roughly", "approx", "approximately", "~", "within")
            and "$" not in m.group()
            and not m.group("u")
        ):
            continue  # "for 2", "around 50" without money cue: not a price
        doc.claim(*m.span())
        if hi is None:
            hi = a
    for m in doc.finditer(_MIN):
        a = _num(m.group("a"))
        if a is None:
            continue
        if m.group("pre") == "from" and "$" not in m.group() and not m.group("u"):
            continue
        doc.claim(*m.span())
        if lo is None:
            lo = a
    for m in doc.finditer(_SUFFIX):
        a = _num(m.group("a"))
        if a is None:
            continue
        suffix = m.group("s")
        is_min = bool(re.match(_MINS, suffix))
        if not (m.group("d") or m.group("u")):
            # "50+" alone is ambiguous (age, count); need a money cue unless a plus/min word
            if suffix.strip() in ("+", "plus"):
                continue
        doc.claim(*m.span())
        if is_min:
            if lo is None:
                lo = a
        elif hi is None:
            hi = a
    for m in doc.finditer(_BARE):
        a = _num(m.group("a") or m.group("b"))
        if a is None:
            continue
        doc.claim(*m.span())
        if hi is None and lo is None:
            hi = a
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    out["price_min"] = None if lo is None else _clean(lo)
    out["price_max"] = None if hi is None else _clean(hi)
