"""Age, audience and level.

Age phrases run first of all extractors: "8 year old" is an age and never a
price, and "under 10" right after a kid word is an age phrase.
"""

from __future__ import annotations

import re
from typing import Any

from .tokens import NUM_WORD_RE, Doc, to_number

AUDIENCE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "kids",
            "kid",
            "children",
            "child",
            "childrens",
            "my son",
            "my daughter",
            "my kid",
            "my kids",
            "my child",
            "my children",
            "son",
            "daughter",
            "sons",
            "daughters",
            "toddler",
            "toddlers",
            "preschooler",
            "preschoolers",
            "preschool",
            "pre k",
            "prek",
            "kindergarten",
            "kindergartener",
            "kindergartner",
            "little ones",
            "little one",
            "my little one",
            "baby",
            "babies",
            "infant",
            "infants",
            "elementary school",
            "elementary schooler",
            "elementary schoolers",
            "elementary student",
            "elementary students",
            "grade school",
            "grade schooler",
            "grade schoolers",
            "my boy",
            "my girl",
            "little boy",
            "little girl",
            "tweens",
            "tween",
            "youngsters",
            "kiddos",
            "kiddo",
            "my twins",
            "twins",
            "my grandson",
            "my granddaughter",
            "grandkids",
            "grandchildren",
            "my nephew",
            "my niece",
            "newborn",
            "newborns",
            "for littles",
            "littles",
            "little kids",
            "young kids",
            "young children",
            "kids class",
            "kids classes",
        ),
        "kids",
    ),
    **dict.fromkeys(
        (
            "teens",
            "teen",
            "teenager",
            "teenagers",
            "teenage",
            "my teen",
            "my teenager",
            "high schooler",
            "high schoolers",
            "high school student",
            "high school students",
            "high school",
            "highschool",
            "highschooler",
            "adolescent",
            "adolescents",
            "teen aged",
            "teenaged",
            "young adults",
        ),
        "teens",
    ),
    **dict.fromkeys(
        (
            "adults",
            "adult",
            "grown ups",
            "grownups",
            "grown up",
            "grownup",
            "seniors",
            "senior",
            "senior citizen",
            "senior citizens",
            "older adults",
            "older adult",
            "retirees",
            "retiree",
            "retired",
            "elderly",
            "college student",
            "college students",
            "adults only",
            "for adults",
            "adult learner",
            "adult learners",
            "grown-ups",
        ),
        "adults",
    ),
}
LEVEL_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "beginner",
            "beginners",
            "beginning",
            "beginner level",
            "newbie",
            "newbies",
            "novice",
            "novices",
            "first time",
            "first timer",
            "first timers",
            "firsttime",
            "never played",
            "never done",
            "never tried",
            "never taken",
            "from scratch",
            "just starting",
            "just started",
            "just starting out",
            "starting out",
            "starter",
            "intro",
            "introductory",
            "introduction",
            "intro level",
            "basics",
            "the basics",
            "basic",
            "entry level",
            "complete beginner",
            "total beginner",
            "absolute beginner",
            "absolute beginners",
            "no experience",
            "zero experience",
            "beginer",
            "begginer",
            "beginnner",
            "learn from zero",
            "level 1",
            "level one",
            "fundamentals",
            # What new learners say instead of "beginner": never having done it, a wish held for
            # years, not a word of the language.
            "never learned",
            "never learnt",
            "never learning",
            "never sung",
            "never danced",
            "never skated",
            "never skied",
            "never swam",
            "never ridden",
            "never painted",
            "never drawn",
            "never cooked",
            "never coded",
            "never boxed",
            "never golfed",
            "never sewn",
            "always wanted to",
            "always dreamed of",
            "too late to start",
            "is it too late",
            "two left feet",
            "dont speak a word",
            "don't speak a word",
            "do not speak a word",
            "cant speak a word",
            "can't speak a word",
            "not a word of",
            "all i can say is",
        ),
        "beginner",
    ),
    **dict.fromkeys(
        (
            "intermediate",
            "some experience",
            "improver",
            "improvers",
            "mid level",
            "middle level",
            "intermediate level",
            "intermediates",
            "a bit of experience",
            "little experience",
            "level 2",
            "level two",
        ),
        "intermediate",
    ),
    **dict.fromkeys(
        (
            "advanced",
            "expert",
            "experts",
            "pro level",
            "professional level",
            "audition prep",
            "audition",
            "auditions",
            "conservatory",
            "conservatory prep",
            "advanced level",
            "pre professional",
            "preprofessional",
            "competition level",
            "competitive level",
            "master level",
            "mastery",
            "level 3",
            "level three",
        ),
        "advanced",
    ),
}
LEXICON_WORDS: list[tuple[str, dict[str, Any]]] = [("level", LEVEL_WORDS), ("audience", AUDIENCE_WORDS)]

