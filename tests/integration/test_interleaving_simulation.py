"""The interleaving experiment finds the better ranker: on the test database, simulated students (the
judged dev queries, clicks by judged service fit with position bias, some bookings) are shown team-draft
interleavings of search's own order (`base`) and a known-worse config (`cheapest`: the cheapest lesson
first, whatever it teaches). Within 3,000 searches the binomial test names `base` at p < 0.05 for every
seed; an A/A experiment (base against itself) names no winner."""

from __future__ import annotations

import pytest

from eval import experiment
from services import interleaving

SEARCHES = 3000


@pytest.fixture(scope="module")
def pooled(indexed_engine):
    return experiment.pools(indexed_engine, experiment.answerable())


def test_base_is_better_offline(pooled):
    base, cheapest = interleaving.load_config("base"), interleaving.load_config("cheapest")
    mean = {
        cfg.name: sum(experiment.dcg(j, interleaving.rerank(cfg, r)) for j, r in pooled) / len(pooled)
        for cfg in (base, cheapest)
    }
    assert len(pooled) >= 40 and mean["base"] > mean["cheapest"]


@pytest.mark.parametrize("seed", range(1, 6))
def test_the_experiment_picks_the_better_config(pooled, seed):
    base, cheapest = interleaving.load_config("base"), interleaving.load_config("cheapest")
    outcomes = experiment.simulate(pooled, cheapest, base, searches=SEARCHES, seed=seed)  # base is team B
    result = interleaving.verdict(outcomes)
    assert result.winner == "B", result


def test_an_a_a_experiment_names_no_winner(pooled):
    base = interleaving.load_config("base")
    result = interleaving.verdict(experiment.simulate(pooled, base, base, searches=SEARCHES, seed=11))
    assert result.winner is None, result
