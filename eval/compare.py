"""Compare two runs: metric deltas with a paired randomization test, and which queries moved.

    python -m eval compare RUN_A RUN_B [--system hybrid] [--show 10] [--metric ndcg@10]

RUN_A is the reference, RUN_B the candidate (Δ = B − A). Each RUN is one of:
* a TREC run file (`runs/<system>.trec`): nDCG@10, MRR@10 and Recall@50 are computed from the
  committed qrels; cp@10 and latency come from the per-query file next to it when there is one
  (`../queries/<system>.tsv`);
* a per-query file (`queries/<system>.tsv`) written by `python -m eval search`;
* a report folder (`eval/reports/<stamp>`): its `queries/<--system>.tsv`.

Only queries present in both runs are compared. p is two-sided, from 10,000 seeded sign flips of
the per-query differences (eval/metrics.py: randomization_test).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval import metrics as M
from eval.search_eval import PER_QUERY, paired, read_rows, read_trec


def load(path: Path, system: str) -> tuple[list[dict], str]:
    path = Path(path)
    if path.is_dir():
        path = path / "queries" / f"{system}.tsv"
    if path.suffix == ".tsv":
        return read_rows(path), str(path)
    if path.suffix != ".trec":
        raise SystemExit(f"error: {path} is neither a .trec run, a per-query .tsv nor a report folder")
    from eval import judge

    qrels, instructor_of = judge.read_qrels(), judge.read_docs()
    split_of = {q["id"]: (q.get("split", ""), q["query"]) for q in judge.load_queries()}
    sidecar = path.parent.parent / "queries" / (path.stem + ".tsv")
    extra = {r["qid"]: r for r in read_rows(sidecar)} if sidecar.exists() else {}
    rows = []
    for qid, ranking in read_trec(path).items():
        q = qrels.get(qid, {})
        row = {
            "qid": qid,
            "split": split_of.get(qid, ("", ""))[0],
            "query": split_of.get(qid, ("", qid))[1],
            "ndcg@10": M.ndcg_at_k(ranking, q, 10, instructor_of),
            "mrr@10": M.mrr_at_k(ranking, q, 10),
            "recall@50": M.recall_at_k(ranking, q, 50, instructor_of),
            "cp@10": extra.get(qid, {}).get("cp@10"),
            "latency_ms": extra.get(qid, {}).get("latency_ms"),
            "n_results": len(ranking),
        }
        rows.append(row)
    # A query with no results has no line in a TREC run: score it from the sidecar, or as zero.
    for qid, r in extra.items():
        if qid not in {row["qid"] for row in rows}:
            rows.append({**r, "ndcg@10": 0.0, "mrr@10": 0.0, "recall@50": 0.0})
    return rows, str(path)


def compare(
    rows_a: list[dict],
    rows_b: list[dict],
    *,
    metric: str = "ndcg@10",
    show: int = 10,
    n: int = 10_000,
    seed: int = 0,
    split: str = "all",
) -> tuple[dict, list[tuple], list[tuple]]:
    if split != "all":
        rows_a = [r for r in rows_a if r.get("split") == split]
        rows_b = [r for r in rows_b if r.get("split") == split]
    stats = {m: paired(rows_a, rows_b, m, seed=seed, n=n) for m in PER_QUERY}
    a_by = {r["qid"]: r for r in rows_a}
    moves = []
    for r in rows_b:
        if r["qid"] in a_by and r[metric] is not None and a_by[r["qid"]][metric] is not None:
            moves.append(
                (r[metric] - a_by[r["qid"]][metric], r["qid"], r.get("query", ""), a_by[r["qid"]][metric], r[metric])
            )
    better = sorted([m for m in moves if m[0] > 1e-9], key=lambda m: (-m[0], m[1]))[:show]
    worse = sorted([m for m in moves if m[0] < -1e-9], key=lambda m: (m[0], m[1]))[:show]
    return stats, better, worse


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval compare", description=__doc__.split("\n")[0])
    ap.add_argument("run_a", type=Path, help="reference run")
    ap.add_argument("run_b", type=Path, help="candidate run")
    ap.add_argument("--system", default="hybrid", help="system file to read from a report folder")
    ap.add_argument("--system-b", default=None, help="system for RUN_B when it differs (default --system)")
    ap.add_argument("--metric", default="ndcg@10", choices=PER_QUERY, help="metric for the query lists")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--permutations", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rows_a, name_a = load(args.run_a, args.system)
    rows_b, name_b = load(args.run_b, args.system_b or args.system)
    stats, better, worse = compare(
        rows_a, rows_b, metric=args.metric, show=args.show, n=args.permutations, seed=args.seed, split=args.split
    )
    print(f"A = {name_a}\nB = {name_b}\n")
    print(f"{'metric':10} {'A':>8} {'B':>8} {'Δ (B−A)':>9} {'p':>8} {'n':>5}")
    for m, s in stats.items():
        if s["n"]:
            flag = " *" if s["p"] < 0.05 else ""
            print(f"{m:10} {s['a']:8.3f} {s['b']:8.3f} {s['delta']:+9.3f} {s['p']:8.4f} {s['n']:5}{flag}")
        else:
            print(f"{m:10} {'–':>8} {'–':>8} {'–':>9} {'–':>8} {0:5}")
    print(f"\n* p < 0.05 (two-sided paired randomization test, {args.permutations:,} sign flips, seed {args.seed})")
    for title, items in ((f"better in B ({args.metric})", better), (f"worse in B ({args.metric})", worse)):
        print(f"\n{title}: {len(items)} shown")
        for delta, qid, query, a, b in items:
            print(f"  {qid} {a:.3f} → {b:.3f} ({delta:+.3f})  {query}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
