"""Harness plumbing without a database: guards, run files, compare, report tables."""

from __future__ import annotations

import pytest

from eval import compare, search_eval
from eval.systems import Run


def test_guards_parse_and_check():
    below = search_eval.parse_guards(["ndcg@10=0.5", "trigram:cp@10=0.2"])
    above = search_eval.parse_guards(["zero_rate=0.1"])
    assert below == [("hybrid", "ndcg@10", 0.5), ("trigram", "cp@10", 0.2)]
    summary = {"hybrid": {"ndcg@10": 0.6, "zero_rate": 0.2}, "trigram": {"cp@10": 0.1}}
    failures = search_eval.check_guards(summary, below, above)
    assert failures == ["trigram:cp@10 = 0.1000 < 0.2", "hybrid:zero_rate = 0.2000 > 0.1"]
    with pytest.raises(SystemExit):
        search_eval.parse_guards(["nope=1"])
    with pytest.raises(SystemExit):
        search_eval.parse_guards(["ndcg@10"])


def test_trec_round_trip(tmp_path):
    runs = {"q2": Run(["b", "a"], [0.9, 0.5], []), "q1": Run(["c"], [1.0], [])}
    path = tmp_path / "runs" / "x.trec"
    search_eval.write_trec(path, "x", runs)
    assert path.read_text().splitlines()[0] == "q1 Q0 c 1 1.000000 x"
    assert search_eval.read_trec(path) == {"q1": ["c"], "q2": ["b", "a"]}


def _rows(values):
    return [
        {
            "qid": f"q{i}",
            "split": "test",
            "query": f"query {i}",
            "ndcg@10": v,
            "mrr@10": v,
            "recall@50": v,
            "cp@10": v,
            "cp_contract@10": v,
            "n_results": 1,
            "relaxed": "",
            "latency_ms": 5.0,
        }
        for i, v in enumerate(values)
    ]


def test_aggregate_and_rows_round_trip(tmp_path):
    rows = _rows([0.0, 0.5, 1.0])
    rows[0]["cp@10"] = None
    rows[0]["n_results"] = 0
    agg = search_eval.aggregate(rows)
    assert agg["ndcg@10"] == pytest.approx(0.5)
    assert agg["cp@10"] == pytest.approx(0.75)  # queries without results have no cp
    assert agg["zero_rate"] == pytest.approx(1 / 3)
    search_eval.write_rows(tmp_path / "q.tsv", rows)
    back = search_eval.read_rows(tmp_path / "q.tsv")
    assert back[0]["cp@10"] is None and back[2]["ndcg@10"] == 1.0


def test_compare_lists_moves_and_p():
    a, b = _rows([0.2, 0.5, 0.9, 0.4]), _rows([0.8, 0.5, 0.3, 0.9])
    stats, better, worse = compare.compare(a, b, show=5, n=2000)
    assert stats["ndcg@10"]["delta"] == pytest.approx((0.6 + 0 - 0.6 + 0.5) / 4)
    assert 0 < stats["ndcg@10"]["p"] <= 1
    assert [m[1] for m in better] == ["q0", "q3"] and [m[1] for m in worse] == ["q2"]


def test_constraint_keep_counts_broken_results():
    ok = {
        "service": {"slug": "piano", "category": "music"},
        "price": {"in_person": 50.0, "online": None},
        "formats": ["in_person"],
        "instructor": {
            "areas": {"boroughs": [], "neighborhoods": ["park-slope"]},
            "languages": ["english"],
            "rating": 4.5,
        },
        "slots": [{"start": "2026-12-05T09:00:00-05:00", "end": "2026-12-05T10:00:00-05:00"}],
    }
    expensive = {**ok, "price": {"in_person": 90.0, "online": None}}
    no_slots = {**ok, "slots": []}
    intended = {"service": "piano", "price_max": 60}
    cp, cpc, broken = search_eval.constraint_keep(intended, Run(["a", "b", "c"], [1, 1, 1], [ok, expensive, no_slots]))
    assert cp == pytest.approx(1 / 3) and cpc == pytest.approx(1 / 3)
    assert broken == {"price_max": 1, "no_slots": 1}
    relaxed = Run(["b"], [1], [{**ok, "price": {"in_person": 70.0, "online": None}}], relaxed=["price"])
    cp, cpc, _ = search_eval.constraint_keep(intended, relaxed)
    assert cp == 0.0 and cpc == 1.0  # within the contract's ×1.25 price relaxation