KID_NOUNS = r"(?:kids?|children|child|toddlers?|boys?|girls?|sons?|daughters?|students?|teens?|teenagers?|adults?|seniors?|learners?|players?|ones|people|ages?)"
_N = rf"(?:\d{{1,2}}|{NUM_WORD_RE})"
_YO = r"(?:years?|yrs?|yr)\s*-?\s*olds?|y\s*/\s*o|y\.o\.?|yo|yos"


def audience_for_age(age: float) -> str | None:
    if age < 0 or age > 120:
        return None
    if age < 13:
        return "kids"
    if age < 18:
        return "teens"
    return "adults"


def _range_audience(a: float, b: float) -> str | None:
    x, y = audience_for_age(min(a, b)), audience_for_age(max(a, b))
    return x if x == y else None


_AGE_RANGE = re.compile(
    rf"\b(?:ages?\s+|aged\s+)?(?P<a>{_N})\s*(?:-|to|and|&|or)\s*(?P<b>{_N})\s*-?\s*(?:{_YO})\b|\b(?:ages?|aged)\s*:?\s*(?P<c>{_N})\s*(?:-|to|and|&)\s*(?P<d>{_N})\b"
)
_AGE_SINGLE = [
    re.compile(rf"\b(?P<n>{_N})\s*-?\s*(?:{_YO})\b"),
    re.compile(rf"\b(?P<n>{_N})\s+(?:years?|yrs?)\s+of\s+age\b"),
    re.compile(
        rf"\b(?:age|aged)\s*:?\s*(?P<n>{_N})\b(?!\s*(?:\+|and\s+(?:up|under|over|older|younger|below|above)|or\s+(?:older|younger|under|over)|-|to\b))"
    ),
]
# "ballet at 35?", "learning guitar at 60": a number after "at" that no clock shows is an age.
_AT_AGE = re.compile(
    r"\bat\s+(?P<n>2[5-9]|[3-9]\d)\b(?!\s*(?:[:.$%/-]|th\b|st\b|nd\b|rd\b|street|ave|avenue|dollars|bucks|per\b|an?\s+hour"
    r"|hourly|minutes?|mins?|hours?|hrs?|stars?|percent|people|students|degrees|am\b|pm\b))"
)
_AGE_OPEN = re.compile(
    rf"\b(?:ages?|aged)\s*:?\s*(?P<n>{_N})\s*(?P<dir>\+|and\s+(?:up|over|older|above)|or\s+older|and\s+(?:under|younger|below)|or\s+younger|or\s+under)"
)
_MONTHS_OLD = re.compile(rf"\b{_N}\s*-?\s*(?:months?|mos?)\s*-?\s*olds?\b")
_KID_THEN_NUM = re.compile(
    rf"\b(?P<w>{KID_NOUNS})\s+(?:(?:aged?|ages)\s+)?(?:(?P<dir>under|below|younger\s+than|less\s+than|up\s+to|over|above|older\s+than|<|>)\s*(?P<n>{_N})\b"
    rf"|(?P<a>{_N})\s*(?:-|to)\s*(?P<b>{_N})\b(?!\s*(?:am|pm|dollars|bucks|\$|/|:))"
    rf"|(?P<m>{_N})\s*(?P<dir2>\+|and\s+(?:up|under|over|older|younger|below)|or\s+(?:older|younger|under)))"
)
_KID_WORD = r"(?:son|daughter|kid|child|boy|girl|teen|teenager|toddler|grandson|granddaughter|nephew|niece)"
# what may follow a number that is not an age: a clock time, money, a count of something,
# a second number ("my kids, 5 and 7" states no one age)
_NOT_AGE_AFTER = (
    r"(?![\d:./$]|\s*(?:am\b|pm\b|a\.m|p\.m|\$|dollars?|bucks|usd|%|hours?|hrs?|h\b|minutes?"
    r"|mins?|stars?|days?|weeks?|months?|mos?\b|times|lessons?|sessions?|classes|students"
    r"|people|kids|feet|ft\b|foot|inch|inches|\+|(?:-|to|or|and|&)\s*\d))"
)
# "my son who is 9", "my son is 9", "my son, he is 9", "she's 7" ("she's" is "shes" once normalised)
_WHO_IS = re.compile(
    rf"\b(?:{_KID_WORD}\s+(?:who\s+is|whos|who\s+s|is|hes|shes)|(?:she|he)\s+is|shes|hes)\s+(?P<n>{_N})\b"
    + _NOT_AGE_AFTER
)
# "my daughter (15)", "my kid, 15", "my teenager, 14": an age set off after the kid word
_KID_AGE_ASIDE = re.compile(rf"\b{_KID_WORD}\s*(?:,\s*|\(\s*)(?P<n>\d{{1,2}})\b\s*\)?" + _NOT_AGE_AFTER)
_GRADE = re.compile(
    r"\b(?P<n>\d{1,2})(?:st|nd|rd|th)\s*-?\s*grade(?:rs?)?\b|\b(?P<k>kindergarten|first|second|third|fourth|fifth|sixth|ninth|tenth|eleventh|twelfth)\s+grade(?:rs?)?\b"
)
# A high-school class year said of a child: "my junior", "my freshman's grades", "my son is a senior".
# Not a rank at work or a year of college ("my junior developer", "my freshman year of college"), and
# not an older adult ("he's a senior citizen", "yoga for seniors").
_CLASS_END = r"(?=\s*(?:$|[,.!?;:)]|(?:is|has|needs|wants|who|in\s+high|just|keeps|got|and|but)\b))"
_CLASS_YEAR = re.compile(
    r"\b(?:my|our)\s+(?:high\s+school\s+)?(?:freshman|sophomore|junior)"
    rf"(?:s\b(?!\s+(?:year|class|developers?|associates?|analysts?|engineers?))|{_CLASS_END})"
    r"|\b(?:son|daughter|kid|child|boy|girl)(?:s|\s+is)\s+(?:a|an)\s+(?:high\s+school\s+)?"
    rf"(?:freshman|sophomore|junior|senior){_CLASS_END}"
)
_GATE = re.compile(rf"\d|\b(?:{NUM_WORD_RE})\b|grade|kindergarten|freshman|sophomore|junior|senior")
_GRADE_WORD = {
    "kindergarten": 0,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}
