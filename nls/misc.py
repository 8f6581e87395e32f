"""Format, duration, rating, lesson language, urgency, near_me, price intent.

Regex extractors here run early (before dates and prices) because they hold
numbers ("4+ stars", "45 minute") or words ("in spanish", "in person") that
other extractors would otherwise misread. Plain word lists are registered in
the shared phrase lexicon (see ``LEXICON_WORDS``).
"""

from __future__ import annotations

import re
from typing import Any

from .tokens import NUM_WORD_RE, Doc, to_number

# ---------------------------------------------------------------- word lists
FORMAT_WORDS = {
    **dict.fromkeys(
        (
            "online",
            "on line",
            "virtual",
            "virtually",
            "zoom",
            "via zoom",
            "over zoom",
            "on zoom",
            "remote",
            "remotely",
            "over video",
            "video call",
            "video chat",
            "facetime",
            "skype",
            "google meet",
            "webcam",
            "live online",
            "virtual lessons",
            "over facetime",
            "via facetime",
            "on facetime",
            "by video call",
            "by video",
            "over video call",
            "via video call",
            "over video chat",
            "via video chat",
            "on skype",
            "over skype",
            "via skype",
            "on google meet",
            "via google meet",
            "over webcam",
            "via webcam",
            "by zoom",
            "microsoft teams",
            "ms teams",
            "on teams",
            "video lesson",
            "video lessons",
        ),
        "online",
    ),
    **dict.fromkeys(
        (
            "in person",
            "inperson",
            "at home",
            "at my home",
            "in my home",
            "home visit",
            "home visits",
            "face to face",
            "come to my place",
            "comes to my place",
            "come to my home",
            "comes to my home",
            "come to my house",
            "comes to my house",
            "at my house",
            "at my place",
            "in home",
            "in my house",
            "house call",
            "house calls",
            "travels to me",
            "travel to me",
            "come to me",
            "comes to me",
            "in real life",
            "irl",
            "not online",
            "in the teachers studio",
            "at the teachers studio",
            "at the teachers home",
            "at the teachers house",
            "at the teachers place",
            "in the instructors studio",
            "at the instructors studio",
            "at the instructors home",
            "at the instructors house",
            "at the instructors place",
            "at their studio",
            "in their studio",
            "at their home",
            "at their place",
            "at their house",
            "at your studio",
            "in your studio",
            "at your home",
            "at your place",
            "at your house",
            "in a studio",
            "at a studio",
            "in studio",
            "in the studio",
            "at the studio",
            "can travel to me",
            "come to my apartment",
            "comes to my apartment",
            "come to our apartment",
            "come to our home",
            "come to our house",
            "in my apartment",
            "at my apartment",
            "in our apartment",
            "at our apartment",
            "in our home",
            "at our home",
        ),
        "in_person",
    ),
}
NEAR_WORDS = dict.fromkeys(
    (
        "near me",
        "nearby",
        "near by",
        "close to me",
        "close by",
        "closeby",
        "around me",
        "in my area",
        "walking distance",
        "within walking distance",
        "near my location",
        "in my neighborhood",
        "near my place",
        "close to home",
        "near home",
        "near my house",
        "near my home",
        "close to my home",
    ),
    True,
)
URGENCY_WORDS = {
    **dict.fromkeys(
        (
            "asap",
            "a s a p",
            "as soon as possible",
            "urgent",
            "urgently",
            "right now",
            "immediately",
            "emergency",
            "right away",
            "straight away",
            "last minute",
            "last-minute",
        ),
        "high",
    ),
    **dict.fromkeys(
        (
            "soon",
            "earliest",
            "first available",
            "soonest",
            "earliest available",
            "next available",
            "as soon as you can",
            "quickly",
            "sooner",
            "at the earliest",
        ),
        "medium",
    ),
}
INTENT_WORDS = {
    **dict.fromkeys(
        (
            "cheap",
            "cheapest",
            "cheaper",
            "affordable",
            "budget",
            "budget friendly",
            "inexpensive",
            "low cost",
            "lowcost",
            "low price",
            "low priced",
            "reasonably priced",
            "reasonable price",
            "reasonable prices",
            "economical",
            "not expensive",
            "not too expensive",
            "cheap ish",
            "cheapish",
            "bargain",
            "discount",
            "discounted",
            "low budget",
            "on a budget",
        ),
        "budget",
    ),
    **dict.fromkeys(
        (
            "premium",
            "luxury",
            "luxurious",
            "high end",
            "highend",
            "elite",
            "top tier",
            "toptier",
            "upscale",
            "high class",
            "world class",
            "boutique",
            "vip",
            "top notch",
            "exclusive",
        ),
        "premium",
    ),
}
# consumed so they do not reach `text`, but set no field
FILLER_PHRASES = dict.fromkeys(
    (
        "one on one",
        "1 on 1",
        "1 to 1",
        "one to one",
        "private lessons",
        "private lesson",
        "private tutor",
        "private tutoring",
        "private instructor",
        "private coach",
        "private teacher",
        "looking for",
        "i am looking for",
        "im looking for",
        "i need",
        "i want",
        "can you find",
        "recommend me",
        "any recommendations",
        "who can teach",
    )
)
LEXICON_WORDS: list[tuple[str, dict[str, Any]]] = [
    ("filler", FILLER_PHRASES),
    ("near_me", NEAR_WORDS),
    ("urgency", URGENCY_WORDS),
    ("format", FORMAT_WORDS),
    ("intent", INTENT_WORDS),
]

