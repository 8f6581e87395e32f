"""Tables, the worst queries and the Markdown report."""

from __future__ import annotations

import json
from pathlib import Path

KIND_ORDER = ["named", "vague", "typo", "multi", "catalog", "reallife"]


def _f(v, pct=False):
    if v is None:
        return "n/a"
    return f"{100 * v:.1f}" if pct else f"{v:.3f}"


def ordered(summary: dict) -> list[str]:
    kinds = [k for k in KIND_ORDER if k in summary] + sorted(
        k for k in summary if k not in KIND_ORDER and k != "overall"
    )
    return kinds + ["overall"]


def table(summary: dict, markdown: bool = False) -> str:
    head = ["kind", "n", "nDCG@10", "P@5", "top-1 %", "zero %", "hard-viol@5 %", "disclosed %", "no-match ok %"]
    rows = []
    for k in ordered(summary):
        s = summary[k]
        rows.append(
            [
                k,
                str(s["n"]),
                _f(s["ndcg@10"]),
                _f(s["p@5"]),
                _f(s["top1"], True),
                _f(s["zero"], True),
                _f(s["hv@5"], True),
                _f(s["hv@5_disclosed"], True),
                _f(s["nomatch"], True) + (f" ({s['n_nomatch']})" if s["n_nomatch"] else ""),
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))  # noqa: E731
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def geo_text(summary: dict) -> str:
    """§4.4/§4.6 lines for the geography set; empty for a set without location asks."""
    lines = []
    s = summary.get("overall") or {}
    if "needs_location_ok" in s:
        lines.append(
            f"'near me' without a position: the response asked for it (needs_location) in "
            f"{_f(s['needs_location_ok'], True)} % of {s['n_needs_location']} queries"
        )
    if s.get("needs_location_wrong"):
        lines.append(
            f"{s['needs_location_wrong']} queries sent a position yet the response asked for one (needs_location)"
        )
    return "\n".join(lines)


def worst(rows: list[dict], n: int = 10) -> list[dict]:
    scored = [r for r in rows if r["ndcg@10"] is not None]
    return sorted(scored, key=lambda r: (r["ndcg@10"], r["p@5"] if r["p@5"] is not None else 1.0, r["id"]))[:n]


def _card_line(c: dict) -> str:
    bits = [f"#{c['rank']} {c.get('slug')} fit {c.get('fit', 0)} gain {c.get('gain', 0):.2f}"]
    if "distance" in c:  # a near ask (RUBRIC.md §4)
        bits.append("distance " + ("n/a (no in-person lesson)" if c["distance"] is None else f"{c['distance']:.2f} mi"))
    if c.get("hard"):
        bits.append("HARD " + ",".join(c["hard"]))
    if c.get("soft"):
        bits.append("soft " + ",".join(c["soft"]))
    if c.get("flags"):
        bits.append("flags " + ",".join(c["flags"]))
    return "; ".join(bits)


def worst_text(rows: list[dict], n: int = 10, markdown: bool = False) -> str:
    out = []
    for r in worst(rows, n):
        p5 = "n/a" if r["p@5"] is None else f"{r['p@5']:.2f}"
        title = f'{r["id"]} [{r["kind"]}/{r["split"]}] nDCG {r["ndcg@10"]:.3f} P@5 {p5}  "{r["query"]}"'
        extra = []
        if r["expect_no_match"]:
            extra.append(
                f"expected no match; got {r['n_results']} results, no_match={r.get('no_match')}, "
                f"suggestions={r.get('suggestions')}"
            )
        else:
            if r.get("relaxed"):
                extra.append(f"relaxed: {r['relaxed']}")
            cards = r.get("results") or []
            if not cards:
                extra.append("no results")
            extra += [_card_line(c) for c in cards[:3]]
            if r.get("ideal_top"):
                best = r["ideal_top"][0]
                extra.append(f"world's best: {best['slug']} gain {best['gain']:.2f} (R={r['R']})")
        if markdown:
            out.append(f"* **{title}**")
            out += [f"    * {e}" for e in extra]
        else:
            out.append(title)
            out += [f"    {e}" for e in extra]
    return "\n".join(out)


def violation_counts(rows: list[dict]) -> dict:
    hard: dict[str, int] = {}
    soft: dict[str, int] = {}
    flags: dict[str, int] = {}
    for r in rows:
        for c in (r.get("results") or [])[:5]:
            for v in c.get("hard") or []:
                hard[v] = hard.get(v, 0) + 1
            for v in c.get("soft") or []:
                soft[v] = soft.get(v, 0) + 1
            for f in c.get("flags") or []:
                f = f.split(":")[0] if f.startswith("unreal_slots") else f
                flags[f] = flags.get(f, 0) + 1
    return {
        "hard": dict(sorted(hard.items(), key=lambda x: -x[1])),
        "soft": dict(sorted(soft.items(), key=lambda x: -x[1])),
        "flags": dict(sorted(flags.items(), key=lambda x: -x[1])),
    }


def write(out_dir: Path, name: str, split: str, rows: list[dict], summary: dict, guards: list[str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "details.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out_dir / "summary.json").write_text(
        json.dumps(
            {
                "responses": name,
                "split": split,
                "summary": summary,
                "violations_top5": violation_counts(rows),
                "guards_failed": guards,
            },
            indent=1,
        )
        + "\n"
    )
    vc = violation_counts(rows)
    geo = geo_text(summary)
    md = [
        f"# Judged search set: {name} (split {split})",
        "",
        "Graded by `eval.rubric` with data/fixtures/judged/RUBRIC.md.",
        "",
        table(summary, markdown=True),
        "",
        *([geo, ""] if geo else []),
        "## Violations among the first 5 cards",
        "",
        f"* hard: {vc['hard'] or 'none'}",
        f"* soft: {vc['soft'] or 'none'}",
        f"* flags: {vc['flags'] or 'none'}",
        "",
        "## The 10 worst queries",
        "",
        worst_text(rows, 10, markdown=True),
        "",
    ]
    if guards:
        md += ["## Guards failed", ""] + [f"* {g}" for g in guards] + [""]
    (out_dir / "report.md").write_text("\n".join(md), encoding="utf-8")
