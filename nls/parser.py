"""Orchestrates the extractors into the parse contract (docs/parse-contract.md).

Tokenizer decision (measured on this machine, `python -X importtime` and wall
clock): ``import spacy; spacy.blank("en")`` takes 2.5 s warm and 23 s cold,
five to fifty times the 0.5 s budget for ``import nls`` plus lexicon build,
and a blank pipeline call costs ~50-100 us per query on its own. So nls uses
a regex tokenizer (nls/tokens.py) with the same design spaCy's
PhraseMatcher/EntityRuler would give: lexicons built once from the fixtures,
greedy longest phrase matching, and span claiming so a word is read once.
rapidfuzz (30 ms import) gives typo tolerance over unclaimed words only.
dateparser is not used: month/day formats are handled by small regexes.

Extractor order (each claims tokens, later ones see only free tokens):

1. people.extract_ages  - "8 year old", "age 12", "kids under 10" (before prices)
   geo.extract          - "within 2 miles", "walking distance", NYC ZIP codes, landmarks (before prices)
2. misc.extract         - "online or in person", "in spanish", "4+ stars", "45 minute"
3. when.extract         - dates, weekdays, windows ("sat" only with a date context)
4. price.extract        - ranges, bounds, bare amounts
5. lexicon.match        - longest exact phrases: level, audience, format, near me,
                          urgency, price intent, no-location words, services,
                          families/categories, places
6. lexicon.fuzzy_match  - bounded typo matching over leftover words
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import geo, misc, people, place, price, service, spanish, when
from .lexicon import fuzzy_match, get_lexicon, match
from .tokens import Doc

FIELDS = (
    "query",
    "service",
    "category",
    "price_min",
    "price_max",
    "price_intent",
    "location",
    "near_me",
    "zip",
    "landmark",
    "nearby",
    "within_miles",
    "format",
    "dates",
    "weekdays",
    "start_time",
    "end_time",
    "age",
    "audience",
    "level",
    "duration_minutes",
    "min_rating",
    "lesson_language",
    "urgency",
    "text",
)

DEFAULT_TZ = "America/New_York"

FILLER = frozenset(
    """