_WORD_AUD = {
    "kid": "kids",
    "kids": "kids",
    "children": "kids",
    "child": "kids",
    "toddler": "kids",
    "toddlers": "kids",
    "son": "kids",
    "sons": "kids",
    "daughter": "kids",
    "daughters": "kids",
    "teen": "teens",
    "teens": "teens",
    "teenager": "teens",
    "teenagers": "teens",
    "adult": "adults",
    "adults": "adults",
    "senior": "adults",
    "seniors": "adults",
}


def _set_age(out: dict[str, Any], n: float | None) -> bool:
    if n is None or n != int(n) or not (0 < n <= 99):
        return False
    if out["age"] is None:
        out["age"] = int(n)
    return True


def extract_ages(doc: Doc, out: dict[str, Any]) -> None:
    """Age phrases. Sets out['age'] and out['_age_audience'] (audience implied by
    an age phrase that is not itself a single age)."""
    if not _GATE.search(doc.s):
        return

    def aud(value: str | None) -> None:
        if value and out.get("_age_audience") is None:
            out["_age_audience"] = value

    for m in doc.finditer(_AGE_RANGE):
        a = to_number(m.group("a") or m.group("c") or "")
        b = to_number(m.group("b") or m.group("d") or "")
        if a is None or b is None:
            continue
        doc.claim(*m.span())
        aud(_range_audience(a, b))
    for m in doc.finditer(_KID_THEN_NUM):
        word = m.group("w")
        wa = _WORD_AUD.get(word)
        if m.group("n"):
            n = to_number(m.group("n"))
            if n is None:
                continue
            d = m.group("dir")
            if d in ("under", "below", "younger than", "less than", "up to", "<"):
                aud(wa or audience_for_age(max(n - 1, 0)))
            else:
                aud(wa or audience_for_age(n + 1))
        elif m.group("a"):
            a, b = to_number(m.group("a")), to_number(m.group("b"))
            if a is None or b is None or a > 99 or b > 99:
                continue
            aud(wa or _range_audience(a, b))
        else:
            n = to_number(m.group("m"))
            if n is None:
                continue
            aud(wa or audience_for_age(n))
        doc.claim(*m.span())
    for m in doc.finditer(_AGE_OPEN):
        n = to_number(m.group("n"))
        if n is None:
            continue
        doc.claim(*m.span())
        d = m.group("dir")
        if "under" in d or "younger" in d or "below" in d:
            aud(audience_for_age(max(n - 1, 0)))
        else:
            aud("adults" if n >= 18 else None)
    for pat in _AGE_SINGLE:
        if pat is _AGE_SINGLE[1] and "of age" not in doc.s:
            continue  # "8 years of age": skip the scan on the many inputs without it
        for m in doc.finditer(pat):
            if _set_age(out, to_number(m.group("n"))):
                doc.claim(*m.span())
    for m in doc.finditer(_AT_AGE):  # 25 and over: never a clock hour
        if _set_age(out, to_number(m.group("n"))):
            doc.claim(*m.span())
    for pat in (_WHO_IS, _KID_AGE_ASIDE):
        for m in doc.finditer(pat):
            if _set_age(out, to_number(m.group("n"))):
                # keep the kid word for the audience lexicon; claim the number part
                doc.claim(m.start("n"), m.end("n"))
    for m in doc.finditer(_MONTHS_OLD):
        doc.claim(*m.span())
        aud("kids")
    for m in doc.finditer(_GRADE):
        if m.group("n"):
            g = int(m.group("n"))
        else:
            g = _GRADE_WORD[m.group("k")]
        doc.claim(*m.span())
        if g <= 6:
            aud("kids")
        elif 8 <= g <= 12:  # an 8th grader is 13 or 14
            aud("teens")
    for m in doc.finditer(_CLASS_YEAR):
        doc.claim(*m.span())
        aud("teens")


