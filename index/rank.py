"""Per-instructor ranking: relevance, Bayesian-shrunk rating, price fit, availability fit, audience
and level fit; and the short explanation of why each result matched."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from index import catalog, places
from index.candidates import Candidate
from index.constraints import Constraints
from index.slots import SlotSummary

# Bayesian shrinkage: a new instructor's 5.0 from 2 reviews does not beat 4.8 from 200.
PRIOR_MEAN, PRIOR_WEIGHT = 4.3, 8
WEIGHTS = {"relevance": 0.45, "rating": 0.2, "price": 0.1, "availability": 0.15, "fit": 0.1}
# Semantic similarity carries most of the relevance; trigram rescues exact words and typos.
SEMANTIC_SHARE = 0.7
# For a query that names no service, the share of relevance taken by the service card's match.
GOAL_SHARE = 0.7


def relevance(c: Candidate) -> float:
    text_match = SEMANTIC_SHARE * max(0.0, float(c.semantic)) + (1 - SEMANTIC_SHARE) * float(c.lexical)
    if c.goal is None:
        return text_match
    # A goal query ("my baby won't sleep"): how well the service serves the goal comes first, then
    # how well this teacher's own description matches.
    return GOAL_SHARE * c.goal + (1 - GOAL_SHARE) * text_match


def shrunk_rating(c: Candidate) -> float:
    n = c.rating_count or 0
    r = float(c.rating_avg) if c.rating_avg is not None else PRIOR_MEAN
    return (PRIOR_WEIGHT * PRIOR_MEAN + n * r) / (PRIOR_WEIGHT + n)


def shown_price(c: Candidate, fmt: str | None) -> float | None:
    if fmt:
        value = c.price_in_person if fmt == "in_person" else c.price_online
    elif c.price_in_person is None or c.price_online is None:
        value = c.price_online if c.price_in_person is None else c.price_in_person
    else:
        value = min(c.price_in_person, c.price_online)
    return float(value) if value is not None else None


def priced_format(c: Candidate, cons: Constraints) -> str | None:
    """Whose price a condition reads: the asked format's, in person for a place or a hands-on
    service, else the lower of the two (None)."""
    return cons.priced_format or ("in_person" if catalog.is_hands_on(c.slug) else None)


def online_only_for_hands_on(c: Candidate, hands_on: bool | None = None) -> bool:
    """An online-only teacher of a hands-on service: kept, but never above an in-person teacher.
    `hands_on`: catalog.is_hands_on(c.slug), when the caller has it."""
    if hands_on is None:
        hands_on = catalog.is_hands_on(c.slug)
    return hands_on and not (c.price_in_person is not None and bool(c.neighborhoods or c.boroughs))


def price_fit(c: Candidate, cons: Constraints, intent: str | None) -> float:
    price = shown_price(c, priced_format(c, cons))
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
    return 0.5 * min(1.0, slots.starts / 8) + 0.5 * soon


def audience_level_fit(c: Candidate, cons: Constraints, level: str | None) -> float:
    score = 1.0
    if level and level not in c.levels:
        score -= 0.5
    if (
        cons.audience
        and cons.audience not in c.age_groups
        and not (cons.audience == "kids" and "toddler" in c.age_groups)
    ):
        score -= 0.5
    return score


def score(c: Candidate, cons: Constraints, parsed: dict[str, Any], slots: SlotSummary | None, now: datetime) -> float:
    parts = {
        "relevance": relevance(c),
        "rating": (shrunk_rating(c) - 3.0) / 2.0,
        "price": price_fit(c, cons, parsed.get("price_intent")),
        "availability": availability_fit(slots, now),
        "fit": audience_level_fit(c, cons, parsed.get("level")),
    }
    return round(sum(WEIGHTS[k] * v for k, v in parts.items()), 4)


def prescore(c: Candidate, cons: Constraints, parsed: dict[str, Any]) -> float:
    """The score without availability, to order candidates before their slots are computed."""
    return (
        WEIGHTS["relevance"] * relevance(c)
        + WEIGHTS["rating"] * (shrunk_rating(c) - 3.0) / 2.0
        + WEIGHTS["price"] * price_fit(c, cons, parsed.get("price_intent"))
        + WEIGHTS["fit"] * audience_level_fit(c, cons, parsed.get("level"))
    )


def _window_words(cons: Constraints) -> str:
    if cons.dates and len(cons.dates) == 1:
        return " " + cons.dates[0].strftime("%A")
    if cons.dates or cons.weekdays:
        return " on the asked days"
    return " in the next 2 weeks"


def explain(c: Candidate, cons: Constraints, parsed: dict[str, Any], slots: SlotSummary | None) -> list[str]:
    why = [f"teaches {c.service_name}"]
    in_person = c.price_in_person is not None and bool(c.neighborhoods or c.boroughs)
    if cons.neighborhood and in_person and cons.neighborhood in c.neighborhoods:
        why.append(f"serves {places.display_name(cons.neighborhood)}")
    elif cons.neighborhood and in_person and (cons.borough or places.borough_of(cons.neighborhood)) in c.boroughs:
        why.append(f"serves all of {places.display_name(cons.borough or places.borough_of(cons.neighborhood) or '')}")
    elif (
        cons.borough
        and not cons.neighborhood
        and in_person
        and places.serves(c.neighborhoods, c.boroughs, neighborhood=None, borough=cons.borough)
    ):
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
    if slots and slots.starts:
        why.append(f"{slots.starts} open slot{'s' if slots.starts != 1 else ''}{_window_words(cons)}")
    return why


# Nearness: among teachers who fit equally otherwise, the nearer one first. Worth up to as much as
# a full point of rating, fading to nothing at NEAR_FADE_MILES.
NEARNESS_WEIGHT = 0.1
NEAR_FADE_MILES = 6.0


def nearness(miles: float | None) -> float:
    if miles is None:
        return 0.0
    return NEARNESS_WEIGHT * max(0.0, 1.0 - miles / NEAR_FADE_MILES)
