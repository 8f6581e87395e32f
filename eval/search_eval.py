"""Search evaluation: every judged query through each system, scored against the graded qrels.

    python -m eval search                          # hybrid + trigram + vector, all queries, report
    python -m eval search --split dev --limit 20 --systems hybrid --fail-below ndcg@10=0.5
    python -m eval search --url http://127.0.0.1:8000 --systems hybrid   # against a running API

Writes, under eval/reports/<stamp>/: runs/<system>.trec (TREC run files), queries/<system>.tsv
(per-query rows), metrics.json, report.md and PNG plots; appends one line to eval/history.jsonl.

Metrics per system and split (see data/fixtures/eval/README.md for the definitions):
ndcg@10, mrr@10, recall@50, cp@10 (share of the top 10 keeping every intended hard constraint),
cp_contract@10 (the same, allowing what the response says it relaxed), zero_rate, relax_rate,
p50_ms, p95_ms. `--fail-below METRIC=VALUE` (optionally SYSTEM:METRIC, default hybrid, on the
evaluated queries) and `--fail-above` (for rates and latency) exit 1 when a guard fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time as clock
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT
from eval import metrics as M
from eval.systems import Run

EVAL_ROOT = PROJECT_ROOT / "eval"
REPORTS = EVAL_ROOT / "reports"
HISTORY = EVAL_ROOT / "history.jsonl"
K_RANK, K_RECALL = 10, 50
MAIN_METRICS = ("ndcg@10", "mrr@10", "recall@50", "cp@10")
ALL_METRICS = MAIN_METRICS + ("cp_contract@10", "zero_rate", "relax_rate", "p50_ms", "p95_ms")
PER_QUERY = ("ndcg@10", "mrr@10", "recall@50", "cp@10")
TIME_FIELDS = ("dates", "weekdays", "start_time", "end_time")


# ---------------------------------------------------------------------------------------------
# Scoring one query


def constraint_keep(intended: dict, run, k: int = K_RANK) -> tuple[float | None, float | None, dict]:
    """(cp strict, cp allowing the response's relaxations, violation counts) over the top k."""
    from eval.contract_check import violations
    from eval.judge import full_parsed

    parsed = full_parsed(intended)
    top = run.results[:k]
    if not top:
        return None, None, {}
    strict = contract = 0
    counts: dict[str, int] = {}
    for result in top:
        broken = violations(parsed, result, [])
        if not result.get("slots"):
            broken = sorted(set(broken) | {"no_slots"})
        allowed = violations(parsed, result, run.relaxed)
        if not result.get("slots"):
            allowed = allowed + ["no_slots"]
        strict += not broken
        contract += not allowed
        for name in broken:
            counts[name] = counts.get(name, 0) + 1
    return strict / len(top), contract / len(top), counts


def score_query(record: dict, run, qrels: dict[str, int], instructor_of: dict[str, str]) -> dict:
    cp, cpc, broken = constraint_keep(record.get("intended", {}), run)
    return {
        "qid": record["id"],
        "split": record.get("split", ""),
        "query": record["query"],
        "ndcg@10": M.ndcg_at_k(run.ranking, qrels, K_RANK, instructor_of),
        "mrr@10": M.mrr_at_k(run.ranking, qrels, K_RANK),
        "recall@50": M.recall_at_k(run.ranking, qrels, K_RECALL, instructor_of),
        "cp@10": cp,
        "cp_contract@10": cpc,
        "n_results": len(run.ranking),
        "total": run.total,
        "relaxed": ",".join(run.relaxed),
        "latency_ms": round(run.latency_ms, 2),
        "relevant": sum(1 for g in qrels.values() if g >= M.REL),
        "top_grades": "".join(str(qrels.get(d, 0)) for d in run.ranking[:K_RANK]),
        "violations": ",".join(f"{k}:{v}" for k, v in sorted(broken.items())),
        "parsed_service": (run.parsed or {}).get("service") or (run.parsed or {}).get("category") or "",
        "error": run.error or "",
        "tags": ",".join(record.get("tags", [])),
    }


def aggregate(rows: list[dict]) -> dict:
    if not rows:
        return {}
    out = {m: sum(r[m] for r in rows) / len(rows) for m in ("ndcg@10", "mrr@10", "recall@50")}
    for m in ("cp@10", "cp_contract@10"):
        vals = [r[m] for r in rows if r[m] is not None]
        out[m] = sum(vals) / len(vals) if vals else None
    out["zero_rate"] = sum(1 for r in rows if r["n_results"] == 0) / len(rows)
    out["relax_rate"] = sum(1 for r in rows if r["relaxed"]) / len(rows)
    lat = [r["latency_ms"] for r in rows]
    out["p50_ms"], out["p95_ms"] = M.percentile(lat, 50), M.percentile(lat, 95)
    out["queries"] = len(rows)
    return out


def paired(rows_a: list[dict], rows_b: list[dict], metric: str, seed: int = 0, n: int = 10_000) -> dict:
    """mean(a), mean(b), delta and p over the queries both systems scored."""
    a_by = {r["qid"]: r[metric] for r in rows_a if r[metric] is not None}
    b_by = {r["qid"]: r[metric] for r in rows_b if r[metric] is not None}
    qids = sorted(set(a_by) & set(b_by))
    a, b = [a_by[q] for q in qids], [b_by[q] for q in qids]
    if not qids:
        return {"a": None, "b": None, "delta": None, "p": None, "n": 0}
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    return {"a": ma, "b": mb, "delta": mb - ma, "p": M.randomization_test(a, b, n=n, seed=seed), "n": len(qids)}


# ---------------------------------------------------------------------------------------------
# Files


def write_trec(path: Path, system: str, runs: dict[str, Run]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        for qid in sorted(runs):
            run = runs[qid]
            for rank, (doc, score) in enumerate(zip(run.ranking, run.scores, strict=True), start=1):
                fh.write(f"{qid} Q0 {doc} {rank} {score:.6f} {system}\n")


def read_trec(path: Path) -> dict[str, list[str]]:
    ranked: dict[str, list[tuple[int, str]]] = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4:
            ranked.setdefault(parts[0], []).append((int(parts[3]), parts[2]))
    return {qid: [doc for _, doc in sorted(items)] for qid, items in ranked.items()}


def write_rows(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: ("" if v is None else round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
            )


def read_rows(path: Path) -> list[dict]:
    out = []
    with Path(path).open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            for m in PER_QUERY + ("cp_contract@10", "latency_ms"):
                row[m] = float(row[m]) if row.get(m) not in (None, "") else None
            row["n_results"] = int(row["n_results"])
            out.append(row)
    return out


def git_commit() -> tuple[str, bool]:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no", "--", "index", "nls"],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        return sha, dirty
    except (OSError, subprocess.CalledProcessError):
        return "unknown", False


# ---------------------------------------------------------------------------------------------
# Guards


def parse_guards(items: list[str]) -> list[tuple[str, str, float]]:
    out = []
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"error: expected METRIC=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        system, metric = name.split(":", 1) if ":" in name else ("hybrid", name)
        if metric not in ALL_METRICS:
            raise SystemExit(f"error: unknown metric {metric!r}; choose from {', '.join(ALL_METRICS)}")
        out.append((system, metric, float(value)))
    return out


def check_guards(summary: dict, below: list, above: list) -> list[str]:
    failures = []
    for (system, metric, value), op in [(g, "below") for g in below] + [(g, "above") for g in above]:
        got = summary.get(system, {}).get(metric)
        if got is None:
            failures.append(f"{system}:{metric} was not measured")
        elif op == "below" and got < value:
            failures.append(f"{system}:{metric} = {got:.4f} < {value}")
        elif op == "above" and got > value:
            failures.append(f"{system}:{metric} = {got:.4f} > {value}")
    return failures


# ---------------------------------------------------------------------------------------------
# Main


def select(queries: list[dict], args) -> list[dict]:
    out = [q for q in queries if args.split == "all" or q.get("split") == args.split]
    if args.ids:
        wanted = set(args.ids.split(","))
        out = [q for q in out if q["id"] in wanted]
    if args.tag:
        out = [q for q in out if args.tag in q.get("tags", [])]
    return out


def fmt(v, metric: str = "") -> str:
    if v is None:
        return "–"
    if metric.endswith("_ms"):
        return f"{v:.1f}"
    return f"{v:.3f}"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval search", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--systems",
        default=",".join(("hybrid", "trigram", "vector")),
        help="comma-separated: hybrid, trigram, vector (default all)",
    )
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--limit", type=int, default=0, help="only the first N selected queries")
    ap.add_argument("--ids", default="", help="comma-separated query ids")
    ap.add_argument("--tag", default="", help="only queries with this tag")
    ap.add_argument(
        "--require-relevant",
        action="store_true",
        help="skip queries with no grade >= 2 row in the database (small CI databases)",
    )
    ap.add_argument(
        "--instructors",
        type=int,
        default=None,
        help="eval database size (default 1000, judged by the committed qrels; other sizes "
        "are judged in process by the same rule)",
    )
    ap.add_argument(
        "--url",
        default=None,
        help="evaluate the API at this base URL instead of in process "
        "(it must serve the eval database; dates are judged at the fixed eval time)",
    )
    ap.add_argument("--out", type=Path, default=None, help="report folder (default eval/reports/<stamp>)")
    ap.add_argument("--fail-below", action="append", default=[], metavar="[SYSTEM:]METRIC=VALUE")
    ap.add_argument("--fail-above", action="append", default=[], metavar="[SYSTEM:]METRIC=VALUE")
    ap.add_argument("--no-history", action="store_true", help="do not append to eval/history.jsonl")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--permutations", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    below, above = parse_guards(args.fail_below), parse_guards(args.fail_above)
    return evaluate(args, below, above)


def evaluate(args, below, above) -> int:
    from eval import dataset, judge, systems

    systems_wanted = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems_wanted) - set(systems.SYSTEMS)
    if unknown:
        print(f"error: unknown system(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    instructors = args.instructors or dataset.INSTRUCTORS
    queries = select(judge.load_queries(), args)
    if not queries:
        print("error: no queries selected", file=sys.stderr)
        return 2
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    engine = None if args.url and systems_wanted == ["hybrid"] else dataset.eval_engine(instructors, quiet=args.quiet)
    if instructors == dataset.INSTRUCTORS and judge.QRELS.exists():
        all_qrels, instructor_of = judge.read_qrels(), judge.read_docs()
    else:
        log(f"judging {len(queries)} queries on the {instructors}-instructor database")
        assert engine is not None  # judging needs the database, even when the systems run over HTTP
        all_qrels = judge.judge_all(engine, queries)
        instructor_of = {r.id: r.profile_id for r in judge.load_rows(engine)}
    if args.require_relevant:
        queries = [q for q in queries if any(g >= M.REL for g in all_qrels.get(q["id"], {}).values())]
    queries = queries[: args.limit] if args.limit else queries

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    commit, dirty = git_commit()
    out_dir = args.out or REPORTS / f"{stamp}-{commit}"
    per_system: dict[str, list[dict]] = {}
    for system in systems_wanted:
        if system == "hybrid" and not args.url:
            systems.run("hybrid", engine, {"query": "piano lessons"}, now=dataset.NOW, k=5)  # warm-up
        started = clock.perf_counter()
        runs = {}
        rows = []
        for q in queries:
            run = systems.run(system, engine, q, now=dataset.NOW, k=K_RECALL, url=args.url)
            runs[q["id"]] = run
            rows.append(score_query(q, run, all_qrels.get(q["id"], {}), instructor_of))
        per_system[system] = rows
        write_trec(out_dir / "runs" / f"{system}.trec", system, runs)
        write_rows(out_dir / "queries" / f"{system}.tsv", rows)
        log(f"{system}: {len(queries)} queries in {clock.perf_counter() - started:.1f}s")

    splits = ["all"] + [s for s in ("test", "dev") if any(q.get("split") == s for q in queries)]
    summary = {
        split: {
            system: aggregate([r for r in rows if split == "all" or r["split"] == split])
            for system, rows in per_system.items()
        }
        for split in splits
    }
    significance: dict[str, Any] = {}
    if "hybrid" in per_system:
        for split in splits:
            for base in per_system:
                if base == "hybrid":
                    continue
                a = [r for r in per_system[base] if split == "all" or r["split"] == split]
                b = [r for r in per_system["hybrid"] if split == "all" or r["split"] == split]
                significance.setdefault(split, {})[base] = {
                    m: paired(a, b, m, seed=args.seed, n=args.permutations) for m in PER_QUERY
                }
    record = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "dirty": dirty,
        "instructors": instructors,
        "queries": len(queries),
        "subset": bool(args.limit or args.ids or args.tag or args.require_relevant or args.split != "all"),
        "url": args.url,
        "report": str(out_dir.relative_to(PROJECT_ROOT)) if out_dir.is_relative_to(PROJECT_ROOT) else str(out_dir),
        "metrics": {
            split: {
                s: {m: (round(v, 4) if isinstance(v, float) else v) for m, v in agg.items()}
                for s, agg in by_sys.items()
            }
            for split, by_sys in summary.items()
        },
    }
    (out_dir / "metrics.json").write_text(json.dumps({**record, "significance": significance}, indent=1))
    if not args.no_history:
        with HISTORY.open("a") as fh:
            fh.write(json.dumps(record) + "\n")
    from eval import report

    report.write(out_dir, record, summary, significance, per_system, queries, plots=not args.no_plots)
    log(report.console_table(summary))
    log(f"report: {out_dir / 'report.md'}")
    failures = check_guards(summary[args.split if args.split in summary else "all"], below, above)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
