"""python -m eval.rubric grade | compare"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import compare as cmp
from . import report
from .grade import QUERIES_PATH, ROOT, WORLD_PATH, Reference, World, grade_all, load_queries, load_responses, summarize

BELOW = {"ndcg@10", "p@5", "top1", "nomatch"}
# dev/test: queries.jsonl; dev2: queries_dev2.jsonl; dev3: queries_dev3.jsonl; geo-dev/geo-test: queries_geo.jsonl;
# all: every line of --queries
SPLITS = ["dev", "test", "dev2", "dev3", "geo-dev", "geo-test", "all"]
ABOVE = {"hv@5", "zero"}


def _guards(specs: list[str], allowed: set[str], flag: str) -> list[tuple[str, float]]:
    out = []
    for spec in specs or []:
        if "=" not in spec:
            raise SystemExit(f"{flag} wants METRIC=VALUE, got {spec!r}")
        m, v = spec.split("=", 1)
        m = m.strip().lower()
        if m not in allowed:
            raise SystemExit(f"{flag}: unknown metric {m!r} (one of {', '.join(sorted(allowed))})")
        out.append((m, float(v)))
    return out


def _grade_file(path, world, queries, ref, split, contexts=None):
    responses = load_responses(path)
    known = {q["id"] for q in queries}
    stray = sorted(set(responses) - known)
    if stray:
        print(f"note: {len(stray)} response ids are not in the query set (ignored): {stray[:5]}", file=sys.stderr)
    return grade_all(queries, responses, world, ref, split, contexts)


def cmd_grade(args) -> int:
    below = _guards(args.fail_below, BELOW, "--fail-below")
    above = _guards(args.fail_above, ABOVE, "--fail-above")
    queries = load_queries(args.queries)
    world = World.load(args.world)
    ref = Reference()
    rows = _grade_file(args.responses, world, queries, ref, args.split)
    if not rows:
        splits = sorted({str(q.get("split")) for q in queries})
        print(
            f"note: no query of {args.queries} is in split {args.split!r} (its splits: {', '.join(splits)})",
            file=sys.stderr,
        )
    summary = summarize(rows)
    name = Path(args.responses).stem
    overall = summary["overall"]

    failed = []
    for m, v in below:
        got = overall.get(m)
        if got is None or got < v:
            failed.append(f"{m} = {'n/a' if got is None else f'{got:.4f}'} < {v}")
    for m, v in above:
        got = overall.get(m)
        if got is not None and got > v:
            failed.append(f"{m} = {got:.4f} > {v}")

    out_dir = Path(args.out) if args.out else ROOT / "var" / "judged" / "reports" / f"{name}-{args.split}"
    report.write(out_dir, name, args.split, rows, summary, failed)

    print(f"{name}  split={args.split}  queries={len(rows)}  (rubric: data/fixtures/judged/RUBRIC.md)")
    print(report.table(summary))
    o = overall
    if o["missing"]:
        print(f"note: {o['missing']} queries have no response line (graded as empty responses)")
    if o["unanswerable"]:
        print(f"note: {o['unanswerable']} queries are unanswerable in this world (left out of nDCG)")
    if o["p@5_na"]:
        print(f"note: {o['p@5_na']} queries have no relevant instructor in the world (left out of P@5)")
    geo_lines = report.geo_text(summary)
    if geo_lines:
        print(geo_lines)
    print()
    print(f"The {min(10, len(rows))} worst queries:")
    print(report.worst_text(rows, 10))
    print()
    print(f"details: {out_dir / 'details.jsonl'}\nreport:  {out_dir / 'report.md'}")
    if failed:
        print("GUARDS FAILED: " + "; ".join(failed))
        return 1
    return 0


def cmd_compare(args) -> int:
    queries = load_queries(args.queries)
    world = World.load(args.world)
    ref = Reference()
    contexts: dict = {}
    rows_a = _grade_file(args.a, world, queries, ref, args.split, contexts)
    rows_b = _grade_file(args.b, world, queries, ref, args.split, contexts)
    result = cmp.compare(rows_a, rows_b, args.permutations, args.seed)
    print(f"split={args.split}")
    text = cmp.compare_table(result, str(args.a), str(args.b))
    if args.permutations != cmp.PERMUTATIONS or args.seed != cmp.SEED:
        text = text.replace(
            f"({cmp.PERMUTATIONS} sign flips, seed {cmp.SEED}", f"({args.permutations} sign flips, seed {args.seed}"
        )
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "compare.json").write_text(
            json.dumps({"a": str(args.a), "b": str(args.b), "split": args.split, "result": result}, indent=1) + "\n"
        )
        (out / "compare.md").write_text("```\n" + text + "\n```\n", encoding="utf-8")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m eval.rubric", description="Grade search responses against the judged set (RUBRIC.md)."
    )
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("grade", help="score one responses file")
    g.add_argument("--responses", required=True, help="var/judged/responses/<system>.jsonl")
    g.add_argument("--world", default=str(WORLD_PATH))
    g.add_argument("--queries", default=str(QUERIES_PATH))
    g.add_argument("--split", choices=SPLITS, default="all")
    g.add_argument("--out", help="directory for details.jsonl, summary.json and report.md")
    g.add_argument(
        "--fail-below",
        action="append",
        default=[],
        metavar="METRIC=V",
        help="exit 1 if the overall metric is below V (ndcg@10, p@5, top1, nomatch)",
    )
    g.add_argument(
        "--fail-above",
        action="append",
        default=[],
        metavar="METRIC=V",
        help="exit 1 if the overall rate is above V (hv@5, zero)",
    )
    g.set_defaults(func=cmd_grade)

    c = sub.add_parser("compare", help="paired comparison of two responses files (B against A)")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--world", default=str(WORLD_PATH))
    c.add_argument("--queries", default=str(QUERIES_PATH))
    c.add_argument("--split", choices=SPLITS, default="all")
    c.add_argument("--permutations", type=int, default=cmp.PERMUTATIONS)
    c.add_argument("--seed", type=int, default=cmp.SEED)
    c.add_argument("--out")
    c.set_defaults(func=cmd_compare)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