# ---------------------------------------------------------------- languages
LANGUAGES = {
    "english": "english",
    "spanish": "spanish",
    "espanol": "spanish",
    "french": "french",
    "francais": "french",
    "mandarin": "mandarin",
    "chinese": "chinese",
    "cantonese": "cantonese",
    "russian": "russian",
    "arabic": "arabic",
    "korean": "korean",
    "italian": "italian",
    "japanese": "japanese",
    "hebrew": "hebrew",
    "german": "german",
    "deutsch": "german",
    "portuguese": "portuguese",
    "bengali": "bengali",
    "bangla": "bengali",
    "haitian creole": "haitian creole",
    "creole": "haitian creole",
    "kreyol": "haitian creole",
    "hindi": "hindi",
    "urdu": "urdu",
    "polish": "polish",
    "greek": "greek",
    "yiddish": "yiddish",
    "tagalog": "tagalog",
    "vietnamese": "vietnamese",
    "turkish": "turkish",
    "farsi": "farsi",
    "persian": "persian",
    "ukrainian": "ukrainian",
    "dutch": "dutch",
    "swahili": "swahili",
    "thai": "thai",
    "punjabi": "punjabi",
    "albanian": "albanian",
    "romanian": "romanian",
    "hungarian": "hungarian",
    "czech": "czech",
    "swedish": "swedish",
    "uzbek": "uzbek",
    "tibetan": "tibetan",
    "nepali": "nepali",
    "gujarati": "gujarati",
    "tamil": "tamil",
    "serbian": "serbian",
    "croatian": "croatian",
    "amharic": "amharic",
    "somali": "somali",
    "indonesian": "indonesian",
    "malay": "malay",
    "cantonese chinese": "cantonese",
    "mandarin chinese": "mandarin",
    "sign language": "sign language",
    "asl": "sign language",
    "american sign language": "sign language",
}
_LANG = "|".join(sorted((re.escape(k) for k in LANGUAGES), key=len, reverse=True))
_NOT_SUBJECT = r"(?!\s*-?\s*(?:lessons?|class(?:es)?|tutor(?:ing|s)?|teachers?|instructors?|course|courses|immersion|homework|grammar|conversation|language\s+(?:lessons?|class(?:es)?)|speaking\b|harlem\b))"
_LANG_PATTERNS = [
    re.compile(rf"\b(?:native\s+)?(?P<l>{_LANG})\s*-?\s*(?:speaking|speaker|speakers)\b"),
    re.compile(
        rf"\b(?:taught|teaches|teaching|conducted|delivered|given|instruction|instructed)\s+in\s+(?P<l>{_LANG})\b"
    ),
    re.compile(
        rf"\b(?:who\s+)?(?:speaks?|speaking|fluent\s+in|bilingual\s+in|bilingual(?:\s+english)?\s+and|bilingual)\s+(?:only\s+)?(?P<l>{_LANG})\b{_NOT_SUBJECT}"
    ),
    re.compile(rf"\bin\s+(?P<l>{_LANG})\b{_NOT_SUBJECT}"),
]

