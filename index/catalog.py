"""The catalog as search sees it: one card per service (name, subcategory, search terms and what
people want from it) for matching goals to services, and the hands-on services, where an online
lesson is no substitute for a teacher in the room.

Read from data/fixtures/catalog.json, synonyms.json and service_cards.json (data, not code: the
parser reads the same fixtures, and nothing here imports nls)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures"
CARD_TERMS = 12  # search terms per card: enough for the common names, not a wall of misspellings


@dataclass(frozen=True)
class Service:
    slug: str
    name: str
    subcategory: str
    category: str
    category_name: str
    hands_on: bool
    card: str  # the text that is embedded for goal matching
    age_groups: tuple[str, ...]  # who the service is for at all (toddler, kids, teens, adults)
    with_grown_up: bool = False  # a young child takes it together with a parent ("Grown Up & Me Dance")


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


@lru_cache
def services() -> dict[str, Service]:
    """Every catalog service by slug, in catalog order."""
    cards = _read_cards()
    terms = _read("synonyms.json")["services"]
    out: dict[str, Service] = {}
    for cat in _read("catalog.json")["categories"]:
        for sub in cat["subcategories"]:
            for svc in sub["services"]:
                slug = svc["slug"]
                card = cards[slug]
                also = [t for t in terms.get(slug, []) if t.lower() != svc["name"].lower()][:CARD_TERMS]
                text = f"{svc['name']} lessons ({sub['name']}, {cat['name']}). {card['wants']}"
                if also:
                    text += " Also called: " + ", ".join(also) + "."
                out[slug] = Service(
                    slug,
                    svc["name"],
                    sub["name"],
                    cat["slug"],
                    cat["name"],
                    bool(card["hands_on"]),
                    text,
                    tuple(svc.get("age_groups", ())),
                    bool(card.get("with_grown_up", False)),
                )
    return out


@lru_cache
def hands_on() -> tuple[str, ...]:
    """Slugs of the services where an online lesson is no substitute (sorted, for SQL parameters)."""
    return tuple(sorted(s.slug for s in services().values() if s.hands_on))


def is_hands_on(slug: str) -> bool:
    return slug in _hands_on_set()


@lru_cache
def _hands_on_set() -> frozenset[str]:
    return frozenset(hands_on())


def name_of(slug: str) -> str:
    service = services().get(slug)
    return service.name if service else slug.replace("-", " ").title()


def card_sentences(slug: str) -> list[str]:
    """The card's opening line, each sentence of what people want, and each situation that brings
    students to the service ("my rescue dog pulls on the leash"), one text each."""
    service = services()[slug]
    head = f"{service.name} lessons ({service.subcategory}, {service.category_name})"
    card = _read_cards()[slug]
    return [head, *_sentences(card["wants"]), *card["situations"]]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


@lru_cache
def _read_cards() -> dict[str, Any]:
    cards: dict[str, Any] = _read("service_cards.json")["services"]
    return cards


@lru_cache
def related() -> dict[str, tuple[str, ...]]:
    """Per service, the services a student would take instead when too few of its teachers fit,
    best first (data/fixtures/related_services.json: salsa → bachata, homework help → math,
    reading). Written by hand, because how close two cards sit says little about it (chess sat
    nearest skateboarding)."""
    known = services()
    return {
        slug: tuple(r for r in others if r in known and r != slug)
        for slug, others in _read("related_services.json")["related"].items()
        if slug in known
    }


@dataclass(frozen=True)
class Untaught:
    """A subject students ask for that the catalog does not teach (horseback riding, CPR)."""

    slug: str
    name: str
    card: str  # embedded whole, as a service card is
    sentences: tuple[str, ...]  # ... and sentence by sentence


@lru_cache
def untaught() -> dict[str, Untaught]:
    """Subjects students look for lessons in that no service here teaches, carded like the services
    (data/fixtures/untaught_subjects.json). A goal that lands clearly nearer one of them than any
    service ("learn to sail a small boat") is told we do not teach it, instead of being shown the
    nearest wrong teachers (swimming)."""
    out: dict[str, Untaught] = {}
    for slug, card in _read("untaught_subjects.json")["subjects"].items():
        text = f"{card['name']} lessons. {card['wants']}"
        sentences = (f"{card['name']} lessons", *_sentences(card["wants"]), *card["situations"])
        out[slug] = Untaught(slug, card["name"], text, sentences)
    return out


@lru_cache
def not_meant_for(groups: tuple[str, ...]) -> tuple[str, ...]:
    """Services whose catalog age groups include none of `groups`: an audience filter means nothing
    for them ("sleep coaching for my baby" is for the parent; "ACT prep for my son" is for a teen)."""
    return tuple(sorted(s.slug for s in services().values() if not set(s.age_groups) & set(groups)))


@lru_cache
def _category_words() -> frozenset[str]:
    words = set()
    for cat in _read("catalog.json")["categories"]:
        for word in (cat["slug"], cat["name"].lower()):
            words.update({word, word.rstrip("s")})
    return frozenset(words)


_LESSON_WORDS = frozenset("lesson lessons class classes course courses teacher teachers instructor instructors".split())


def names_category(text: str) -> bool:
    """Whether `text` is just a category's name ("music", "sports", "art"), not a narrower wish."""
    words = [w for w in text.lower().split() if w not in _LESSON_WORDS]  # "dance classes" names dance
    return bool(words) and all(w in _category_words() or w.rstrip("s") in _category_words() for w in words)
