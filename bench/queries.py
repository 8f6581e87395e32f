"""A realistic, deterministic mix of student queries for benchmarks and load tests."""

from __future__ import annotations

import random

SERVICES = [
    "piano",
    "guitar",
    "voice lessons",
    "violin",
    "drums",
    "swimming",
    "tennis",
    "yoga",
    "math tutor",
    "sat prep",
    "spanish",
    "esl",
    "chess",
    "coding for kids",
    "ballet",
    "hip hop dance",
    "drawing",
    "personal trainer",
    "bjj",
    "boxing",
    "algebra help",
    "reading tutor",
    "french",
    "mandarin",
    "photography",
    "salsa",
    "pilates",
    "soccer",
    "basketball",
    "python",
    "act prep",
    "shsat",
    "baking class",
    "pottery",
    "cello",
    "ukulele",
    "music theory",
    "acting",
    "karate",
    "ice skating",
]
PLACES = [
    "",
    "",
    "",
    " in park slope",
    " in brooklyn",
    " in astoria",
    " on the upper west side",
    " in harlem",
    " in williamsburg",
    " in queens",
    " near me",
    " in the bronx",
    " in staten island",
    " online",
]
WHO = ["", "", " for my 8 year old", " for kids", " for adults", " for beginners", " for teens", " for my daughter"]
WHEN = [
    "",
    "",
    "",
    " this saturday morning",
    " tomorrow",
    " after 5pm",
    " on weekends",
    " next week",
    " tonight",
    " this weekend",
    " tuesdays",
]
PRICE = ["", "", "", " under $60", " cheap", " under $100", " top rated"]
VAGUE = [
    "something fun for my kid saturday in astoria",
    "a creative hobby for adults",
    "help my son with school",
    "learn an instrument",
    "get fit this winter",
    "weekend activity for teens",
    "music teacher in brooklyn",
]


def query_mix(n: int = 200, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        if rng.random() < 0.08:
            q = rng.choice(VAGUE)
        else:
            q = rng.choice(SERVICES) + rng.choice(WHO) + rng.choice(PLACES) + rng.choice(WHEN) + rng.choice(PRICE)
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def zipf_stream(queries: list[str], n: int, seed: int = 5, s: float = 1.1) -> list[str]:
    """Popular queries repeat, as real traffic does."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** s for rank in range(len(queries))]
    return rng.choices(queries, weights, k=n)
