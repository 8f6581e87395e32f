"""Which words are already correct English, and how common a word is.

Typo correction (lexicon.fuzzy_match) must never replace a word that is already
English: "soothing", "economy", "chair", "tumor" sit one or two edits from a service
word (smoothing? ecology, choir, tutor) but the student meant what they typed.
So before fuzzy matching a word is looked up in two maintained word lists:

- symspellpy's bundled ``frequency_dictionary_en_82_765.txt``: 82,765 words, the
  intersection of SCOWL (spell-checked word lists) and Google Books n-gram counts.
  It has no misspellings, but misses some US spellings ("tumor", "theaters",
  "coloring") and newer words.
- wordfreq's ``small_en`` list: the 29k words with a Zipf frequency >= 3.0
  (about once per million words) across web, subtitles, books, Wikipedia and
  news. Below Zipf 3 wordfreq's large list is full of common misspellings
  ("portugese" 2.1, "ukelele" 1.9, "paino" 1.2, "goverment" 2.7), which is
  exactly what must still be corrected, so only the small list is used.

A word in either list is English. The same lists give the frequency that breaks
ties between equally close services ("violn": violin 3.7 beats viola 3.5).

Loading cost (measured, this machine): symspellpy's file read and split ~25 ms,
wordfreq's small list ~10 ms. Both are read directly, without importing the
packages: ``import wordfreq`` alone costs 0.1-0.18 s (ftfy, langcodes, regex) for a
tokenizer nls does not need, and symspellpy's ``SymSpell.load_dictionary``
precomputes a delete index (1.2 s at edit distance 1, 2.8 s at 2) that nls does not
use either. ``find_spec`` locates a package without executing it.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
from pathlib import Path

# Google Books 1-gram token total the symspellpy counts come from (Norvig's count_1w),
# so a count converts to the same Zipf scale wordfreq uses: log10(per-billion frequency).
_SYMSPELL_TOTAL = 1_024_908_267_229
_SYMSPELL_FILE = "frequency_dictionary_en_82_765.txt"
_WORDFREQ_FILE = ("data", "small_en.msgpack.gz")


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _load_symspell() -> dict[str, str]:
    """word -> count (as text; converted only for the few words ever ranked)."""
    d = _package_dir("symspellpy")
    if d is None:
        return {}
    try:
        parts = (d / _SYMSPELL_FILE).read_text(encoding="utf-8").split()
    except OSError:
        return {}
    return dict(zip(parts[0::2], parts[1::2], strict=False))


def _load_wordfreq() -> dict[str, float]:
    """word -> Zipf frequency, from wordfreq's small English list.

    The file is a msgpack list: a header ``{"format": "cB", "version": 1}`` then
    one bucket of words per centibel, bucket i holding words of Zipf 9 - i/100
    (the layout ``wordfreq.get_frequency_list`` reads). Any other header: skip it.
    """
    d = _package_dir("wordfreq")
    if d is None:
        return {}
    try:
        import msgpack

        with gzip.open(d.joinpath(*_WORDFREQ_FILE), "rb") as f:
            data = msgpack.load(f, raw=False)
    except Exception:  # missing file, other format: the symspell list still works
        return {}
    if not data or not isinstance(data[0], dict) or data[0].get("format") != "cB":
        return {}
    out: dict[str, float] = {}
    for i, bucket in enumerate(data[1:]):
        if bucket:
            out.update(dict.fromkeys(bucket, 9.0 - i / 100.0))
    return out


class English:
    def __init__(self) -> None:
        self._symspell = _load_symspell()
        self._wordfreq = _load_wordfreq()

    def __contains__(self, word: str) -> bool:
        return word in self._symspell or word in self._wordfreq

    def __len__(self) -> int:
        return len(self._symspell.keys() | self._wordfreq.keys())

    def zipf(self, word: str) -> float:
        """Zipf frequency (0 if unknown): wordfreq's where it has the word, since it
        blends many sources, else the symspellpy count on the same scale."""
        z = self._wordfreq.get(word)
        if z is not None:
            return z
        c = self._symspell.get(word)
        if c is None:
            return 0.0
        try:
            return max(0.0, math.log10(int(c) / _SYMSPELL_TOTAL) + 9.0)
        except (ValueError, ZeroDivisionError):
            return 0.0

    def phrase_zipf(self, phrase: str) -> float:
        """A phrase is no more common than its rarest word."""
        words = phrase.split()
        return min((self.zipf(w) for w in words), default=0.0)


_ENGLISH: English | None = None


def get_english() -> English:
    global _ENGLISH
    if _ENGLISH is None:
        _ENGLISH = English()
    return _ENGLISH
