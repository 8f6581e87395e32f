"""Lexicons built once from the fixture files.

One phrase table maps a tuple of normalised words to ``(kind, value)``:

- ``service``  -> service slug (catalog names, slugs, synonyms.json)
- ``family``   -> category slug (category names, subcategory names that are not
  services, synonyms.json "families")
- ``place``    -> ``(borough, neighborhood)`` ; ``ambig`` -> candidate slugs;
  ``noloc`` -> None ("nyc", "new york")
- simple word classes registered by the field modules (level, audience,
  price intent, urgency, near_me, format).

The first registration of a phrase wins, so registration order is priority.
Matching is greedy longest-match, left to right, over unclaimed word runs.
Fuzzy matching (rapidfuzz OSA distance) runs only over leftover unclaimed
words that are not already English (nls/english.py: symspellpy's and wordfreq's
word lists), against a length-bucketed choice list. Between equally close
candidates the more common word wins, then the one closer on the keyboard.
"""

from __future__ import annotations

import json
import math
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from . import misc, people
from .english import English, get_english

_ROOT = Path(os.environ.get("NLS_FIXTURES", Path(__file__).resolve().parent.parent / "data" / "fixtures"))

_WORD_RE = re.compile(r"[a-z]+|\d+(?:\.\d+)?")

# words never fuzzy-matched (common English + query filler); exact matches still apply
COMMON_WORDS = frozenset(
    """
a about above after again against all also am an and any anyone anything anywhere are around as at
available away back be because been before being below best better between big book booking both
but by can cant class classes close coach coaching come could day days did do does doing done dont
each early easy even every few find first for free friend friendly from fun get give go going good
great group had has have help her here high him his home hour hours house how i if im in into is it
its just kid kids know last learn learning least less lesson lessons let like little live local
long look looking lot love make many may me more most much must my near need needs new next nice
no not now of off old on once one only or other our out over own patient people person place please
private real really right same school see session sessions she should show since small so some
someone something soon start starting still such take taught teach teacher teachers teaching than
that the their them then there these they thing things think this those time times to today
tomorrow too try two under until up us use very want wants was way we week weekly well were what
when where which while who why will with within without work would year years yes yet you young
your yours
hello thanks thank person people patient private group groups fluent native certified
experienced experience qualified professional licensed recommended reviews review
family families parent parents mother father daughter son sons daughters brother sister
children child toddler toddlers teenager teenagers adult adults senior seniors beginner
beginners advanced expert intermediate weekend weekends monday tuesday wednesday thursday
friday saturday sunday morning mornings afternoon afternoons evening evenings night nights
tonight chest cheese glass grass class classy clash place plate there three where whose
price prices priced cheap cheaper budget money dollar dollars hourly minute minutes
online remote virtual near nearby close closer area areas around street avenue block
office apartment building studio studios center centre space spaces room rooms
something anything everything nothing within without another others other
improve improving improved improvement practice practicing practise prepare preparing perform
performing performance recital concert skills skill technique techniques lessen listen stance
colour color collar dollar mother sister water later letter better bitter batter matter
summer winter spring camp camps studio gym library church community town city local
""".split()
)


