"""Team-draft interleaving, credit and the binomial test (services/interleaving.py)."""

from __future__ import annotations

import random

import pytest

from services import interleaving


def _results(ids: str) -> list[dict]:
    return [{"instructor_service_id": i} for i in ids]


@pytest.mark.parametrize("seed", range(20))
def test_team_draft_shows_each_result_once_and_keeps_each_teams_order(seed):
    a, b = _results("abcdefgh"), _results("hgbacfed")
    shown = interleaving.team_draft(a, b, length=6, rng=random.Random(seed))
    ids = [r["instructor_service_id"] for r in shown.results]
    assert len(ids) == 6 == len(set(ids)) == len(shown.teams)
    assert abs(shown.teams.count("A") - shown.teams.count("B")) <= 1
    for team, ranking in (("A", "abcdefgh"), ("B", "hgbacfed")):
        picked = [i for i, t in zip(ids, shown.teams, strict=True) if t == team]
        assert picked == sorted(picked, key=ranking.index)  # each team picks in its own order


def test_the_same_ranking_twice_is_that_ranking():
    a = _results("abcdef")
    shown = interleaving.team_draft(a, a, length=6, rng=random.Random(3))
    assert [r["instructor_service_id"] for r in shown.results] == list("abcdef")


def test_credit_goes_to_the_team_of_the_clicked_results():
    teams = ["A", "B", "A", "B"]
    assert interleaving.credit(teams, [1]) == "A"
    assert interleaving.credit(teams, [2, 4, 1]) == "B"
    assert interleaving.credit(teams, [1, 2]) is None
    assert interleaving.credit(teams, [1, 2], booked_positions=[2]) == "B"  # a booking counts again
    assert interleaving.credit(teams, []) is None and interleaving.credit(teams, [9]) is None


def test_binomial_p_values():
    assert interleaving.binomial_p(0, 0) == 1.0
    assert interleaving.binomial_p(5, 5) == 1.0
    assert interleaving.binomial_p(10, 0) == pytest.approx(2 / 1024)
    assert interleaving.binomial_p(60, 40) == pytest.approx(0.0569, abs=1e-3)  # scipy.stats.binomtest
    assert interleaving.verdict(["A"] * 60 + ["B"] * 30 + [None] * 10).winner == "A"
    assert interleaving.verdict(["A"] * 60 + ["B"] * 40).winner is None


def test_configs_are_read_from_files_and_checked(tmp_path):
    base = interleaving.load_config("base")
    assert base.weights == {"order": 1.0} and base.exact_fits_first
    results = [{"instructor_service_id": str(i), "lesson": {"price": p}} for i, p in enumerate((90, 30, 60))]
    assert interleaving.rerank(base, results) == results
    cheapest = interleaving.load_config("cheapest")
    assert [r["lesson"]["price"] for r in interleaving.rerank(cheapest, results)] == [30, 60, 90]
    (tmp_path / "bad.json").write_text('{"weights": {"charisma": 1}}')
    with pytest.raises(ValueError, match="charisma"):
        interleaving.load_config("bad", folder=tmp_path)