# ---------------------------------------------------------------- rating
_NUM = r"(?P<n>[0-5](?:\.\d+)?|one|two|three|four|five)"
_RATING_PATTERNS = [
    # "4+ stars", "4.5 stars and up", "at least 4 stars", "4 star rating", "5-star"
    re.compile(
        rf"\b(?:(?:rated|rating\s+of|ratings?|at\s+least|min(?:imum)?|over|above|minimum\s+of)\s+)?{_NUM}\s*(?P<plus>\+|plus)?\s*(?P<hy>-)?\s*stars?\b(?:\s*(?:\+|and\s+(?:up|above|higher|over|more|better)|or\s+(?:higher|more|above|better|up)|minimum|min|plus))?(?:\s+(?:rating|ratings|rated|reviews?))?"
    ),
    # "rated 4.5 or higher", "rating 4+", "4.5+ rating"
    re.compile(
        rf"\b(?:rated|rating|ratings|rating\s+of|rated\s+at\s+least|rating\s+at\s+least|review\s+score(?:\s+of)?)\s+{_NUM}\s*(?:\+|plus|(?:or|and)\s+(?:higher|above|up|more|better|over))?"
    ),
    re.compile(rf"\b{_NUM}\s*(?:\+|plus)\s*(?:rating|rated|reviews?)\b"),
    re.compile(rf"\b{_NUM}\s+(?:or|and)\s+(?:higher|above|up|better)\s+(?:rating|rated)\b"),
]
_VAGUE_RATING = re.compile(
    r"\b(?:top|highly|high|best|well|highest|very\s+well|great|good|excellent)\s*-?\s*(?:rated|reviewed|reviews|ratings)\b"
    r"|\b(?:five|5)\s*-\s*star\b(?:\s+(?:rated|rating|reviews?))?|\bfive\s+star\b(?:\s+(?:rated|rating|reviews?))?"
    r"|\b(?:well|highly|best)\s+recommended\b"
)

# ---------------------------------------------------------------- duration
_DNUM = rf"(?P<n>\d+(?:\.\d+)?|{NUM_WORD_RE})"
# A length of time that is a routine or a streak is no lesson length: "sitting at a desk 10 hours a
# day", "nobody has slept more than 2 hours in a row", "practices 30 minutes every night"; and so is
# a frequency ("the baby wakes every 90 minutes").
_ROUTINE = r"(?!\s*(?:a|an|per|each|every)\s+(?:day|night|week|weekend|month|year)s?\b|\s*(?:in\s+a\s+row|straight|at\s+a\s+time)\b)"
_DURATION_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(
            r"\b(?:an?\s+|one\s+|1\s+)?hour\s+and\s+a\s+half\b(?:\s*-?\s*long)?|\b(?:one|1)\s+and\s+a\s+half\s+hours?\b|\b1\s+1\s*/\s*2\s+hours?\b"
        ),
        90,
    ),
    (
        re.compile(
            r"\b(?P<h>\d+|one|two|three)\s*(?:-\s*)?(?:hours?|hrs?|h)\s*(?:and\s+)?(?P<m>\d+)\s*(?:minutes?|mins?|m)\b"
            + _ROUTINE
        ),
        "hm",
    ),
    (re.compile(r"\b(?:a\s+)?half\s*-?\s*(?:an\s+)?hour\b(?:\s*-?\s*long)?"), 30),
    (
        re.compile(
            r"\b(?:an?\s+)?hour\s*-?\s*long\b|\bfor\s+an\s+hour\b|\ban\s+hour(?=\s+(?:lessons?|sessions?|class(?:es)?))"
        ),
        60,
    ),
    (
        re.compile(
            rf"(?<![\$\d.])(?<!every )\b{_DNUM}\s*(?:-\s*)?(?P<u>hours?|hrs?|h|minutes?|mins?|m)\b(?:\s*-?\s*long)?(?!\s*(?:/|per|an?\s+hour))"
            + _ROUTINE
        ),
        "nu",
    ),
    (re.compile(r"\b(?P<w>hour|hr)\s+(?=lessons?|sessions?|class(?:es)?)"), 60),
]