a an the for my our me i im we us you your in on at of to with and or from by near nearby
lesson lessons class classes teacher teachers tutor tutors instructor instructors coach coaches
course courses session sessions program programs training private privately
need needs want wants wanted looking look find finding search searching get some someone somebody
anyone who that can could would will please help is are be am do does any good great best
learn learning teach teaching taught like something around about this next just also
hi hello hey thanks thank want wanna gonna trying try please pls plz id ill myself
""".split()
)


def empty(query: str) -> dict[str, Any]:
    return {
        "query": query,
        "service": None,
        "category": None,
        "price_min": None,
        "price_max": None,
        "price_intent": None,
        "location": None,
        "near_me": False,
        "zip": None,
        "landmark": None,
        "nearby": False,
        "within_miles": None,
        "format": None,
        "dates": None,
        "weekdays": None,
        "start_time": None,
        "end_time": None,
        "age": None,
        "audience": None,
        "level": None,
        "duration_minutes": None,
        "min_rating": None,
        "lesson_language": None,
        "urgency": None,
        "text": "",
    }


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or DEFAULT_TZ)
    except Exception:  # unknown zone name, bad type: fall back, never raise
        return ZoneInfo(DEFAULT_TZ)


def reference_date(now: datetime | date | None, tz: str | None) -> date:
    zone = _zone(tz)
    if now is None:
        return datetime.now(zone).date()
    if isinstance(now, datetime):
        if now.tzinfo is not None:
            return now.astimezone(zone).date()
        return now.date()
    if isinstance(now, date):
        return now
    return datetime.now(zone).date()


def parse(text: Any, now: datetime | date | None = None, tz: str = DEFAULT_TZ) -> dict[str, Any]:
    """Parse one free-text query into the contract object. Never raises."""
    query = text if isinstance(text, str) else ("" if text is None else _to_str(text))
    try:
        return _parse(query, reference_date(now, tz))
    except Exception:  # pragma: no cover - defensive: the contract says never raise
        if os.environ.get("NLS_STRICT") == "1":  # tests run strict so a logic bug fails loudly instead of hiding here
            raise
        return empty(query)


def _to_str(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    try:
        return str(value)
    except Exception:  # pragma: no cover
        return ""


@dataclass(frozen=True)
class GoalReading:
    """What search needs beyond the contract to match a query's goal to services: whether the parse's
    service must stand against what the whole sentence embeds like (a typo: the embedding knows nothing
    of "mandrin" or "guitr"; a phrase of two or more words that names the service, such as "learn
    english", or English read as a second language from the sentence), and a Spanish query's English
    (nls/spanish.py)."""

    service_stands: bool
    english: str | None = None
    # Neighborhoods named beside the first ("canarsie or flatlands"): the contract's location holds
    # one place; search counts these as the asked place too.
    other_neighborhoods: tuple[str, ...] = ()


def parse_with_reading(
    text: Any, now: datetime | date | None = None, tz: str = DEFAULT_TZ
) -> tuple[dict[str, Any], GoalReading]:
    """`parse` and the query's GoalReading from one pass of the extractors. Never raises."""
    query = text if isinstance(text, str) else ("" if text is None else _to_str(text))
    try:
        return _pipeline(query, reference_date(now, tz))
    except Exception:  # pragma: no cover - defensive, as parse
        if os.environ.get("NLS_STRICT") == "1":
            raise
        return empty(query), GoalReading(False)


# Words that say "a lesson" around a service's name: "piano lessons" names piano as "piano" does.
_LESSON_WORDS = frozenset(
    ("lesson", "lessons", "class", "classes", "teacher", "teachers", "tutor", "tutoring", "coach")
)


# "si" is Staten Island in NYC shorthand ("guitar teacher si under 50"), except where it is a joint or
# another language's word ("si joint pain", "si vous plait"); a Spanish query is read before this.
_SI_NOT_BEFORE = frozenset(("joint", "joints", "es", "no", "vous", "se", "unit", "units", "pain"))


def _staten_island_shorthand(doc: Doc, out: dict[str, Any]) -> None:
    for i, token in enumerate(doc.tokens):
        if token.text != "si" or doc.claimed[i]:
            continue
        after = doc.tokens[i + 1].text if i + 1 < len(doc.tokens) else ""
        if after in _SI_NOT_BEFORE:
            return
        doc.claimed[i] = True
        out["location"] = {"borough": "staten-island", "neighborhood": None}
        return


# Words anywhere in a query that make its last "sat" the test, not Saturday (narrower than
# when._TEST_WORDS, which reads the word right after "sat": "lessons" there, not here).
_TEST_CONTEXT = frozenset(("prep", "prepping", "tutor", "tutoring", "test", "exam", "score", "digital", "psat", "act"))
_AGE_WORD = re.compile(r"^(?:\d+(?:yo|y)|yo|old|yrs?)$")


def _last_word_day(doc: Doc, out: dict[str, Any], place_tokens: set[int], today: date) -> None:
    """A query's last word "sat" or "sun" right after a place or an age is the day: "swimming for my
    5yo in the bx sat" (Saturday). After anything else it stays the test or a noun ("tutor to help
    my son prep sat", "tennis lessons, not in full sun"), and never when the query reads as test prep."""
    words = [i for i, t in enumerate(doc.tokens) if t.is_word]
    if len(words) < 2 or out["dates"] or out["weekdays"] or out["service"] == "sat":
        return
    last, before = words[-1], words[-2]
    day = doc.tokens[last].text
    if day not in ("sat", "sun") or doc.claimed[last] and day != "sat":
        return
    if before not in place_tokens and not _AGE_WORD.match(doc.tokens[before].text):
        return
    if day == "sat" and _TEST_CONTEXT.intersection(t.text for t in doc.tokens):
        return
    doc.claimed[last] = True
    out["dates"] = [when.coming(today, day).isoformat()]


def _learns_english_as_new_language(doc: Doc, out: dict[str, Any]) -> bool:
    """ "teach my mom english? she only speaks spanish", "english lessons for my dad": English for
    someone who speaks another language, or for a grown-up relative, is English as a second language,
    not the school subject (English language arts), unless the words are the school's ("AP", "essay",
    "literature") or the learner is a native speaker."""
    words = {t.text for t in doc.tokens if t.is_word}
    if words & _SCHOOL_ENGLISH or any(p in doc.s for p in ("native speaker", "native english", "high school")):
        return False
    if out["lesson_language"] not in (None, "english"):
        return True
    return out["audience"] is None and out["age"] is None and bool(people.ADULT_RELATIVES & words)


def _names_a_cuisine(doc: Doc, phrase: list[str], service: str | None) -> bool:
    """ "cook korean food", "italian food", "a cooking class, something italian": a language's name
    right beside a cooking word, or "something <name>" in a query about cooking, is a cuisine. A cook
    is often a person ("spanish for line cooks", "esl for cooks"), and food is often where the
    language is needed ("japanese for ordering food in tokyo"): only the name's neighbours count,
    and never after "learn"/"speak", before "for", or for English or sign language."""
    if service in _NEVER_A_CUISINE:
        return False
    tokens = [t.text for t in doc.tokens if t.is_word]
    words = set(tokens)
    for i, word in enumerate(tokens):
        if word not in phrase:
            continue
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before in _LEARNING_WORDS or after == "for" or after in _LESSON_WORDS:
            return False
        if after in _FOOD_AFTER or before in _COOK_BEFORE:
            return True
        if before == "something" and words & _COOKING_WORDS:
            return True
    return False


_NEVER_A_CUISINE = frozenset({"english", "english-esl-efl", "sign-language"})
_FOOD_AFTER = frozenset("food foods cuisine cuisines dish dishes cooking recipe recipes meal meals".split())
_COOK_BEFORE = frozenset("cook cooking make making".split())
_COOKING_WORDS = frozenset("cook cooking cuisine cuisines recipe recipes".split())
_LEARNING_WORDS = frozenset("learn learning speak speaking study studying practice practise".split())


# Words of English as a school subject: "AP english", "english literature", "english essay".
_SCHOOL_ENGLISH = frozenset(
    ("ap", "literature", "lit", "essay", "essays", "grade", "grader", "regents", "exam", "homework", "memoir", "novel")
)


def _parse(query: str, today: date) -> dict[str, Any]:
    return _pipeline(query, today)[0]


def _pipeline(query: str, today: date) -> tuple[dict[str, Any], GoalReading]:
    out = empty(query)
    out["_age_audience"] = None
    out["_phrase_audience"] = None
    doc = Doc(query)
    english = spanish.to_english(doc.s)
    if english is not None:
        doc = Doc(english)  # a Spanish query is read through its English glossary (nls/spanish.py)
    lex = get_lexicon()

    people.extract_ages(doc, out)
    geo.extract(doc, out)
    misc.extract(doc, out)
    when.extract(doc, out, today)
    price.extract(doc, out)

    hits = match(doc, lex)
    fuzzy = fuzzy_match(doc, lex, FILLER, shorthand=not any(kind == "service" for kind, _, _ in hits))
    hits += fuzzy
    hits.sort(key=lambda h: h[2][0])

    svc: list[tuple[str, Any, list[str]]] = []
    places: list[tuple[str, Any]] = []
    formats: list[str] = []
    word_audience = None
    family_words: list[int] = []
    for kind, value, idx in hits:
        if kind in ("service", "family"):
            svc.append((kind, value, [doc.tokens[i].text for i in idx]))
            if kind == "family":
                family_words.extend(idx)
        elif kind in ("place", "ambig", "noloc"):
            places.append((kind, value))
            if kind != "noloc" and len(places) == 1 and geo.near_before(doc, doc.tokens[idx[0]].start):
                out["nearby"] = True  # "near park slope", "close to astoria"
                geo.claim_near(doc, doc.tokens[idx[0]].start)
        elif kind == "level":
            if out["level"] is None:
                out["level"] = value
        elif kind == "audience":
            if word_audience is None:
                word_audience = value
        elif kind == "format":
            formats.append(value)
        elif kind == "near_me":
            out["near_me"] = True
        elif kind == "urgency":
            if out["urgency"] is None:
                out["urgency"] = value
        elif kind == "intent":
            if out["price_intent"] is None:
                out["price_intent"] = value

    service.resolve(svc, lex, out)
    place.resolve(places, lex, out)
    if out["location"] is None and english is None:
        _staten_island_shorthand(doc, out)
    place_tokens = {i for kind, _, idx in hits if kind in ("place", "ambig") for i in idx}
    _last_word_day(doc, out, place_tokens, today)
    # A ZIP or a landmark fills the place when no neighborhood or borough is named.
    zip_location, landmark_borough = out.pop("_zip_location", None), out.pop("_landmark_borough", None)
    if out["location"] is None and zip_location:
        out["location"] = zip_location
    elif out["location"] is None and landmark_borough:
        out["location"] = {"borough": landmark_borough, "neighborhood": None}
    if out["service"] is None:
        # "painting", "martial arts": the category alone loses what the student meant, so the
        # family word also stays in `text` for retrieval.
        for i in family_words:
            doc.claimed[i] = False

    if not out.pop("_format_either", False) and formats:
        out["format"] = formats[0] if len(set(formats)) == 1 else None

    age_aud = people.audience_for_age(out["age"]) if out["age"] is not None else None
    out["audience"] = age_aud or out["_age_audience"] or word_audience or out["_phrase_audience"]
    del out["_age_audience"], out["_phrase_audience"]

    phrase = next((words for kind, value, words in svc if kind == "service" and value == out["service"]), [])
    stands = len([w for w in phrase if w not in _LESSON_WORDS]) >= 2
    if out["service"] == "english" and _learns_english_as_new_language(doc, out):
        out["service"] = "english-esl-efl"
        out["category"] = lex.service_category.get("english-esl-efl")
        stands = True
    elif out["category"] == "languages" and _names_a_cuisine(doc, phrase, out["service"]):
        out["service"], out["category"] = "cuisines", lex.service_category.get("cuisines")
        stands = True
        for i, token in enumerate(doc.tokens):  # "korean" stays in the text: which cuisine
            if token.text in phrase:
                doc.claimed[i] = False

    # an explicit price beats a vague one (the vague word stays consumed)
    if out["price_min"] is not None or out["price_max"] is not None:
        out["price_intent"] = None

    words = [t.text for i, t in enumerate(doc.tokens) if not doc.claimed[i] and t.is_word and t.text not in FILLER]
    out["text"] = " ".join(words)
    typo = any(kind == "service" and value == out["service"] for kind, value, _ in fuzzy)
    hood = (out["location"] or {}).get("neighborhood")
    others = tuple(
        dict.fromkeys(value[1] for kind, value in places if kind == "place" and value[1] and value[1] != hood)
    )
    goal = GoalReading(typo or stands, english, others if hood else ())
    return {k: out[k] for k in FIELDS}, goal
