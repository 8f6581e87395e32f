"""Interleaving experiments between two ranker configs (data/rankers/*.json):
``python -m eval experiment NAME [--since 7d]`` credits the recorded clicks and bookings of the running
experiment NAME's interleaved searches (services/experiments.py) and names the winner;
``python -m eval experiment CONFIG --simulate [--against base] [--searches 400] [--seed 1]`` simulates it.

Each simulated search takes a judged dev query, asks search (index/) for its results on the configured
database, re-ranks them with both configs, shows a team-draft interleaving of the two (10 results),
and lets a student click with position bias by the judged service fit and sometimes book
(eval/online_session.py's click model); a search is won by the config whose results got more clicks
and bookings. The winner is reported with an exact binomial test (services/interleaving.py).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from typing import Any

from core.clock import utc_now
from eval.online import period
from eval.online_session import BOOK, CLICK, EXAMINE, JUDGED, grade
from services import interleaving

SHOWN = 10
POOL = 30


def answerable(split: str = "dev") -> list[dict[str, Any]]:
    """Judged queries with a service to find (no-match queries teach an interleaving nothing)."""
    queries = [json.loads(line) for line in JUDGED.read_text().splitlines() if line.strip()]
    return [q for q in queries if q["split"] == split and q["ideal"] and not q["expect_no_match"]]


def pools(engine: Any, queries: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each query with search's results (the candidates both configs re-rank); queries without any
    result are left out."""
    from index.search import SearchOptions, search

    out = []
    for judged in queries:
        results = search(engine, judged["query"], cache=None, opts=SearchOptions(limit=POOL))["results"]
        if results:
            out.append((judged, results))
    return out


def dcg(judged: dict[str, Any], ranked: Sequence[dict[str, Any]], k: int = SHOWN) -> float:
    """The offline quality of a ranking by the judged service fit: sum of (2^grade - 1) / log2(1 + rank)."""
    import math

    return sum((2 ** grade(judged, r) - 1) / math.log2(i + 2) for i, r in enumerate(ranked[:k]))


def simulate(
    pooled: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]],
    a: interleaving.RankerConfig,
    b: interleaving.RankerConfig,
    *,
    searches: int,
    seed: int,
) -> list[str | None]:
    """The winner ("A", "B" or None) of each of `searches` simulated interleaved searches."""
    rng = random.Random(seed)
    outcomes: list[str | None] = []
    for _ in range(searches):
        judged, results = rng.choice(pooled)
        shown = interleaving.team_draft(
            interleaving.rerank(a, results), interleaving.rerank(b, results), length=SHOWN, rng=rng
        )
        clicks, bookings = [], []
        for position, result in enumerate(shown.results, start=1):
            if rng.random() < position**-EXAMINE:
                g = grade(judged, result)
                if rng.random() < CLICK[g]:
                    clicks.append(position)
                    if rng.random() < BOOK[g]:
                        bookings.append(position)
        outcomes.append(interleaving.credit(shown.teams, clicks, bookings))
    return outcomes


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval experiment", description=__doc__.splitlines()[0])
    ap.add_argument("name", help="the experiment (as in var/experiment.json), or with --simulate a ranker config")
    ap.add_argument("--since", type=period, default=period("7d"), help="online: how far back (default 7d)")
    ap.add_argument("--simulate", action="store_true", help="simulated students instead of the recorded clicks")
    ap.add_argument("--against", default="base", help="--simulate: the config NAME is compared with (default base)")
    ap.add_argument("--searches", type=int, default=400, help="--simulate: how many searches (default 400)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.searches < 1:
        ap.error("--searches must be at least 1")

    from sqlalchemy.orm import Session

    from core.db import get_engine

    if not args.simulate:
        from services import experiments

        until = utc_now()
        with Session(get_engine()) as db:
            result = interleaving.verdict(
                experiments.outcomes(db, name=args.name, since=until - args.since, until=until)
            )
        print(
            f"experiment {args.name}: {result.a_wins + result.b_wins + result.ties} interleaved searches; "
            f"A won {result.a_wins}, B won {result.b_wins}, ties {result.ties}; binomial p = {result.p_value:.2g}; "
            + (f"winner: {result.winner}" if result.winner else "no significant winner")
        )
        return 0
    try:
        a, b = interleaving.load_config(args.against), interleaving.load_config(args.name)
    except FileNotFoundError as missing:
        ap.error(f"no such ranker config: {missing.filename}")
    pooled = pools(get_engine(), answerable())
    offline = {cfg.name: sum(dcg(j, interleaving.rerank(cfg, r)) for j, r in pooled) / len(pooled) for cfg in (a, b)}
    result = interleaving.verdict(simulate(pooled, a, b, searches=args.searches, seed=args.seed))
    names = {"A": a.name, "B": b.name}
    print(
        f"{len(pooled)} judged queries; offline DCG@10 {a.name} {offline[a.name]:.3f}, {b.name} {offline[b.name]:.3f}"
    )
    print(
        f"{args.searches} interleaved searches: {a.name} won {result.a_wins}, {b.name} won {result.b_wins}, "
        f"ties {result.ties}; binomial p = {result.p_value:.2g}; "
        + (f"winner: {names[result.winner]}" if result.winner else "no significant winner")
    )
    return 0
