"""Eval metrics on small hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval import metrics as M


def test_dcg_and_ndcg_by_hand():
    qrels = {"a": 3, "b": 2, "c": 1}
    # ranking b, x, a: gains 3, 0, 7 at ranks 1..3 -> 3/1 + 0 + 7/log2(4) = 3 + 3.5
    assert M.dcg([2, 0, 3], 10) == pytest.approx(3 + 7 / 2)
    ideal = 7 + 3 / math.log2(3) + 1 / 2  # a, b, c
    assert M.ndcg_at_k(["b", "x", "a"], qrels, 10) == pytest.approx(6.5 / ideal)
    assert M.ndcg_at_k(["a", "b", "c"], qrels, 10) == pytest.approx(1.0)
    assert M.ndcg_at_k(["x", "y"], qrels, 10) == 0.0
    assert M.ndcg_at_k(["a"], {}, 10) == 0.0  # nothing relevant: defined as 0


def test_ndcg_cuts_at_k():
    qrels = {"a": 3, "b": 3}
    assert M.ndcg_at_k(["x", "a"], qrels, 1) == 0.0
    assert M.ndcg_at_k(["a", "x"], qrels, 1) == pytest.approx(1.0)


def test_ideal_counts_each_instructor_once():
    # rows a1 and a2 belong to one instructor: the search can show only one of them
    qrels = {"a1": 3, "a2": 3, "b": 2}
    owner = {"a1": "A", "a2": "A", "b": "B"}
    assert M.ndcg_at_k(["a1", "b"], qrels, 10, owner) == pytest.approx(1.0)
    assert M.ndcg_at_k(["a1", "b"], qrels, 10) < 1.0
    assert M.recall_at_k(["a2", "b"], qrels, 50, owner) == pytest.approx(1.0)
    assert M.recall_at_k(["a2"], qrels, 50, owner) == pytest.approx(0.5)


def test_mrr_uses_grade_two_or_more():
    qrels = {"a": 1, "b": 2, "c": 3}
    assert M.mrr_at_k(["a", "x", "b"], qrels, 10) == pytest.approx(1 / 3)
    assert M.mrr_at_k(["c"], qrels, 10) == 1.0
    assert M.mrr_at_k(["a", "x"], qrels, 10) == 0.0
    assert M.mrr_at_k(["x"] * 10 + ["c"], qrels, 10) == 0.0


def test_recall_by_hand():
    qrels = {"a": 3, "b": 2, "c": 2, "d": 1}
    assert M.recall_at_k(["a", "d", "x"], qrels, 50) == pytest.approx(1 / 3)
    assert M.recall_at_k(["c", "b", "a"], qrels, 2) == pytest.approx(2 / 3)
    assert M.recall_at_k(["a"], {"d": 1}, 50) == 0.0


def test_percentile():
    assert M.percentile([10, 20, 30, 40], 50) == pytest.approx(25)
    assert math.isnan(M.percentile([], 50))


def test_randomization_identical_systems():
    assert M.randomization_test([0.1, 0.5, 0.9], [0.1, 0.5, 0.9]) == 1.0
    assert M.randomization_test([], []) == 1.0


def test_randomization_exact_small_case():
    # 3 queries, differences +1, +1, +1: of the 8 sign patterns only +++ and --- reach |mean| = 1,
    # so the exact two-sided p is 2/8; 10,000 seeded flips estimate it closely.
    p = M.randomization_test([0, 0, 0], [1, 1, 1], n=10_000, seed=0)
    assert p == pytest.approx(0.25, abs=0.015)
    assert p == M.randomization_test([0, 0, 0], [1, 1, 1], n=10_000, seed=0)  # seeded: reproducible


def test_randomization_detects_consistent_gain_and_is_symmetric():
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 0.5, 40)
    b = a + 0.2 + rng.normal(0, 0.05, 40)
    p = M.randomization_test(a, b)
    assert p < 0.001
    assert p == pytest.approx(M.randomization_test(b, a))
    noise_b = a + rng.normal(0, 0.05, 40)
    assert M.randomization_test(a, noise_b) > 0.05
