"""Goals to services. A query that names no service ("my baby won't sleep", "something to unwind
on weeknights") is matched against one card per catalog service (index/catalog.py: name,
subcategory, search terms, what people want from it), embedded with the same model as the
instructor documents. Cards scale where hand lists of phrases do not: a new goal needs no new rule.

The outcomes:
- clear (one card, or a few, stand out): the services within MARGIN of the best (at most
  MAX_SERVICES) become the filter;
- loose: no filter, every service is ranked by how well its card matches;
- none: the query's most specific word is a subject the catalog never mentions ("glassblowing"),
  or the query lands clearly nearer the card of a subject we do not teach (catalog.untaught:
  "learn to sail a small boat") than any service's: no results, and the nearest services as
  suggestions;
- unreadable: no English words at all (keyboard mash): no results, and popular services.
The thresholds were chosen on the dev split of the independent judged set (data/fixtures/judged).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from index import catalog
from index.embedding import Embedder

CLEAR = 0.36  # a card this close names what the student wants ...
SPREAD = 0.08  # ... when it stands this far above the SPREAD_RANK-th card (not one of a flat crowd)
SPREAD_RANK = 5
MARGIN = 0.06  # services this close to the best card serve the goal as well
MAX_SERVICES = 6
LOOSE_MARGIN = 0.12  # for a loose match, a card this far below the best scores 0.5, twice as far 0
SUGGESTIONS = 3
# A service named inside a query of this many words or more is checked against the cards; another
# service wins only when its card is clearly closer to the whole sentence.
SENTENCE_WORDS = 5
OVERRIDE_MARGIN = 0.06
MAX_GOAL_CHARS = 300
# When the asked services have too few teachers, the nearest services fill the page, after them.
SIMILAR_SERVICES = 3
SIMILAR_MIN = 0.67  # violin → cello, viola; chess → nothing (its nearest card, skateboarding, is 0.66)
# One language is no substitute for another: a goal that reaches a language reaches that one, and a
# language with too few teachers is never filled with other languages.
NO_SUBSTITUTE = frozenset({"languages"})
# Word frequencies (wordfreq's Zipf scale): at or above FUNCTION_WORD a word is grammar ("how",
# "what", "her"), not a topic; below NOT_A_WORD it is no English word at all (keyboard mash).
FUNCTION_WORD = 5.5
NOT_A_WORD = 1.0
TYPO_BELOW = 2.0  # only a word rarer than this can be a misspelling of a catalog word
SPECIFIC_TERM = 4.0  # a word rarer than this names a subject ("welding"), not a general wish ("productive")
SHORT_QUERY_WORDS = 3  # topic words in a query short enough for its rarest word to be its subject ...
SHORT_QUERY_MAX = 8  # ... and words in all: a longer sentence has rare words that are not ("sooo rusty")
FAR = 0.25  # no card this close to a long sentence: nothing the catalog teaches
# The subject a sentence asks to be taught, alone, this far from every card ("bowling" 0.40, "sail"
# 0.29, "tagalog" 0.37; taught words land at 0.43-0.71) while the sentence is no closer than
# SUBJECT_SENTENCE_FAR to any card: a subject we do not teach.
SUBJECT_FAR = 0.42
SUBJECT_SENTENCE_FAR = 0.5
# A query that lands this close to the card of a subject we do not teach (catalog.untaught: sailing,
# horseback riding), and this much closer to it than to any service's card, asks for that subject.
# On the judged dev splits the untaught subjects asked for stood 0.14-0.48 above the nearest service
# and the closest query with a taught answer 0.04 ("get my 8 year old off the ipad and running around").
UNTAUGHT_NEAR = 0.50
UNTAUGHT_MARGIN = 0.10
# When the parse named a service the sentence must stand clearly further from it: "swimming in open
# water before my snorkeling trip" (+0.11 to scuba diving) and "the math section of the asvab" (+0.17)
# are taught; "forge my own knife on an anvil" (+0.21 to blacksmithing) is not.
UNTAUGHT_OVER_NAMED_MARGIN = 0.20
# Words that say what kind of lesson, not what it teaches ("weekly lessons", "a trial class").
LESSON_MODIFIERS = frozenset(
    "private group weekly trial semi intensive crash actual proper real extra individual virtual remote "
    "affordable quick short long regular daily more some any basic".split()
)
LOOSE_SERVICES = 12
# The subject a sentence asks to be taught: the words right after "teach", "learn", "lessons", "class",
# "tutor", "coach" and the little words between ("anyone teach basic plumbing?", "need to learn CPR",
# "does anyone on here teach swahili").
_SUBJECT = re.compile(
    r"\b(?:teach(?:es|ing)?|learn(?:ing)?|lessons?|class(?:es)?|courses?|tutor(?:ing)?|coach(?:ing)?|pick\s+up)\s+"
    r"(?:(?:me|us|him|her|them|my\s+[a-z]+|a\s+[a-z]+|some|basic|the\s+basics\s+of|how|to|in|on|for|about|of)\s+){0,3}"
    r"(?P<w1>[a-z]+)(?:\s+(?P<w2>[a-z]+))?"
)
# ... and the word right before "lessons", "classes", "instructor", "teacher" ("bowling lessons").
_SUBJECT_BEFORE = re.compile(r"\b(?P<w1>[a-z]+)\s+(?:lessons?|class(?:es)?|instructors?|teachers?)\b")


@dataclass
class GoalMatch:
    kind: str  # "clear", "loose", "none" (the catalog does not teach it) or "unreadable" (no words)
    similarity: dict[str, float] = field(default_factory=dict)  # every service slug → card similarity
    services: tuple[str, ...] = ()  # the filter, for a clear match
    nearest: tuple[str, ...] = ()  # the closest services, best first (suggestions)
    topic: str | None = None  # for "none": the word the catalog does not know
    boost: tuple[str, ...] = ()  # for "loose": the nearest services, always among the candidates
    category_dropped: bool = False  # the parsed category was an incidental word of the sentence
    broad: bool = False  # the query names a whole category ("dance classes"): every service in it serves

    @property
    def best(self) -> float:
        return max(self.similarity.values(), default=0.0)

    def relevance(self) -> dict[str, float]:
        """Per service, how well it serves the goal, for ranking (0–1). For a clear match the
        best card scores 1 and one at the edge of the margin 0.5, so the service the goal names
        best leads unless its teachers are much weaker. A loose match is scaled the same way over a
        wider margin: raw similarities differ by a few hundredths, which ratings and prices outweighed
        ("my 9 year old twirls around the apartment" showed a math tutor third)."""
        if self.broad:
            return {slug: max(0.0, sim) for slug, sim in self.similarity.items()}
        margin = MARGIN if self.kind == "clear" else LOOSE_MARGIN
        best = self.best
        return {slug: min(1.0, max(0.0, 1 + (sim - best) / (2 * margin))) for slug, sim in self.similarity.items()}


# The older learners whose goals never reach a service only younger ones take, with the age groups
# (a service's `age_groups`) each of them may join.
OLDER_LEARNERS = {"adults": frozenset({"adults"}), "teens": frozenset({"teens", "adults"})}


class ServiceCards:
    """The embedded cards. Embedding 224 cards takes a few seconds, so the matrix is kept in a file
    named by the hash of the card texts and the model, and re-embedded only when either changes."""

    def __init__(self, embedder: Embedder, cache_dir: Path | None = None) -> None:
        services = catalog.services()
        self.slugs = list(services)
        self.categories = np.array([services[s].category for s in self.slugs])
        # Services only younger learners take: no goal of an older learner reaches them ("teach my
        # husband to cook" is a cooking class, not one for toddlers; "my teen wants to cook dinner" is
        # not cooking for littles, whose age groups are toddlers and kids).
        self.too_young_for = {
            older: np.array(
                [bool(services[s].age_groups) and not set(services[s].age_groups) & fits for s in self.slugs]
            )
            for older, fits in OLDER_LEARNERS.items()
        }
        self._for_anyone = np.zeros(len(self.slugs), dtype=bool)
        # Classes a child takes with a parent reach a goal only when the query says so ("me and my
        # 2 year old"): "my 4 year old has so much energy" wants a class for the child (gymnastics),
        # though the grown-up-and-me dance card speaks of burning energy too.
        self.with_grown_up = np.array([services[s].with_grown_up for s in self.slugs])
        # Each card is embedded whole and sentence by sentence: a short goal ("how do i calm my
        # anxiety") matches one sentence of a card better than the card's average.
        texts, owners = [], []
        for i, slug in enumerate(self.slugs):
            for text in (services[slug].card, *catalog.card_sentences(slug)):
                texts.append(text)
                owners.append(i)
        # The subjects we do not teach are carded the same way, after the services.
        untaught = catalog.untaught()
        self.untaught_names = [subject.name for subject in untaught.values()]
        untaught_owners = []
        for i, subject in enumerate(untaught.values()):
            for text in (subject.card, *subject.sentences):
                texts.append(text)
                untaught_owners.append(i)
        self.owners = np.array(owners)
        self.is_whole = _first_of_each(self.owners)
        self.untaught_owners = np.array(untaught_owners, dtype=int)
        self.untaught_is_whole = _first_of_each(self.untaught_owners)
        self.embed: Callable[[str], np.ndarray] = embedder.embed_query
        # The model file's size and time: the int8 and float32 exports embed cards differently, and a
        # re-export (another onnxruntime's quantization) may keep the size.
        stat = embedder.model_path.stat()
        model = f"{embedder.model_path.name}:{stat.st_size}:{stat.st_mtime_ns}"
        digest = hashlib.sha256("\n".join(texts).encode() + model.encode()).hexdigest()[:16]
        path = (cache_dir or embedder.model_dir) / f"service-cards-{digest}.npy"
        if path.is_file():
            matrix = np.load(path)
        else:
            matrix = embedder.embed(texts).astype(np.float32)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp.npy")
            np.save(tmp, matrix)
            tmp.replace(path)  # atomic: two workers starting together never read half a file
        self.matrix = matrix[: len(owners)]
        self.untaught_matrix = matrix[len(owners) :]

    def word_similarity(self, word: str) -> float:
        """How close one word, on its own, lands to the nearest card."""
        return float(self.similarities(self.embed(word)).max())

    def similar(
        self, slugs: tuple[str, ...], n: int = SIMILAR_SERVICES, learner: frozenset[str] = frozenset()
    ) -> tuple[str, ...]:
        """What a student who asked for these services would also take (violin: viola, cello): the
        catalog's related services (catalog.related), or, for a service that has no entry there,
        the services whose cards are nearest to its card. With the learner's age groups known, only
        services for them (infant self-rescue is no swimming class for a 6 year old)."""
        services = catalog.services()
        if not any(learner.intersection(services[slug].age_groups) for slug in slugs if slug in services):
            learner = frozenset()  # a service for the parent ("my baby won't sleep"): its substitutes are too

        def for_learner(slug: str) -> bool:
            groups = services[slug].age_groups
            return not learner or not groups or bool(learner.intersection(groups))

        related = catalog.related()
        if all(slug in related for slug in slugs):
            chosen: list[str] = []
            for slug in slugs:
                if services[slug].category in NO_SUBSTITUTE:
                    continue
                chosen += [r for r in related[slug] if r not in slugs and r not in chosen and for_learner(r)]
            return tuple(chosen[:n])
        whole = self.matrix[self.is_whole]
        index = {slug: i for i, slug in enumerate(self.slugs)}
        rows = [index[s] for s in slugs if s in index]
        if not rows:
            return ()
        sims = (whole @ whole[rows].T).max(axis=1)
        categories = {self.categories[i] for i in rows} - NO_SUBSTITUTE
        order = [
            i
            for i in np.argsort(-sims)
            if self.slugs[i] not in slugs
            and sims[i] >= SIMILAR_MIN
            and self.categories[i] in categories
            and for_learner(self.slugs[i])
        ]
        return tuple(self.slugs[i] for i in order[:n])

    def similarities(self, qvec: np.ndarray) -> np.ndarray:
        """Per service: the mean of the whole card's and its best sentence's cosine similarity."""
        return _card_scores(self.matrix @ np.asarray(qvec, dtype=np.float32), self.owners, self.is_whole)

    def nearest_untaught(self, qvec: np.ndarray) -> tuple[str | None, float]:
        """The subject we do not teach whose card lands nearest the query, scored as the services are."""
        if not self.untaught_names:
            return None, 0.0
        sims = self.untaught_matrix @ np.asarray(qvec, dtype=np.float32)
        scores = _card_scores(sims, self.untaught_owners, self.untaught_is_whole)
        best = int(scores.argmax())
        return self.untaught_names[best], float(scores[best])

    def _too_young(self, older: str | None) -> np.ndarray:
        """The services only learners younger than `older` take (none for a learner of no older group)."""
        return self._for_anyone if older is None else self.too_young_for.get(older, self._for_anyone)

    def match(
        self, qvec: np.ndarray, category: str | None = None, older: str | None = None, together: bool = True
    ) -> GoalMatch:
        """Clear when one card, or a few, stand out from the rest; otherwise loose."""
        sims = self.similarities(qvec)
        if not together:  # ranked as if their cards were the farthest
            sims[self.with_grown_up] = sims.min()
        similarity = {slug: float(s) for slug, s in zip(self.slugs, sims, strict=True)}
        allowed = np.ones(len(self.slugs), dtype=bool) if category is None else self.categories == category
        allowed &= ~self._too_young(older)
        order = [i for i in np.argsort(-sims) if allowed[i]]
        if not order:
            return GoalMatch("loose", similarity)
        best = float(sims[order[0]])
        nearest = tuple(self.slugs[i] for i in order[:SUGGESTIONS])
        runner_up = float(sims[order[min(SPREAD_RANK, len(order) - 1)]])
        if best >= CLEAR and best - runner_up >= SPREAD:
            return GoalMatch("clear", similarity, self._chosen(sims, order), nearest)
        return GoalMatch("loose", similarity, (), nearest, boost=tuple(self.slugs[i] for i in order[:LOOSE_SERVICES]))

    def judge(
        self,
        qvec: np.ndarray,
        text: str,
        category: str | None = None,
        query: str = "",
        older: str | None = None,
        together: bool = True,
    ) -> GoalMatch:
        """What the words say first: a query made of no English words is unreadable; one whose
        most specific word, or the subject it asks to be taught ("does anyone teach swahili??" in
        a long sentence), is a real term the catalog never uses ("scuba", "welding") asks for
        something not taught here, however close its sentence lands to some card. Then `match`.

        A category word inside a sentence is not always its subject: "i'd like to at least order
        food" in Tokyo wants Japanese, not a cooking class; "i love latin music and dancing around
        my kitchen" wants Zumba, not a music lesson. When the whole sentence lands clearly closer
        to a card outside the parsed category, the category is dropped (`category_dropped`)."""
        match = self.match(qvec, category, older, together)
        if category is not None and len(query.split()) >= SENTENCE_WORDS:
            anywhere = self.match(qvec, older=older, together=together)
            sims = np.fromiter(anywhere.similarity.values(), dtype=np.float32)  # in self.slugs order
            inside = self.categories == category
            best_inside = float(sims[inside].max()) if inside.any() else 0.0
            best_outside = float(sims[~inside].max()) if (~inside).any() else 0.0
            if best_outside >= CLEAR and best_outside - best_inside >= OVERRIDE_MARGIN:
                match = replace(anywhere, category_dropped=True)
                category = None
        words = topic_words(text)
        if category is None and words:
            if all(zipf_frequency(w, "en") < NOT_A_WORD and not _known(w) for w in words):
                return GoalMatch("unreadable", match.similarity, (), match.nearest)
            asked = [w for w in subject_words(query) if w in words]
            unknown = [w for w in asked if zipf_frequency(w, "en") < SPECIFIC_TERM and not _known(w)]
            if unknown:
                return GoalMatch("none", match.similarity, (), match.nearest, topic=self._named(qvec, unknown[0]))
            # A common word can be an untaught subject too ("bowling lessons", "learn to sail",
            # "teach me fly fishing"): the word on its own lands near no card, and neither does the
            # sentence. Taught subjects land close on their own ("swim" 0.61, "knit" 0.67).
            if match.best < SUBJECT_SENTENCE_FAR:
                far = [
                    w
                    for w in asked
                    if w not in LESSON_MODIFIERS and not _begins_a_name(w) and self.word_similarity(w) < SUBJECT_FAR
                ]
                if far:
                    topic = self._named(qvec, " ".join(far))
                    return GoalMatch("none", match.similarity, (), match.nearest, topic=topic)
            rarest = min(words, key=lambda w: zipf_frequency(w, "en"))
            # In a short query the rarest word is the subject; a long sentence has rare words
            # that are not ("my 2 yo is obsessed with water"), so there it also takes no card near.
            short = len(words) <= SHORT_QUERY_WORDS and len(query.split()) <= SHORT_QUERY_MAX
            if zipf_frequency(rarest, "en") < SPECIFIC_TERM and not _known(rarest) and (short or match.best < FAR):
                return GoalMatch("none", match.similarity, (), match.nearest, topic=self._named(qvec, rarest))
        # A category the catalog teaches ("dance classes") is never an untaught subject, however close
        # the cards of dances we do not teach (line dancing) land.
        untaught = self._untaught(qvec, match.similarity, match.nearest, match.best) if category is None else None
        return untaught or match

    def _named(self, qvec: np.ndarray, word: str) -> str:
        """The untaught subject's full name when its card is near and holds the word ("kung" → "kung
        fu", "fishin" stays): the message then says what the student asked for."""
        name, score = self.nearest_untaught(qvec)
        if name is not None and score >= UNTAUGHT_NEAR and word in re.findall(r"[a-z]+", name.lower()):
            return _topic(name)
        return word

    def _untaught(
        self,
        qvec: np.ndarray,
        similarity: dict[str, float],
        nearest: tuple[str, ...],
        taught: float,
        margin: float = UNTAUGHT_MARGIN,
    ) -> GoalMatch | None:
        """A "none" answer when the query lands clearly nearer a subject we do not teach than `taught`,
        the similarity of the nearest service that could serve it."""
        name, score = self.nearest_untaught(qvec)
        if name is None or score < UNTAUGHT_NEAR or score - taught < margin:
            return None
        return GoalMatch("none", similarity, (), nearest, topic=_topic(name))

    def override(
        self, qvec: np.ndarray, named: str, language: str | None = None, older: str | None = None
    ) -> GoalMatch | None:
        """For a query whose parse named `named`: the services its whole sentence points to instead,
        when another card is clearly closer; a "none" match when a subject we do not teach is; else
        None (the named service stands). The language a lesson is taught in ("who speaks russian")
        is a condition, never the subject."""
        sims = self.similarities(qvec)
        similarity = {slug: float(s) for slug, s in zip(self.slugs, sims, strict=True)}
        too_young = self._too_young(older)
        order = [i for i in np.argsort(-sims) if self.slugs[i] != language and not too_young[i]]
        best = float(sims[order[0]])
        nearest = tuple(self.slugs[i] for i in order[:SUGGESTIONS])
        # "learn to forge my own knife on an anvil" names knife skills, and asks for blacksmithing.
        taught = max(best, similarity.get(named, 0.0))
        untaught = self._untaught(qvec, similarity, nearest, taught, UNTAUGHT_OVER_NAMED_MARGIN)
        if untaught is not None:
            return untaught
        if self.slugs[order[0]] == named or best < CLEAR or best - similarity.get(named, 0.0) < OVERRIDE_MARGIN:
            return None
        return GoalMatch(
            "clear", similarity, self._chosen(sims, order), tuple(self.slugs[i] for i in order[:SUGGESTIONS])
        )

    def _chosen(self, sims: np.ndarray, order: list[int]) -> tuple[str, ...]:
        """The services that serve a clear goal: those within MARGIN of the best card, or only the
        best one when it is a language ("his parents only speak Korean" is not also Russian)."""
        best = float(sims[order[0]])
        if self.categories[order[0]] in NO_SUBSTITUTE:
            return (self.slugs[order[0]],)
        return tuple(self.slugs[i] for i in order[:MAX_SERVICES] if sims[i] >= best - MARGIN)


