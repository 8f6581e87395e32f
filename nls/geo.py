"""Geography in a query: NYC ZIP codes, landmarks ("near prospect park", "by jfk"), places given
as "near/close to/around …", and distances ("within 2 miles", "10 blocks away", "walking distance").

Runs before prices, so "within 2 miles" is never read as "within $2". Reads
data/fixtures/nyc_geography.json (ZIP codes, landmark names and boroughs) once, like the other
lexicons; it computes no distance: that is the search's job (index/geo.py).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .tokens import Doc

_FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures"
BLOCKS_PER_MILE = 20  # Manhattan's north-south blocks; the figure people use for "10 blocks"
WALKING_MILES = 0.75  # about 15 minutes on foot

_NEAR = (
    r"(?:near(?:\s+by)?|nearby|close\s+to|closer\s+to|around|by|next\s+to|beside|walking\s+distance\s+(?:to|from|of))"
)
_NEAR_BEFORE = re.compile(rf"(?:^|\s){_NEAR}\s+(?:the\s+)?$")
_ZIP = re.compile(r"(?<![\d$.,/:-])(?P<zip>\d{5})(?:-\d{4})?(?![\d$%]|\s*(?:dollars?|bucks|usd))")
_UNIT = r"(?:miles?|mi|blocks?|km|kilometers?|kilometres?)"
_NUM = r"(?:\d+(?:\.\d+)?|a|an|half\s+a|a\s+half|one)"
_WITHIN = re.compile(
    rf"\b(?:within|in|under|less\s+than|no\s+more\s+than|at\s+most|max(?:imum)?|up\s+to)\s+(?P<n>{_NUM})\s*(?P<unit>{_UNIT})\b"
    r"(?:\s+(?:away|radius|of\s+me|from\s+me|from\s+home))?"
    rf"|\b(?P<n2>{_NUM})\s*(?P<unit2>{_UNIT})\s+(?:away|radius|from\s+me|of\s+me|or\s+(?:less|closer))\b"
)
_WALKING = re.compile(r"\b(?:(?:with)?in\s+)?walking\s+distance\b|\bwalkable\b|\ba\s+short\s+walk\b")
# Words a landmark name shares with ordinary speech: never a landmark on their own.
_NOT_ALONE = {"the park", "park", "the battery", "forest", "the yards", "the field"}


def _phrases_of(name: str) -> list[str]:
    """The ways people name a landmark: its full name and each dash-separated part with a
    landmark word ("Flushing Meadows-Corona Park" -> "flushing meadows", "corona park")."""
    clean = re.sub(r"\s*\([^)]*\)", "", name.lower()).replace("&", "and").replace(".", "").replace("'", "")
    out = [clean.replace("-", " ")]
    for part in clean.split("-"):
        part = part.strip()
        if len(part.split()) >= 2 and part not in _NOT_ALONE:
            out.append(part)
    return out


_EXTRA = {
    "john-f-kennedy-international-airport": ["jfk", "jfk airport", "kennedy airport"],
    "laguardia-airport": ["laguardia", "lga", "la guardia airport"],
    "yankee-stadium-macombs-dam-park": ["yankee stadium"],
    "the-battery-governors-island-ellis-island-liberty-island": ["battery park", "governors island"],
    "flushing-meadows-corona-park": ["flushing meadows park", "flushing meadows corona park"],
    "green-wood-cemetery": ["greenwood cemetery"],
}


@lru_cache
def _tables() -> tuple[dict[str, tuple[str, str]], re.Pattern[str] | None, dict[str, str]]:
    geo = json.loads((_FIXTURES / "nyc_geography.json").read_text())
    places = json.loads((_FIXTURES / "nyc_locations.json").read_text())
    # A phrase that already names a neighborhood or a plain alias stays a neighborhood ("marine
    # park"); the ambiguous aliases ("central park") are better read as the landmark.
    taken = {part.strip().lower() for n in places["neighborhoods"] for part in n["name"].split("/")}
    taken |= {a["alias"] for a in places["aliases"]}
    landmarks: dict[str, tuple[str, str]] = {}
    for slug, lm in geo["landmarks"].items():
        for phrase in [*_phrases_of(lm["name"]), *_EXTRA.get(slug, [])]:
            if phrase not in taken and phrase not in landmarks:
                landmarks[phrase] = (slug, lm["borough"])
    # Words may be joined by spaces or dashes ("green-wood cemetery"); the table keys use spaces.
    alternatives = (r"[\s-]+".join(map(re.escape, p.split())) for p in sorted(landmarks, key=len, reverse=True))
    pattern = re.compile(r"\b(?:" + "|".join(alternatives) + r")\b") if landmarks else None
    zips = {z: entry["neighborhoods"][0][0] for z, entry in geo["zips"].items() if entry["neighborhoods"]}
    return landmarks, pattern, zips


@lru_cache
def _borough_of() -> dict[str, str]:
    places = json.loads((_FIXTURES / "nyc_locations.json").read_text())
    return {n["slug"]: n["borough"] for n in places["neighborhoods"]}


def near_before(doc: Doc, char_pos: int) -> bool:
    """Whether "near", "close to", "around", "by" … stands right before this position."""
    return bool(_NEAR_BEFORE.search(doc.s[max(0, char_pos - 40) : char_pos]))


def claim_near(doc: Doc, char_pos: int) -> None:
    m = _NEAR_BEFORE.search(doc.s[max(0, char_pos - 40) : char_pos])
    if m:
        base = max(0, char_pos - 40)
        doc.claim(base + m.start(), base + m.end())


def _miles(n: str, unit: str) -> float:
    amount = {"a": 1.0, "an": 1.0, "one": 1.0}.get(n)
    if amount is None:
        amount = 0.5 if "half" in n else float(n)
    if unit.startswith("block"):
        return round(amount / BLOCKS_PER_MILE, 2)
    if unit.startswith("k"):
        return round(amount * 0.621371, 2)
    return amount


def extract(doc: Doc, out: dict[str, Any]) -> None:
    """Fills within_miles, zip, landmark and nearby (location itself comes later, from the place
    lexicon, unless a ZIP or a landmark is the only place named)."""
    for m in doc.finditer(_WITHIN):
        miles = _miles(m.group("n") or m.group("n2"), m.group("unit") or m.group("unit2"))
        if 0 < miles <= 50:
            out["within_miles"] = miles
            doc.claim(*m.span())
            break
    for m in doc.finditer(_WALKING):
        if out["within_miles"] is None:
            out["within_miles"] = WALKING_MILES
        out["near_me"] = True
        doc.claim(*m.span())
        break
    landmarks, pattern, zips = _tables()
    if any(ch.isdigit() for ch in doc.s):
        for m in doc.finditer(_ZIP):
            hood = zips.get(m.group("zip"))
            if hood is None:
                continue  # not an NYC ZIP: no place, the number stays in the text
            out["zip"] = m.group("zip")
            out["_zip_location"] = {"borough": _borough_of()[hood], "neighborhood": hood}
            out["nearby"] = out["nearby"] or near_before(doc, m.start())
            claim_near(doc, m.start())
            doc.claim(*m.span())
            break
    if pattern is not None and out["landmark"] is None:
        for m in doc.finditer(pattern):
            slug, borough = landmarks[" ".join(m.group().replace("-", " ").split())]
            out["landmark"] = slug
            out["_landmark_borough"] = borough
            out["nearby"] = out["nearby"] or near_before(doc, m.start())
            claim_near(doc, m.start())
            doc.claim(*m.span())
            break
