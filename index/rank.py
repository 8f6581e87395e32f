"""Per-instructor ranking: relevance, Bayesian-shrunk rating, price fit, availability fit, audience
and level fit; and the short explanation of why each result matched."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from index import places
from index.candidates import Candidate
from index.constraints import Constraints
from index.slots import SlotSummary

# Bayesian shrinkage: a new instructor's 5.0 from 2 reviews does not beat 4.8 from 200.
PRIOR_MEAN, PRIOR_WEIGHT = 4.3, 8
WEIGHTS = {"relevance": 0.45, "rating": 0.2, "price": 0.1, "availability": 0.15, "fit": 0.1}
# Semantic similarity carries most of the relevance; trigram rescues exact words and typos.
SEMANTIC_SHARE = 0.7


def relevance(c: Candidate) -> float:
    return SEMANTIC_SHARE * max(0.0, float(c.semantic)) + (1 - SEMANTIC_SHARE) * float(c.lexical)


def shrunk_rating(c: Candidate) -> float:
    n = c.rating_count or 0
    r = float(c.rating_avg) if c.rating_avg is not None else PRIOR_MEAN
    return (PRIOR_WEIGHT * PRIOR_MEAN + n * r) / (PRIOR_WEIGHT + n)


def shown_price(c: Candidate, fmt: str | None) -> float | None:
    prices = {"in_person": c.price_in_person, "online": c.price_online}
    if fmt:
        value = prices[fmt]
    else:
        value = min((p for p in prices.values() if p is not None), default=None)
    return float(value) if value is not None else None


def price_fit(c: Candidate, cons: Constraints, intent: str | None) -> float:
    price = shown_price(c, cons.priced_format)
    if price is None:
        return 0.0
    if cons.price_max:
        return 1.0 - 0.5 * min(1.0, price / cons.price_max)  # cheaper within budget is better
    if intent == "budget":
        return max(0.0, 1.0 - price / 150)
    if intent == "premium":
        return min(1.0, price / 150)
    return 0.5


def availability_fit(slots: SlotSummary | None, now: datetime) -> float:
    if not slots or not slots.first:
        return 0.0
    hours = max(0.0, (slots.first[0][0] - now.replace(tzinfo=None)).total_seconds() / 3600)
    soon = max(0.0, 1.0 - hours / (14 * 24))
    return 0.5 * min(1.0, slots.count / 8) + 0.5 * soon


def audience_level_fit(c: Candidate, cons: Constraints, level: str | None) -> float:
    score = 1.0
    if level and level not in c.levels:
        score -= 0.5
    if cons.audience and cons.audience not in c.age_groups and not (cons.audience == "kids" and "toddler" in c.age_groups):
        score -= 0.5
    return score


def score(c: Candidate, cons: Constraints, parsed: dict, slots: SlotSummary | None, now: datetime) -> float:
    parts = {
        "relevance": relevance(c),
        "rating": (shrunk_rating(c) - 3.0) / 2.0,
        "price": price_fit(c, cons, parsed.get("price_intent")),
        "availability": availability_fit(slots, now),
        "fit": audience_level_fit(c, cons, parsed.get("level")),
    }
    return round(sum(WEIGHTS[k] * v for k, v in parts.items()), 4)


def prescore(c: Candidate, cons: Constraints, parsed: dict) -> float:
    """The score without availability, to order candidates before their slots are computed."""
    return (WEIGHTS["relevance"] * relevance(c) + WEIGHTS["rating"] * (shrunk_rating(c) - 3.0) / 2.0
            + WEIGHTS["price"] * price_fit(c, cons, parsed.get("price_intent"))
            + WEIGHTS["fit"] * audience_level_fit(c, cons, parsed.get("level")))


def keeps_place_and_price(c: Candidate, cons: Constraints) -> bool:
    """Whether a row found under relaxed constraints would also pass the original place and price
    filters (the relaxations that can be checked per row), so exact matches rank first."""
    price = shown_price(c, cons.priced_format)
    if cons.price_max is not None and (price is None or price > cons.price_max):
        return False
    if cons.price_min is not None and (price is None or price < cons.price_min):
        return False
    if cons.format == "online" or not cons.has_place():
        return True
    if c.price_in_person is None:
        return False
    return places.serves(c.neighborhoods, c.boroughs, neighborhood=cons.neighborhood, borough=cons.borough)


def _window_words(cons: Constraints, slots: SlotSummary) -> str:
    if cons.dates and len(cons.dates) == 1:
        return " " + cons.dates[0].strftime("%A")
    if cons.dates or cons.weekdays:
        return " on the asked days"
    return " in the next 2 weeks"


def explain(c: Candidate, cons: Constraints, parsed: dict, slots: SlotSummary | None) -> list[str]:
    why = [f"teaches {c.service_name}"]
    if cons.neighborhood:
        if cons.neighborhood in c.neighborhoods:
            why.append(f"serves {places.display_name(cons.neighborhood)}")
        else:
            why.append(f"serves all of {places.display_name(cons.borough or '')}")
    elif cons.borough:
        why.append(f"serves {places.display_name(cons.borough)}")
    for fmt, label in (("in_person", "in person"), ("online", "online")):
        price = c.price_in_person if fmt == "in_person" else c.price_online
        if price is not None and (cons.format in (None, fmt)):
            why.append(f"${float(price):.0f}/h {label}")
    if c.rating_avg is not None and c.rating_count:
        rating = Decimal(str(c.rating_avg)).quantize(Decimal("0.1"), ROUND_HALF_UP)  # as people round: 4.25 → 4.3
        why.append(f"rated {rating} ({c.rating_count} reviews)")
    if cons.language:
        why.append(f"teaches in {cons.language.title()}")
    if parsed.get("level") and parsed["level"] in c.levels:
        why.append(f"takes {parsed['level']}s")
    if cons.audience and cons.audience in c.age_groups:
        why.append(f"teaches {cons.audience}")
    if slots and slots.count:
        why.append(f"{slots.count} open slot{'s' if slots.count != 1 else ''}{_window_words(cons, slots)}")
    return why