def _topic(name: str) -> str:
    """An untaught subject's name as the no-match message quotes it ("Flying lessons" → "flying"):
    the message says "lessons for …" itself."""
    return name.lower().removesuffix(" lessons")


def _first_of_each(owners: np.ndarray) -> np.ndarray:
    """Where each card's rows begin (its whole text comes first, then its sentences)."""
    return np.r_[True, owners[1:] != owners[:-1]] if len(owners) else np.zeros(0, dtype=bool)


def _card_scores(sims: np.ndarray, owners: np.ndarray, is_whole: np.ndarray) -> np.ndarray:
    """Per card: the mean of the whole card's and its best sentence's similarity."""
    whole = sims[is_whole]
    best_sentence = np.full(len(whole), -1.0, dtype=np.float32)
    np.maximum.at(best_sentence, owners[~is_whole], sims[~is_whole])
    combined: np.ndarray = 0.5 * whole + 0.5 * np.maximum(best_sentence, whole)
    return combined


_cards: ServiceCards | None = None
_lock = threading.Lock()


def get_cards() -> ServiceCards:
    global _cards
    if _cards is None:
        from index.embedding import get_embedder

        with _lock:
            if _cards is None:
                _cards = ServiceCards(get_embedder())
    return _cards


def topic_words(text: str) -> list[str]:
    """The words of the query's leftover text that can name a topic (not grammar words)."""
    words = (_unstretched(w) for w in re.findall(r"[a-z]+", text.lower()))
    return [w for w in words if len(w) > 2 and zipf_frequency(w, "en") < FUNCTION_WORD]


