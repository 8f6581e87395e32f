"""Ranking metrics over graded qrels, and the paired randomization test.

Conventions (documented in data/fixtures/eval/README.md):
* gain = 2^grade - 1, discount = log2(rank + 1); unjudged documents have grade 0.
* "relevant" (MRR, recall) means grade >= 2 (REL).
* The search returns one result per instructor, so the ideal ranking and the recall denominator
  count each instructor once (their best row) when `instructor_of` is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

REL = 2


def _best_per_instructor(qrels: Mapping[str, int], instructor_of: Mapping[str, str] | None) -> list[int]:
    if not instructor_of:
        return [g for g in qrels.values() if g > 0]
    best: dict[str, int] = {}
    for doc, g in qrels.items():
        key = instructor_of.get(doc, doc)
        best[key] = max(best.get(key, 0), g)
    return [g for g in best.values() if g > 0]


def dcg(grades: Sequence[int], k: int) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))


def ndcg_at_k(
    ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10, instructor_of: Mapping[str, str] | None = None
) -> float:
    ideal = dcg(sorted(_best_per_instructor(qrels, instructor_of), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg([qrels.get(doc, 0) for doc in ranking], k) / ideal


def mrr_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10, rel: int = REL) -> float:
    for i, doc in enumerate(ranking[:k]):
        if qrels.get(doc, 0) >= rel:
            return 1.0 / (i + 1)
    return 0.0


def recall_at_k(
    ranking: Sequence[str],
    qrels: Mapping[str, int],
    k: int = 50,
    instructor_of: Mapping[str, str] | None = None,
    rel: int = REL,
) -> float:
    total = sum(1 for g in _best_per_instructor({d: g for d, g in qrels.items() if g >= rel}, instructor_of))
    if total == 0:
        return 0.0
    seen = set()
    for doc in ranking[:k]:
        if qrels.get(doc, 0) >= rel:
            seen.add(instructor_of.get(doc, doc) if instructor_of else doc)
    return len(seen) / total


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def randomization_test(a: Sequence[float], b: Sequence[float], n: int = 10_000, seed: int = 0) -> float:
    """Two-sided paired randomization (sign-flip) test of mean(b - a) = 0.

    Under the null the two systems are exchangeable per query, so each per-query difference keeps
    or flips its sign with probability 1/2. p = (1 + #{|mean(perm)| >= |mean(obs)|}) / (1 + n).
    """
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if d.size == 0:
        return 1.0
    observed = abs(d.mean())
    if observed == 0:
        return 1.0
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n, d.size))
    means = np.abs((signs * d).mean(axis=1))
    hits = int(np.count_nonzero(means >= observed - 1e-12))
    return (hits + 1) / (n + 1)
