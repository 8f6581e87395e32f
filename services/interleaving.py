"""Interleaving experiments between two ranker configs: team-draft interleaving of their rankings,
credit of clicks and bookings to the ranker that contributed the result, and the winner with an exact
two-sided binomial (sign) test over the searches where one ranker won.

A ranker config (`data/rankers/<name>.json`) re-orders the results search returned, by weights over what
every result carries (its position in search's order, score, rating, price, soonest slot, misses) and a
switch that keeps exact fits first. `index/` is not changed: the config re-ranks search's answer, so the
experiment compares re-rankings of one candidate list (the judged `base` config keeps search's order).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT

RANKERS = PROJECT_ROOT / "data" / "rankers"
FEATURES = ("order", "score", "rating", "price", "soonest", "misses")


@dataclass(frozen=True)
class RankerConfig:
    name: str
    weights: dict[str, float]
    exact_fits_first: bool = True

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown ranker features {unknown}; use {', '.join(FEATURES)}")


def load_config(name: str, folder: Path = RANKERS) -> RankerConfig:
    """The config in `folder/<name>.json`: {"weights": {...}, "switches": {"exact_fits_first": true}}."""
    data = json.loads((folder / f"{name}.json").read_text())
    switches = data.get("switches", {})
    return RankerConfig(
        name=name,
        weights={k: float(v) for k, v in data.get("weights", {}).items()},
        exact_fits_first=bool(switches.get("exact_fits_first", True)),
    )


def _features(position: int, result: dict[str, Any]) -> dict[str, float]:
    """Each feature scaled so that larger is better and typical values lie in [0, 1]."""
    price = (result.get("lesson") or {}).get("price")
    soonest = result.get("next_available")
    rating = (result.get("instructor") or {}).get("rating")
    days_away = (datetime.fromisoformat(soonest).timestamp() - 1.7e9) / 86400 if soonest else 1e4
    return {
        "order": 1.0 / (1 + position),
        "score": float(result.get("score") or 0.0),
        "rating": (float(rating) / 5.0) if rating else 0.0,
        "price": -(float(price) / 200.0) if price is not None else -1.0,
        "soonest": -days_away / 30.0,
        "misses": -float(len(result.get("misses") or [])),
    }


def rerank(config: RankerConfig, results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results in the config's order (a stable sort: ties keep search's order)."""

    def key(item: tuple[int, dict[str, Any]]) -> tuple[bool, float]:
        position, result = item
        features = _features(position, result)
        value = sum(weight * features[name] for name, weight in config.weights.items())
        return (config.exact_fits_first and bool(result.get("misses")), -value)

    return [r for _, r in sorted(enumerate(results), key=key)]


@dataclass
class Interleaved:
    """The shown list and, for each position, the team ("A" or "B") that contributed its result."""

    results: list[dict[str, Any]] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)


def team_draft(
    a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]], *, length: int, rng: random.Random
) -> Interleaved:
    """Team-draft interleaving (Radlinski et al., 2008): in each round a coin decides which team picks
    first; each team adds its highest-ranked result not shown yet. Results are told apart by their
    instructor_service_id."""
    shown: set[str] = set()
    out = Interleaved()
    picks = {"A": 0, "B": 0}
    rankings = {"A": list(a), "B": list(b)}

    def pick(team: str) -> bool:
        for result in rankings[team]:
            key = result["instructor_service_id"]
            if key not in shown:
                shown.add(key)
                out.results.append(result)
                out.teams.append(team)
                picks[team] += 1
                return True
        return False

    while len(out.results) < length:
        if picks["A"] < picks["B"] or (picks["A"] == picks["B"] and rng.random() < 0.5):
            order = ("A", "B")
        else:
            order = ("B", "A")
        added = False
        for team in order:
            if len(out.results) < length and pick(team):
                added = True
        if not added:
            break
    return out


def credit(teams: Sequence[str], clicked_positions: Sequence[int], booked_positions: Sequence[int] = ()) -> str | None:
    """The team that won one search: more clicks on its results (a booking counts as a click again);
    None for a tie or no click."""
    score = {"A": 0, "B": 0}
    for position in [*clicked_positions, *booked_positions]:
        if 1 <= position <= len(teams):
            score[teams[position - 1]] += 1
    if score["A"] == score["B"]:
        return None
    return "A" if score["A"] > score["B"] else "B"


def binomial_p(wins: int, losses: int) -> float:
    """Two-sided exact binomial test of wins against losses under p = 0.5 (ties left out)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class Verdict:
    a_wins: int
    b_wins: int
    ties: int
    p_value: float
    winner: str | None  # "A", "B", or None while not significant at `alpha`


def verdict(outcomes: Sequence[str | None], *, alpha: float = 0.05) -> Verdict:
    a, b = outcomes.count("A"), outcomes.count("B")
    p = binomial_p(a, b)
    winner = ("A" if a > b else "B") if p < alpha and a != b else None
    return Verdict(a, b, len(outcomes) - a - b, p, winner)