def _unstretched(word: str) -> str:
    """ "sooo" is "so"; but a word of one letter held down ("hhhhhhhh") is keyboard mash, and stays."""
    return word if len(set(word)) == 1 else re.sub(r"(.)\1{2,}", r"\1", word)


# Words that say the grown-up takes the class too: "me and my 2 year old", "mommy and me", "with my toddler".
_TOGETHER = re.compile(
    r"\b(?:together|side by side|me and (?:my|our)|and me|with me|mommy|daddy|mama|papa|moms?|mums?|dads?|mothers?"
    r"|fathers?|grandmas?|grandpas?|grandparents?|nanny|grown[- ]?ups?|parents?[- ]?(?:and|&)?[- ]?(?:child|kid|toddler)"
    r"|(?:and|with) (?:their |a )?parents?|caregivers?|with (?:her|him|them)\b"
    r"|with (?:my|our) (?:baby|babies|toddlers?|little|son|daughter|kids?|child|twins|preschooler|grand\w+|\d+|one"
    r"|two|three|four|five))"
)


def asks_together(query: str) -> bool:
    """Whether the query says a grown-up takes the class with the child."""
    return bool(_TOGETHER.search(query.lower()))


def subject_words(query: str) -> list[str]:
    """The words a sentence asks to be taught (see _SUBJECT), in order."""
    out = []
    for m in _SUBJECT.finditer(query.lower()):
        out += [w for w in (m.group("w1"), m.group("w2")) if w]
    out += [m.group("w1") for m in _SUBJECT_BEFORE.finditer(query.lower()) if m.group("w1") not in out]
    return out


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_vocabulary: frozenset[str] | None = None
_name_words: frozenset[str] | None = None


def _begins_a_name(word: str) -> bool:
    """Whether a service's name starts with this word ("box": Boxing; "code": Coding for teens)."""
    global _name_words
    if _name_words is None:
        _name_words = frozenset(
            w for svc in catalog.services().values() for w in re.findall(r"[a-z]+", svc.name.lower()) if len(w) > 2
        )
    return len(word) > 2 and any(name.startswith(word) for name in _name_words)


def _known(word: str) -> bool:
    """Whether the catalog's own words (card texts, names, search terms) use this word, allowing
    one typo in a word of five letters or more."""
    global _vocabulary
    if _vocabulary is None:
        words = {w for svc in catalog.services().values() for w in re.findall(r"[a-z]+", svc.card.lower())}
        _vocabulary = frozenset(_stem(w) for w in words)
    stem = _stem(word)
    if stem in _vocabulary:
        return True
    if zipf_frequency(word, "en") >= TYPO_BELOW:
        return False  # a real English word, spelled right: "welding" is not a typo of "wedding"
    return len(word) >= 5 and any(
        Levenshtein.distance(stem, v, score_cutoff=1) <= 1 for v in _vocabulary if abs(len(v) - len(stem)) <= 1
    )
