"""NYC place lookups for filters and explanations (from data/fixtures/nyc_locations.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LOCATIONS = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "nyc_locations.json"


@lru_cache
def _data() -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    raw = json.loads(LOCATIONS.read_text())
    borough_of = {n["slug"]: n["borough"] for n in raw["neighborhoods"]}
    hoods: dict[str, list[str]] = {}
    for slug, borough in borough_of.items():
        hoods.setdefault(borough, []).append(slug)
    names = {b["slug"]: b["name"] for b in raw["boroughs"]}
    names.update({n["slug"]: n["name"] for n in raw["neighborhoods"]})
    return borough_of, hoods, names


def borough_of(neighborhood: str) -> str | None:
    return _data()[0].get(neighborhood)


def neighborhoods_of(borough: str) -> list[str]:
    return _data()[1].get(borough, [])


def display_name(slug: str) -> str:
    return _data()[2].get(slug, slug.replace("-", " ").title())


def serves(neighborhoods: list[str], boroughs: list[str], *, neighborhood: str | None, borough: str | None) -> bool:
    """Whether service areas cover the asked place: that neighborhood or its whole borough; for a
    borough, the whole borough or any of its neighborhoods."""
    if neighborhood:
        return neighborhood in neighborhoods or (borough or borough_of(neighborhood)) in boroughs
    return borough in boroughs or any(borough_of(h) == borough for h in neighborhoods)