# QWERTY key centres (row offsets as on a real keyboard), for "closer on the keyboard"
_KEYS: dict[str, tuple[float, float]] = {
    ch: (x + off, float(y))
    for y, (row, off) in enumerate((("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75)))
    for x, ch in enumerate(row)
}


def keyboard_cost(typed: str, candidate: str) -> float:
    """Sum of key distances over the substitutions that turn `typed` into `candidate`
    (an inserted or dropped letter costs 1): "violn" -> "violin" (an i dropped) costs
    1, "violn" -> "viola" (n for a, a whole row apart) costs ~5."""
    cost = 0.0
    for op, i, j in Levenshtein.editops(typed, candidate):
        if op != "replace":
            cost += 1.0
            continue
        a, b = _KEYS.get(typed[int(i)]), _KEYS.get(candidate[int(j)])
        cost += math.dist(a, b) if a and b else 2.0
    return cost


def _words(phrase: str) -> tuple[str, ...]:
    s = phrase.lower().replace("'", "").replace("\u2019", "")
    return tuple(_WORD_RE.findall(s))


class Lexicon:
    def __init__(self) -> None:
        self.table: dict[tuple[str, ...], tuple[str, Any]] = {}
        self.service_category: dict[str, str] = {}
        self.service_name: dict[str, str] = {}
        self.category_slugs: list[str] = []
        self.neighborhood_borough: dict[str, str] = {}
        self.boroughs: list[str] = []
        self.max_len = 1
        self.english: English = get_english()
        self._build()
        self._build_fuzzy()

    # -- registration ---------------------------------------------------------
    def add(self, phrase: str, kind: str, value: Any) -> None:
        key = _words(phrase)
        if not key:
            return
        if key not in self.table:
            self.table[key] = (kind, value)
            if len(key) > self.max_len:
                self.max_len = len(key)

    def _build(self) -> None:
        catalog = json.loads((_ROOT / "catalog.json").read_text())
        places = json.loads((_ROOT / "nyc_locations.json").read_text())
        try:
            synonyms = json.loads((_ROOT / "synonyms.json").read_text())
        except (OSError, ValueError):  # pragma: no cover - the file ships with nls
            synonyms = {"services": {}, "families": {}}

        # 1. fixed word classes from the field modules (multi-word phrases such as
        #    "from scratch" must beat a service word inside them)
        for kind, mapping in (*misc.LEXICON_WORDS, *people.LEXICON_WORDS):
            for phrase, value in mapping.items():
                self.add(phrase, kind, value)

        # 2. no-location words
        for phrase in (
            "nyc",
            "new york",
            "new york city",
            "new york ny",
            "ny",
            "anywhere",
            "the city",
            "manhattan ny",
            "anywhere in nyc",
            "nyc area",
            "tri state",
            "tristate",
            "any borough",
            "all boroughs",
        ):
            self.add(phrase, "noloc", None)

        # 3. services: names, slugs, synonyms, plurals
        subcat_names: list[tuple[str, str]] = []
        for cat in catalog["categories"]:
            cslug = cat["slug"]
            self.category_slugs.append(cslug)
            for sub in cat["subcategories"]:
                subcat_names.append((sub["name"], cslug))
                for svc in sub["services"]:
                    self.service_category[svc["slug"]] = cslug
                    self.service_name[svc["slug"]] = svc["name"]
        for slug, name in self.service_name.items():
            self.add(name, "service", slug)
            self.add(name.replace("&", "and"), "service", slug)
            self.add(slug.replace("-", " "), "service", slug)
            key = _words(name)
            if len(key) == 1 and not key[0].endswith("s"):
                self.add(key[0] + "s", "service", slug)
        for slug, syns in synonyms.get("services", {}).items():
            if slug not in self.service_category:
                continue
            for phrase in syns:
                self.add(phrase, "service", slug)

        # 4. families: synonyms, category names, subcategory names that are not services
        for cslug, words in synonyms.get("families", {}).items():
            if cslug not in self.category_slugs:
                continue
            for phrase in words:
                self.add(phrase, "family", cslug)
        for cat in catalog["categories"]:
            self.add(cat["name"], "family", cat["slug"])
            self.add(cat["name"].replace("&", "and"), "family", cat["slug"])
            self.add(cat["slug"], "family", cat["slug"])
        for name, cslug in subcat_names:
            self.add(name, "family", cslug)
            self.add(name.replace("&", "and"), "family", cslug)

        # 5. places
        self._build_places(places)

    def _build_places(self, places: dict[str, Any]) -> None:
        for b in places["boroughs"]:
            self.boroughs.append(b["slug"])
            self.add(b["name"], "place", (b["slug"], None))
            self.add(b["slug"].replace("-", " "), "place", (b["slug"], None))
        borough_extra = {
            "the bronx": "bronx",
            "bronx ny": "bronx",
            "south bronx": "bronx",
            "north bronx": "bronx",
            "lower manhattan": "manhattan",
            "upper manhattan": "manhattan",
            "downtown manhattan": "manhattan",
            "midtown manhattan": "midtown",
            "north brooklyn": "brooklyn",
            "south brooklyn": "brooklyn",
            "brooklyn ny": "brooklyn",
            "queens ny": "queens",
            "staten": "staten-island",
            "spanish harlem": "east-harlem",
        }
        for n in places["neighborhoods"]:
            self.neighborhood_borough[n["slug"]] = n["borough"]
        for alias in places.get("aliases", []):
            if "neighborhood" in alias and alias["neighborhood"] in self.neighborhood_borough:
                nb = alias["neighborhood"]
                self.add(alias["alias"], "place", (self.neighborhood_borough[nb], nb))
            elif "borough" in alias:
                self.add(alias["alias"], "place", (alias["borough"], None))
        for amb in places.get("ambiguous_aliases", []):
            cands = [c for c in amb.get("candidates", []) if c in self.neighborhood_borough]
            if cands:
                self.add(amb["alias"], "ambig", tuple(cands))
        for phrase, b in borough_extra.items():
            if b == "midtown":
                self.add(phrase, "place", ("manhattan", "midtown"))
            elif b == "east-harlem":
                self.add(phrase, "place", ("manhattan", "east-harlem"))
            elif b:
                self.add(phrase, "place", (b, None))
        hoods = places["neighborhoods"]
        # full names, slugs, then parts of "A / B" names, then NTA names and parts
        for n in hoods:
            val = (n["borough"], n["slug"])
            name = n["name"]
            self.add(name, "place", val)
            self.add(n["slug"].replace("-", " "), "place", val)
        # name parts that are everyday words or people's names are not read alone
        skip = {
            ("travis",),
            ("rugby",),
            ("steinway",),
            ("country", "club"),
            ("utopia",),
            ("woodrow",),
            ("arlington",),
            ("clifton",),
            ("charleston",),
            ("madison",),
            ("fox", "hills"),
            ("remsen", "village"),
            ("city", "line"),
            ("new", "lots"),
            ("stuyvesant",),
            ("bedford",),
            ("co",),
            ("op", "city"),
        }
        for n in hoods:
            val = (n["borough"], n["slug"])
            for part in n["name"].split("/"):
                if _words(part) in skip:
                    continue
                self.add(part, "place", val)
                self.add(part.replace("St.", "Saint"), "place", val)
        for n in hoods:
            val = (n["borough"], n["slug"])
            for nta in n.get("ntas", []):
                clean = re.sub(r"\(.*?\)", "", nta).replace("Co-op", "Co op")
                for part in [clean, *clean.split("-")]:
                    if _words(part) in skip:
                        continue
                    self.add(part, "place", val)
                    self.add(part.replace("St.", "Saint"), "place", val)
        # non-residential areas (parks, cemeteries, airports): the borough only
        boro_by_name = {b["name"].lower(): b["slug"] for b in places["boroughs"]}
        nonres: dict[tuple[str, ...], set[str]] = {}
        for area in places.get("non_residential_areas", []):
            b = boro_by_name.get(str(area.get("borough", "")).lower())
            if not b:
                continue
            clean = re.sub(r"\(.*?\)", "", area.get("nta", ""))
            for part in {clean, *clean.split("-")}:
                key = _words(part)
                if len(key) >= 2 or (key and key[0] not in COMMON_WORDS and len(key[0]) > 5):
                    nonres.setdefault(key, set()).add(b)
        for key, bs in nonres.items():
            if len(bs) == 1 and key not in self.table:
                self.add(" ".join(key), "place", (next(iter(bs)), None))

    # -- fuzzy ----------------------------------------------------------------
    def _build_fuzzy(self) -> None:
        buckets: dict[int, list[str]] = {}
        self._fuzzy_value: dict[str, tuple[str, Any]] = {}
        self._fuzzy_zipf: dict[str, float] = {}
        for key, val in self.table.items():
            if val[0] not in ("service", "family", "place", "ambig", "level", "format"):
                continue
            joined = " ".join(key)
            if len(joined) < 5 or any(ch.isdigit() for ch in joined):
                continue
            self._fuzzy_value[joined] = val
            self._fuzzy_zipf[joined] = self.english.phrase_zipf(joined)
            buckets.setdefault(len(joined), []).append(joined)
        self._buckets = buckets
        # Four-letter service words ("yoga", "judo", "harp"): a four-letter slip is read only as two
        # swapped keys of one of them, or as a five-letter service word missing a letter ("voic").
        self._short = {
            key[0]: val
            for key, val in self.table.items()
            if val[0] in SHORT_KINDS and len(key) == 1 and len(key[0]) == 4
        }
        self.vocab = frozenset(w for key in self.table for w in key)
        # One-word service names an abbreviation can stand for ("pno" for piano, "vln" for violin).
        # Only a service's own one-word name, not its synonyms ("workouts", "marathon").
        self._abbreviable = [
            (key[0], val)
            for key, val in self.table.items()
            if val[0] == "service" and len(key) == 1 and key[0] == val[1] and 5 <= len(key[0]) <= 8
        ]

    @lru_cache(maxsize=4096)  # noqa: B019 - one lexicon per process: the cache lives as long as it does
    def fuzzy(self, phrase: str) -> tuple[str, tuple[str, Any]] | None:
        """Closest lexicon phrase within the allowed edit distance, or None.

        5-6 letters: one edit (a transposition counts as one); 7+: two edits.
        Places need a closer match (one edit, 6+ letters). Two edits also need the
        same first letter. Among the closest candidates the more common word wins,
        then the smaller keyboard distance ("violn" -> violin, not viola)."""
        n = len(phrase)
        if n == SHORT_TYPO:
            return self._short_fuzzy(phrase)
        if n < 5:
            return None
        limit = 1 if n <= 6 else 2
        choices: list[str] = []
        for length in range(n - limit, n + limit + 1):
            choices.extend(self._buckets.get(length, ()))
        if not choices:
            return None
        closest: list[str] = []
        best_dist = limit + 1
        for choice, dist, _ in process.extract(phrase, choices, scorer=OSA.distance, score_cutoff=limit, limit=None):
            val = self._fuzzy_value[choice]
            if val[0] in ("place", "ambig") and (dist > 1 or n < 6):
                continue
            if choice[0] != phrase[0] and dist > 1:
                continue
            if dist < best_dist:
                best_dist, closest = dist, [choice]
            elif dist == best_dist:
                closest.append(choice)
        if not closest:
            return None
        choice = closest[0] if len(closest) == 1 else self._tie_break(phrase, closest)
        return choice, self._fuzzy_value[choice]

    def abbreviation(self, word: str) -> tuple[str, tuple[str, Any]] | None:
        """A three-letter shorthand that is no English word: the service whose name starts with its
        first letter, ends with its last and holds its letters in order, when exactly one service
        does ("pno" -> piano, "vln" -> violin, "gtr" -> guitar; "grp" and "mtn" name nothing). Like
        texting shorthand it keeps the consonants: at most one vowel."""
        if sum(ch in "aeiou" for ch in word) > 1:
            return None
        found = {
            val: name
            for name, val in self._abbreviable
            if name[0] == word[0] and name[-1] == word[-1] and _in_order(word, name)
        }
        if len(found) != 1:
            return None
        val, name = next(iter(found.items()))
        return name, val

    def _short_fuzzy(self, phrase: str) -> tuple[str, tuple[str, Any]] | None:
        """A four-letter slip: too short for any one edit (most four-letter strings are one edit from
        some word), so only the two likeliest slips count, and only toward a service: a dropped
        letter of a five-letter service word ("voic" for voice, "pian" for piano) or two swapped
        keys of a four-letter one ("yoag" for yoga). Same first letter, one reading or none."""
        found: dict[str, tuple[str, Any]] = {}
        for choice in self._buckets.get(SHORT_TYPO + 1, ()):
            val = self._fuzzy_value[choice]
            if val[0] in SHORT_KINDS and choice[0] == phrase[0] and _drops_one(choice, phrase):
                found[choice] = val
        for choice, val in self._short.items():
            if choice[0] == phrase[0] and _swaps_two(choice, phrase):
                found[choice] = val
        if len(set(found.values())) != 1:
            return None
        choice = min(found)
        return choice, found[choice]

    def _tie_break(self, phrase: str, closest: list[str]) -> str:
        """Equally close candidates: a clearly more common word (10x, one Zipf step)
        wins; among words about as common, the one closer on the keyboard, then the
        more common. "violn": violin and viola are both one edit away and about as
        common (3.7, 3.5), the dropped i is the likelier slip -> violin. "paino": paint
        (4.5) is a little more common than piano (4.3), but a swapped pair of keys
        is a likelier slip than o for t -> piano."""
        zipf = self._fuzzy_zipf
        top = max(zipf[c] for c in closest)
        near = [c for c in closest if zipf[c] >= top - 1.0]
        return min(near, key=lambda c: (keyboard_cost(phrase, c), -zipf[c], c))


SHORT_TYPO = 4  # letters in a word whose slips are read only in the two likeliest ways
SHORT_KINDS = ("service", "family")


ABBREVIATION_LETTERS = 3  # a word this long may be a shorthand of a service name (Lexicon.abbreviation)


def _in_order(letters: str, word: str) -> bool:
    rest = iter(word)
    return all(ch in rest for ch in letters)


def _drops_one(word: str, typed: str) -> bool:
    """`typed` is `word` with one letter left out."""
    return len(word) == len(typed) + 1 and any(word[:i] + word[i + 1 :] == typed for i in range(len(word)))


def _swaps_two(word: str, typed: str) -> bool:
    """`typed` is `word` with two neighbouring letters swapped."""
    return len(word) == len(typed) and any(
        word[:i] + word[i + 1] + word[i] + word[i + 2 :] == typed for i in range(len(word) - 1)
    )


_LEXICON: Lexicon | None = None


def get_lexicon() -> Lexicon:
    global _LEXICON
    if _LEXICON is None:
        _LEXICON = Lexicon()
    return _LEXICON


# A service word followed by one of these is a phrasal verb, not the lesson: "running around with
# other kids", "we're running late", "ran out of ideas", "run errands".
PHRASAL_VERBS = dict.fromkeys(("run", "running", "ran"), frozenset({"around", "late", "out", "errands", "into"}))


def match(doc: Any, lex: Lexicon) -> list[tuple[str, Any, list[int]]]:
    """Greedy longest exact matches over unclaimed word runs; claims them."""
    out: list[tuple[str, Any, list[int]]] = []
    table = lex.table
    max_len = lex.max_len
    for run in doc.free_word_runs():
        words = [doc.tokens[i].text for i in run]
        i = 0
        n = len(words)
        while i < n:
            hit = None
            for L in range(min(max_len, n - i), 0, -1):
                v = table.get(tuple(words[i : i + L]))
                if v is not None:
                    hit = (L, v)
                    break
            if hit is None:
                i += 1
                continue
            L, (kind, value) = hit
            if L == 1 and i + 1 < n and words[i + 1] in PHRASAL_VERBS.get(words[i], ()):
                i += 2
                continue
            idx = run[i : i + L]
            doc.claim_tokens(idx[0], idx[-1] + 1)
            out.append((kind, value, idx))
            i += L
    return out


def _inflected(word: str, english: Any) -> bool:
    return len(word) > 3 and word.endswith("s") and word[:-1] in english


def fuzzy_match(
    doc: Any, lex: Lexicon, skip: frozenset[str], budget: int = 24, shorthand: bool = True
) -> list[tuple[str, Any, list[int]]]:
    """Typo-tolerant matches for leftover words (bigrams first, then single words); three-letter
    shorthands only when `shorthand` (the query names no service in full)."""
    out: list[tuple[str, Any, list[int]]] = []
    vocab = lex.vocab
    english = lex.english
    for run in doc.free_word_runs():
        i = 0
        n = len(run)
        while i < n and budget > 0:
            tok = doc.tokens[run[i]]
            w = tok.text
            # a word that is already English is what the student meant, never a typo
            # ... and so is a plural or a possessive that lost its apostrophe ("wife's" -> "wifes")
            if (
                not w.isalpha()
                or w in skip
                or w in COMMON_WORDS
                or w in vocab
                or w in english
                or _inflected(w, english)
            ):
                i += 1
                continue
            if i + 1 < n:
                w2 = doc.tokens[run[i + 1]].text
                if w2.isalpha() and w2 not in skip:
                    budget -= 1
                    hit = lex.fuzzy(w + " " + w2)
                    if hit is not None and " " in hit[0]:
                        doc.claim_tokens(run[i], run[i + 1] + 1)
                        out.append((hit[1][0], hit[1][1], [run[i], run[i + 1]]))
                        i += 2
                        continue
            if len(w) >= SHORT_TYPO or (shorthand and len(w) == ABBREVIATION_LETTERS):
                budget -= 1
                hit = lex.fuzzy(w) if len(w) >= SHORT_TYPO else lex.abbreviation(w)
                if hit is not None:
                    doc.claim_tokens(run[i], run[i] + 1)
                    out.append((hit[1][0], hit[1][1], [run[i]]))
            i += 1
    return out
