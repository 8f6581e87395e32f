"""Normalisation, tokens and span claiming.

A :class:`Doc` holds the normalised (lower-cased) query and its tokens. Every
extractor claims the tokens it reads, so that a word is read once: later
extractors only see unclaimed tokens. Regex extractors run over the normalised
string through :meth:`Doc.finditer`, which yields only matches whose tokens
are all still free.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from text_to_num import alpha2digit

MAX_CHARS = 1000  # longer input is truncated for extraction (real queries are far shorter; keeps p99 low)

_TOKEN_RE = re.compile(r"[a-z]+|\d+(?:\.\d+)?|[^\sa-z\d]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_APOS_RE = re.compile(r"(?<=[a-z])['\u2019`](?=[a-z])|(?<=[a-z]s)['\u2019`](?=\s|$)")
_ABBR_DOT_RE = re.compile(r"\b(st|mt|ft|dr|mr|mrs|ms|jr|ave|vs|prof)\.(?=\s*[a-z])")
_TRANS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\uff04": "$",
    }
)

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
NUM_WORD_RE = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))


# Texting spellings of day words, rewritten before anything else reads the text. "2morrow"
# would otherwise tokenize as "2" + "morrow" and be read as a number.
_TEXTING = {
    "2morrow": "tomorrow",
    "2moro": "tomorrow",
    "2morow": "tomorrow",
    "2mrw": "tomorrow",
    "tomoz": "tomorrow",
    "2day": "today",
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "nite": "night",
    "nites": "nights",
    "wknd": "weekend",
    "wkend": "weekend",
    "wknds": "weekends",
    "wkends": "weekends",
    "wkday": "weekday",
    "wkdays": "weekdays",
    # street-sign shorthand in place names: "crown hts", "jackson hgts", "kew gdns"
    "hts": "heights",
    "hgts": "heights",
    "gdns": "gardens",
}
_TEXTING_RE = re.compile(r"\b(?:" + "|".join(_TEXTING) + r")\b")

# Number words -> digits with text2num's alpha2digit ("forty five minute" -> "45 minute",
# "a hundred bucks" -> "a 100 bucks", "april third" -> "april 3rd"). Its default threshold
# leaves an isolated one, two, three, first, second, third as words, which is what keeps
# "one on one", "a second opinion", "first lesson" and "second language" number-free
# (the extractors still read an isolated "two hour" or "one hour" through NUMBER_WORDS).
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_NUMWORD = (
    rf"zero|{_UNITS}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen"
    r"|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
)
_ORDWORD = (
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth"
    r"|twentieth|thirtieth"
)
_NUM_GATE = re.compile(rf"\b(?:{_NUMWORD}|{_ORDWORD})\b")
# alpha2digit reads a hyphen as the end of a number: "forty five-minute" -> "40 five-minute",
# "ten-thirty" -> "ten-thirty". A hyphen after a number word and before a unit or another
# number word is a space for reading purposes. "one-on-one" and "five-star" keep theirs.
_NUM_HYPHEN = re.compile(
    rf"\b({_NUMWORD})-(?=(?:{_NUMWORD}|years?|yrs?|yr|minutes?|mins?|min|hours?|hrs?|hr|days?"
    r"|weeks?|months?|dollars?|bucks)\b)"
)


def spell_digits(s: str) -> str:
    """Number words to digits (see above). Never raises: on any library error the
    text is returned as it was."""
    if not _NUM_GATE.search(s):
        return s
    if "-" in s:
        s = _NUM_HYPHEN.sub(r"\1 ", s)
    try:
        out = alpha2digit(s, "en")
    except Exception:  # pragma: no cover - a library bug must not break the parse
        return s
    return out if isinstance(out, str) else s


def to_number(s: str) -> float | None:
    s = s.strip()
    if not s:
        return None
    if s in NUMBER_WORDS:
        return float(NUMBER_WORDS[s])
    try:
        return float(s)
    except ValueError:
        return None


def normalize(text: str) -> str:
    """Lower-case, fold accents and typographic punctuation, drop control chars
    and intra-word apostrophes ("hell's" -> "hells"), spell out texting day words
    ("2morrow") and turn number words into digits."""
    s = text[:MAX_CHARS].translate(_TRANS)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _CONTROL_RE.sub(" ", s.lower())
    s = _APOS_RE.sub("", s)
    if "." in s:
        s = _ABBR_DOT_RE.sub(r"\1", s)
    s = _TEXTING_RE.sub(lambda m: _TEXTING[m.group()], s)
    return spell_digits(s)


class Token:
    __slots__ = ("text", "start", "end", "is_word")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.is_word = text[0].isalnum()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Token({self.text!r}, {self.start}, {self.end})"


class Doc:
    """Normalised text + tokens + claimed flags."""

    __slots__ = ("s", "tokens", "claimed", "_char_tok")

    def __init__(self, text: str) -> None:
        self.s = normalize(text)
        self.tokens = [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(self.s)]
        self.claimed = [False] * len(self.tokens)
        # char offset -> token index (or -1 for whitespace)
        ct = [-1] * (len(self.s) + 1)
        for i, t in enumerate(self.tokens):
            for c in range(t.start, t.end):
                ct[c] = i
        self._char_tok = ct

    # -- claiming -----------------------------------------------------------
    def token_range(self, start: int, end: int) -> range:
        """Indices of tokens overlapping the char span [start, end)."""
        ct = self._char_tok
        first = last = -1
        for c in range(start, min(end, len(self.s))):
            i = ct[c]
            if i >= 0:
                if first < 0:
                    first = i
                last = i
        if first < 0:
            return range(0)
        return range(first, last + 1)

    def is_free(self, start: int, end: int) -> bool:
        claimed = self.claimed
        return not any(claimed[i] for i in self.token_range(start, end))

    def claim(self, start: int, end: int) -> None:
        for i in self.token_range(start, end):
            self.claimed[i] = True

    def claim_tokens(self, i: int, j: int) -> None:
        for k in range(i, j):
            self.claimed[k] = True

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches of pattern whose tokens are all unclaimed (checked lazily,
        so a caller that claims a match hides it from later matches)."""
        for m in pattern.finditer(self.s):
            if m.end() > m.start() and self.is_free(m.start(), m.end()):
                yield m

    # -- views ----------------------------------------------------------------
    def free_word_runs(self) -> list[list[int]]:
        """Runs of unclaimed word-token indices; a claimed token breaks a run,
        punctuation does not (so "hip-hop" and "voice & singing" stay together),
        except sentence punctuation , ; . ! ? | " which breaks runs."""
        runs: list[list[int]] = []
        cur: list[int] = []
        for i, t in enumerate(self.tokens):
            if self.claimed[i]:
                if cur:
                    runs.append(cur)
                    cur = []
                continue
            if t.is_word:
                cur.append(i)
            elif t.text in ',;.!?|"' and cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        return runs

    def prev_word(self, char_pos: int, n: int = 1) -> list[str]:
        """Up to n word tokens ending before char_pos (nearest last)."""
        out: list[str] = []
        for t in reversed(self.tokens):
            if t.end <= char_pos and t.is_word:
                out.append(t.text)
                if len(out) >= n:
                    break
        out.reverse()
        return out

    def token_at_or_after(self, char_pos: int) -> int | None:
        """Index of the first token starting at or after char_pos (skips whitespace)."""
        ct = self._char_tok
        for c in range(max(0, char_pos), len(self.s)):
            i = ct[c]
            if i >= 0:
                return i if self.tokens[i].start >= char_pos else (i + 1 if i + 1 < len(self.tokens) else None)
        return None

    def next_word(self, char_pos: int) -> str | None:
        for t in self.tokens:
            if t.start >= char_pos and t.is_word:
                return t.text
        return None
