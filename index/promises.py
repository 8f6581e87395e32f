"""The search contract's promises, checkable per result: what the tests assert and what the eval
harness counts as constraint precision."""
from __future__ import annotations

from datetime import date, datetime, time

from index import places

RELAXES = {"time": ("start_time", "end_time"), "date": ("dates", "weekdays"), "place": ("location",),
           "price": ("price_max",)}


def _price(result: dict, fmt: str | None) -> float | None:
    prices = result["price"]
    if fmt:
        return prices.get(fmt)
    values = [p for p in prices.values() if p is not None]
    return min(values) if values else None


def violations(parsed: dict, result: dict, relaxed: list[str] | None = None) -> list[str]:
    """Every hard constraint of `parsed` that `result` breaks, ignoring the relaxed ones."""
    skip = {field for step in (relaxed or []) for field in RELAXES[step]}
    out = []
    if parsed.get("service") and result["service"]["slug"] != parsed["service"]:
        out.append("service")
    if not parsed.get("service") and parsed.get("category") and result["service"]["category"] != parsed["category"]:
        out.append("category")
    fmt = parsed.get("format")
    loc = parsed.get("location") or {}
    placed = bool(loc.get("borough") or loc.get("neighborhood")) and "location" not in skip
    # With a place and no format, the lesson is in person, so its price is the one that counts.
    price = _price(result, fmt or ("in_person" if placed else None))
    if parsed.get("price_max") is not None and "price_max" not in skip:
        if price is None or price > parsed["price_max"] + 1e-9:
            out.append("price_max")
    if parsed.get("price_max") is not None and "price_max" in skip:
        if price is None or price > parsed["price_max"] * 1.25 + 1e-9:
            out.append("price_max_relaxed")
    if parsed.get("price_min") is not None and (price is None or price < parsed["price_min"] - 1e-9):
        out.append("price_min")
    if placed and fmt != "online":
        areas = result["instructor"]["areas"]
        if not places.serves(areas["neighborhoods"], areas["boroughs"],
                             neighborhood=loc.get("neighborhood"), borough=loc.get("borough")):
            out.append("location")
    if fmt and fmt not in result["formats"]:
        out.append("format")
    if parsed.get("lesson_language") and parsed["lesson_language"] not in result["instructor"]["languages"]:
        out.append("lesson_language")
    if parsed.get("min_rating") is not None:
        rating = result["instructor"]["rating"]
        if rating is None or rating < parsed["min_rating"] - 1e-9:
            out.append("min_rating")
    for slot in result["slots"]:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        if parsed.get("duration_minutes") and (end - start).total_seconds() != parsed["duration_minutes"] * 60:
            out.append("duration")
        if parsed.get("dates") and "dates" not in skip and start.date() not in {date.fromisoformat(d) for d in parsed["dates"]}:
            out.append("dates")
        if parsed.get("weekdays") and "weekdays" not in skip and start.weekday() not in parsed["weekdays"]:
            out.append("weekdays")
        if parsed.get("start_time") and "start_time" not in skip and start.time() < time.fromisoformat(parsed["start_time"]):
            out.append("start_time")
        if parsed.get("end_time") and "end_time" not in skip and (
                end.date() != start.date() or end.time() > time.fromisoformat(parsed["end_time"])):
            out.append("end_time")
    return sorted(set(out))
