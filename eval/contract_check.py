"""The search contract's promises (docs/search-contract.md), checked per result as a reader of the
contract would check them: from the response and the fixtures alone. It imports nothing from
index/ or nls/, so it cannot share a blind spot with the ranker it checks; the tests and the eval
harness count constraint precision with it."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures"
# What each relaxation name in a response allows a result to break.
RELAXES = {
    "time": ("start_time", "end_time"),
    "date": ("dates", "weekdays"),
    "place": ("location",),
    "price": ("price_max", "price_min"),
    "language": ("lesson_language",),
    "rating": ("min_rating",),
    "audience": (),
    "duration": ("duration_minutes",),
    "service": ("service", "category"),
    "format": ("format",),
}


@lru_cache
def _borough_of() -> dict[str, str]:
    places = json.loads((FIXTURES / "nyc_locations.json").read_text())
    return {n["slug"]: n["borough"] for n in places["neighborhoods"]}


@lru_cache
def _hands_on() -> frozenset[str]:
    cards = json.loads((FIXTURES / "service_cards.json").read_text())["services"]
    return frozenset(slug for slug, card in cards.items() if card["hands_on"])


def serves(areas: dict, neighborhood: str | None, borough: str | None) -> bool:
    """A neighborhood is served when listed or when its whole borough is; a borough when listed or
    when any of its neighborhoods is."""
    hoods, boroughs = set(areas.get("neighborhoods") or ()), set(areas.get("boroughs") or ())
    if neighborhood:
        return neighborhood in hoods or (borough or _borough_of().get(neighborhood)) in boroughs
    return borough in boroughs or any(_borough_of().get(h) == borough for h in hoods)


def taken_format(parsed: dict, result: dict, place_kept: bool) -> str | None:
    """The lesson the student would take from this result, whose price a price condition reads."""
    if parsed.get("format"):
        return parsed["format"]
    if result["service"]["slug"] in _hands_on():
        return "in_person"
    loc = parsed.get("location") or {}
    if loc.get("borough") or loc.get("neighborhood"):
        in_person = "in_person" in result["formats"]
        if place_kept or (
            in_person and serves(result["instructor"]["areas"], loc.get("neighborhood"), loc.get("borough"))
        ):
            return "in_person"
        return "online" if result["price"].get("online") is not None else "in_person"
    return None


def _price(result: dict, fmt: str | None) -> float | None:
    prices = result["price"]
    if fmt:
        return prices.get(fmt)
    values = [p for p in prices.values() if p is not None]
    return min(values) if values else None


def violations(parsed: dict, result: dict, relaxed: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Every hard constraint of `parsed` that `result` breaks, ignoring the relaxed ones."""
    skip = {field for step in relaxed for field in RELAXES.get(step, ())}
    out = []
    if parsed.get("service") and "service" not in skip and result["service"]["slug"] != parsed["service"]:
        out.append("service")
    if (
        not parsed.get("service")
        and parsed.get("category")
        and "category" not in skip
        and result["service"]["category"] != parsed["category"]
    ):
        out.append("category")
    fmt = parsed.get("format")
    loc = parsed.get("location") or {}
    placed = bool(loc.get("borough") or loc.get("neighborhood"))
    taken = taken_format(parsed, result, placed and "location" not in skip)
    if "format" in skip and taken and result["price"].get(taken) is None:
        taken = None  # the asked format was relaxed: the lesson is the one this teacher gives
    price = _price(result, taken)
    if parsed.get("price_max") is not None:
        limit = parsed["price_max"] * (1.25 if "price_max" in skip else 1)
        # Past ×1.25 only as the last resort, and then the card must say how far over it is.
        said = "price_max" in skip and any("over your $" in m for m in result.get("misses") or [])
        if price is None or (price > limit + 1e-9 and not said):
            out.append("price_max")
    if parsed.get("price_min") is not None and (price is None or price < parsed["price_min"] - 1e-9):
        out.append("price_min")
    if placed and fmt != "online" and "location" not in skip:
        if "in_person" not in result["formats"] or not serves(
            result["instructor"]["areas"], loc.get("neighborhood"), loc.get("borough")
        ):
            out.append("location")
    if fmt and "format" not in skip and fmt not in result["formats"]:
        out.append("format")
    if (
        parsed.get("lesson_language")
        and "lesson_language" not in skip
        and parsed["lesson_language"] not in result["instructor"]["languages"]
    ):
        out.append("lesson_language")
    if parsed.get("min_rating") is not None and "min_rating" not in skip:
        rating = result["instructor"]["rating"]
        if rating is None or rating < parsed["min_rating"] - 1e-9:
            out.append("min_rating")
    asked_dates = {date.fromisoformat(d) for d in parsed.get("dates") or ()}
    for slot in result["slots"]:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        if (
            parsed.get("duration_minutes")
            and "duration_minutes" not in skip
            and (end - start).total_seconds() != parsed["duration_minutes"] * 60
        ):
            out.append("duration")
        if asked_dates and "dates" not in skip and start.date() not in asked_dates:
            out.append("dates")
        if parsed.get("weekdays") and "weekdays" not in skip and start.weekday() not in parsed["weekdays"]:
            out.append("weekdays")
        if (
            parsed.get("start_time")
            and "start_time" not in skip
            and start.time() < time.fromisoformat(parsed["start_time"])
        ):
            out.append("start_time")
        if (
            parsed.get("end_time")
            and "end_time" not in skip
            and (end.date() != start.date() or end.time() > time.fromisoformat(parsed["end_time"]))
        ):
            out.append("end_time")
    return sorted(set(out))
