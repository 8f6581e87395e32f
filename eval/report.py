"""The report folder of a search evaluation: report.md, metrics.png, history.png."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

TABLE_METRICS = (
    "ndcg@10",
    "mrr@10",
    "recall@50",
    "cp@10",
    "cp_contract@10",
    "zero_rate",
    "relax_rate",
    "p50_ms",
    "p95_ms",
)
PLOT_METRICS = ("ndcg@10", "mrr@10", "recall@50", "cp@10")


def _fmt(v, metric: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, int):
        return str(v)
    return f"{v:.1f}" if metric.endswith("_ms") else f"{v:.3f}"


def systems_table(by_system: dict[str, dict]) -> list[str]:
    lines = [
        "| system | queries | " + " | ".join(TABLE_METRICS) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in TABLE_METRICS) + " |",
    ]
    for system, agg in by_system.items():
        if agg:
            lines.append(
                f"| {system} | {agg['queries']} | " + " | ".join(_fmt(agg.get(m), m) for m in TABLE_METRICS) + " |"
            )
    return lines


def console_table(summary: dict) -> str:
    out = []
    for split, by_system in summary.items():
        out.append(f"\n[{split}]")
        out.append(f"{'system':10} {'n':>4} " + " ".join(f"{m:>14}" for m in TABLE_METRICS))
        for system, agg in by_system.items():
            if agg:
                out.append(
                    f"{system:10} {agg['queries']:>4} " + " ".join(f"{_fmt(agg.get(m), m):>14}" for m in TABLE_METRICS)
                )
    return "\n".join(out)


def significance_table(sig: dict[str, dict]) -> list[str]:
    lines = [
        "| hybrid vs | metric | baseline | hybrid | Δ | p (paired randomization) | n |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for base, by_metric in sig.items():
        for metric, r in by_metric.items():
            if r["n"]:
                lines.append(
                    f"| {base} | {metric} | {r['a']:.3f} | {r['b']:.3f} | {r['delta']:+.3f} | {r['p']:.4f} | {r['n']} |"
                )
    return lines


def tag_table(per_system: dict[str, list[dict]], queries: list[dict], split: str, min_count: int = 3) -> list[str]:
    systems = list(per_system)
    tags_of = {q["id"]: q.get("tags", []) for q in queries}
    by_tag: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for system, rows in per_system.items():
        for r in rows:
            if split != "all" and r["split"] != split:
                continue
            for tag in tags_of.get(r["qid"], []):
                by_tag[tag][system].append(r["ndcg@10"])
    lines = [
        "| tag | n | " + " | ".join(f"{s} nDCG@10" for s in systems) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in systems) + " |",
    ]
    for tag in sorted(by_tag):
        first = by_tag[tag].get(systems[0], [])
        if len(first) < min_count:
            continue
        cells = [f"{sum(v) / len(v):.3f}" if (v := by_tag[tag].get(s)) else "–" for s in systems]
        lines.append(f"| {tag} | {len(first)} | " + " | ".join(cells) + " |")
    return lines


def worst_table(rows: list[dict], split: str, n: int = 10) -> list[str]:
    chosen = [r for r in rows if split == "all" or r["split"] == split]
    chosen.sort(key=lambda r: (r["ndcg@10"], r["mrr@10"], r["qid"]))
    lines = [
        "| id | query | nDCG@10 | MRR@10 | R@50 | cp@10 | top-10 grades | relaxed | violations | parsed |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    for r in chosen[:n]:
        lines.append(
            f"| {r['qid']} | {r['query']} | {r['ndcg@10']:.3f} | {r['mrr@10']:.3f} | {r['recall@50']:.3f} | "
            f"{_fmt(r['cp@10'])} | `{r['top_grades'] or '-'}` | {r['relaxed'] or '-'} | "
            f"{r['violations'] or '-'} | {r['parsed_service'] or '-'} |"
        )
    return lines


def write(
    out_dir: Path,
    record: dict,
    summary: dict,
    significance: dict,
    per_system: dict,
    queries: list[dict],
    plots: bool = True,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    main_split = "test" if "test" in summary else "all"
    lines = [
        f"# Search evaluation {record['date']}",
        "",
        f"commit `{record['commit']}`{' (index/ or nls/ modified)' if record['dirty'] else ''}, "
        f"{record['queries']} queries, {record['instructors']} instructors"
        f"{', subset' if record['subset'] else ''}{', API ' + record['url'] if record.get('url') else ''}.",
        "",
    ]
    for split in summary:
        if split == "all" and len(summary) == 2:  # one split only: "all" repeats it
            continue
        lines += [f"## Systems × metrics, {split} split" if split != "all" else "## Systems × metrics, all queries", ""]
        lines += systems_table(summary[split]) + [""]
        if significance.get(split):
            lines += significance_table(significance[split]) + [""]
    if plots:
        lines += ["![metrics per system](metrics.png)", "", "![history](history.png)", ""]
    if "hybrid" in per_system:
        lines += [f"## Worst hybrid queries ({main_split})", ""] + worst_table(per_system["hybrid"], main_split) + [""]
    lines += [f"## nDCG@10 by tag ({main_split})", ""] + tag_table(per_system, queries, main_split) + [""]
    lines += ["Files: `runs/<system>.trec` (TREC run), `queries/<system>.tsv` (per-query rows), `metrics.json`.", ""]
    (out_dir / "report.md").write_text("\n".join(lines))
    if plots:
        plot_systems(out_dir / "metrics.png", summary[main_split], main_split)
        from eval.search_eval import HISTORY

        plot_history(out_dir / "history.png", HISTORY)


def plot_systems(path: Path, by_system: dict, split: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    systems = [s for s, agg in by_system.items() if agg]
    x = np.arange(len(PLOT_METRICS))
    width = 0.8 / max(len(systems), 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, system in enumerate(systems):
        values = [by_system[system].get(m) or 0.0 for m in PLOT_METRICS]
        bars = ax.bar(x + i * width - 0.4 + width / 2, values, width, label=system)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(x, PLOT_METRICS)
    ax.set_ylim(0, 1.1)
    ax.set_title(f"Search quality per system ({split} split)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_history(path: Path, history: Path, split: str = "test") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = []
    if history.exists():
        for line in history.read_text().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            hybrid = rec.get("metrics", {}).get(split, {}).get("hybrid")
            if hybrid and not rec.get("subset"):
                points.append((rec["date"][:16].replace("T", " ") + "\n" + rec["commit"][:7], hybrid))
    fig, ax = plt.subplots(figsize=(8, 4))
    if points:
        xs = range(len(points))
        for metric in PLOT_METRICS:
            ax.plot(xs, [p[1].get(metric) or 0.0 for p in points], marker="o", label=metric)
        ax.set_xticks(list(xs), [p[0] for p in points], fontsize=6, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Hybrid search history ({split} split, full runs)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