# ---------------------------------------------------------------- format conflict
_FORMAT_EITHER = re.compile(
    r"\b(?:either\s+)?(?:online|virtual|remote|zoom)\s*(?:or|/|and|&)\s*(?:in\s*-?\s*person|at\s+home|in\s+home|face\s+to\s+face)\b"
    r"|\b(?:either\s+)?(?:in\s*-?\s*person|at\s+home|face\s+to\s+face)\s*(?:or|/|and|&)\s*(?:online|virtual|virtually|remote|remotely|zoom)\b"
    r"|\b(?:online|virtual)\s+or\s+not\b|\bhybrid\b"
)


_FORMAT_GATE = re.compile(r"online|virtual|remote|zoom|hybrid")
_LANG_GATE = re.compile(rf"\b(?:{_LANG})\b")
_DUR_GATE = re.compile(r"\d\s*-?\s*[hm]\b")


def _num(s: str) -> float | None:
    return to_number(s)


def extract(doc: Doc, out: dict[str, Any]) -> None:
    """Regex-based misc fields. Mutates ``out``."""
    s = doc.s
    has_digit = any(ch.isdigit() for ch in s)
    # format ambiguity first: "online or in person" gives no format
    for m in doc.finditer(_FORMAT_EITHER) if _FORMAT_GATE.search(s) else ():
        doc.claim(*m.span())
        out["_format_either"] = True

    # lesson language
    for pat in _LANG_PATTERNS if _LANG_GATE.search(s) else ():
        for m in doc.finditer(pat):
            lang = LANGUAGES.get(re.sub(r"\s+", " ", m.group("l")))
            if lang is None:
                continue
            doc.claim(*m.span())
            if out["lesson_language"] is None:
                out["lesson_language"] = lang

    # rating
    rating_cue = "star" in s or "rat" in s or "review" in s or "recommended" in s
    for pat in _RATING_PATTERNS if rating_cue else ():
        for m in doc.finditer(pat):
            n = _num(m.group("n"))
            if n is None or not (0 < n <= 5):
                continue
            text = m.group()
            # "5-star" used as an adjective is a vague "highly rated" (readings)
            if "-" in text and n == 5 and "+" not in text and not re.search(r"stars\b", text):
                n = 4.5
            doc.claim(*m.span())
            if out["min_rating"] is None:
                out["min_rating"] = n
    for m in doc.finditer(_VAGUE_RATING) if rating_cue else ():
        doc.claim(*m.span())
        if out["min_rating"] is None:
            out["min_rating"] = 4.5

    # duration
    duration_cue = "hour" in s or "hr" in s or "min" in s or (has_digit and _DUR_GATE.search(s) is not None)
    for pat, kind in _DURATION_PATTERNS if duration_cue else ():
        for m in doc.finditer(pat):
            minutes: float | None
            if kind == "hm":
                h = _num(m.group("h"))
                mm = _num(m.group("m"))
                minutes = None if h is None or mm is None else h * 60 + mm
            elif kind == "nu":
                n = _num(m.group("n"))
                u = m.group("u")
                if n is None:
                    continue
                minutes = n * 60 if u.startswith("h") else n
                if u == "m" and n < 5:
                    continue
            else:
                minutes = float(kind)
            if minutes is None or not (5 <= minutes <= 600):
                continue
            doc.claim(*m.span())
            if out["duration_minutes"] is None:
                out["duration_minutes"] = int(round(minutes))