# Who the learner is when the parse names no age group: the speaker ("i never learned to swim",
# "teach me to code"), or an adult they speak for ("my husband wants to learn to DJ"). Search uses it
# to rank teachers who take that age group first; it filters nothing, so it stays out of the
# contract object, where "for myself" reads as no audience.
_SELF_WORDS = frozenset(("i", "im", "i'm", "ive", "i've", "id", "i'd", "me", "myself", "wanna", "tryna"))
# A sentence that drops its "I": "want to host a dinner and actually cook", "need to get in shape".
_SELF_START = re.compile(
    r"\s*(?:gotta|(?:want(?:ing)?|need(?:ing)?|trying|looking|hoping|planning)\s+to|would\s+(?:like|love)\s+to)\b"
)
ADULT_RELATIVES = frozenset(
    (
        "husband",
        "wife",
        "boyfriend",
        "girlfriend",
        "fiance",
        "fiancee",
        "fiancé",
        "fiancée",
        "partner",
        "spouse",
        "mom",
        "mother",
        "dad",
        "father",
        "parents",
        "grandma",
        "grandpa",
        "grandmother",
        "grandfather",
        "roommate",
        "coworker",
        "coworkers",
        "colleague",
        "colleagues",
        "boss",
    )
)
_BABY_WORDS = frozenset(("toddler", "toddlers", "baby", "babies", "infant", "infants", "newborn", "newborns"))
_YOUNG_WORDS = frozenset(word for word, aud in AUDIENCE_WORDS.items() if aud in ("kids", "teens") and " " not in word)
TODDLER_MAX_AGE = 3  # a 4 year old goes to kids' classes too (a toddler class, or a kids' one)
# "me" in a place phrase says where, not who learns: "piano near me", "someone who comes to me"
_PLACE_ME = re.compile(r"\b(?:near|close\s+to|closest\s+to|around|by|next\s+to|nearby|to)\s+me\b")


def learner(query: str, parsed: dict[str, Any]) -> tuple[str, ...]:
    """Age groups whose teachers suit the learner better than the parsed audience says: ("adults",)
    when the parse read no audience and the speaker talks about themselves or an adult and about no
    child; ("toddler",) for a child of three or under, or a baby or toddler with no age; else ()."""
    words = re.findall(r"[a-zé']+", _PLACE_ME.sub(" ", query.lower()))
    age = parsed.get("age")
    if parsed.get("audience") == "kids":
        if (age is not None and age <= TODDLER_MAX_AGE) or (age is None and _BABY_WORDS.intersection(words)):
            return ("toddler",)
        return ()
    if parsed.get("audience") is not None or age is not None or _YOUNG_WORDS.intersection(words):
        return ()
    if _SELF_WORDS.intersection(words) or ADULT_RELATIVES.intersection(words) or _SELF_START.match(query.lower()):
        return ("adults",)
    return ()
