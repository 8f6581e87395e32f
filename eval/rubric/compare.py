"""Paired comparison of two systems on the judged set."""

from __future__ import annotations

import random

from .report import ordered

PERMUTATIONS = 10_000
SEED = 20261130


def randomization_test(diffs: list[float], permutations: int = PERMUTATIONS, seed: int = SEED) -> float:
    """Two-sided paired randomization (sign-flip) test on the mean difference."""
    n = len(diffs)
    if n == 0:
        return 1.0
    observed = abs(sum(diffs)) / n
    if observed == 0:
        return 1.0
    rng = random.Random(seed)
    hits = 0
    for _ in range(permutations):
        total = 0.0
        for d in diffs:
            total += d if rng.random() < 0.5 else -d
        if abs(total) / n >= observed - 1e-12:
            hits += 1
    return (hits + 1) / (permutations + 1)


def compare(rows_a: list[dict], rows_b: list[dict], permutations: int = PERMUTATIONS, seed: int = SEED) -> dict:
    by_a = {r["id"]: r for r in rows_a}
    pairs = [(by_a[r["id"]], r) for r in rows_b if r["id"] in by_a]
    kinds: dict[str, list] = {}
    for a, b in pairs:
        kinds.setdefault(a["kind"], []).append((a, b))
    out = {}
    for name, ps in list(kinds.items()) + [("overall", pairs)]:
        res: dict[str, object] = {"n": len(ps)}
        for m in ("ndcg@10", "p@5"):
            both = [(a[m], b[m]) for a, b in ps if a[m] is not None and b[m] is not None]
            diffs = [y - x for x, y in both]
            res[m] = {
                "a": sum(x for x, _ in both) / len(both) if both else None,
                "b": sum(y for _, y in both) / len(both) if both else None,
                "delta": sum(diffs) / len(diffs) if diffs else None,
                "p": randomization_test(diffs, permutations, seed),
                "wins": sum(1 for d in diffs if d > 1e-9),
                "losses": sum(1 for d in diffs if d < -1e-9),
                "ties": sum(1 for d in diffs if abs(d) <= 1e-9),
            }
        out[name] = res
    return out


def compare_table(result: dict, name_a: str, name_b: str) -> str:
    head = ["kind", "n", "nDCG A", "nDCG B", "Δ", "p", "W/L/T", "P@5 A", "P@5 B", "Δ", "p", "W/L/T"]
    rows = []

    def f(v, signed=False):
        return "n/a" if v is None else (f"{v:+.3f}" if signed else f"{v:.3f}")

    for k in ordered(result):
        r = result[k]
        row = [k, str(r["n"])]
        for m in ("ndcg@10", "p@5"):
            x = r[m]
            row += [
                f(x["a"]),
                f(x["b"]),
                f(x["delta"], True),
                f"{x['p']:.4f}",
                f"{x['wins']}/{x['losses']}/{x['ties']}",
            ]
        rows.append(row)
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))  # noqa: E731
    lines = [
        f"A = {name_a}",
        f"B = {name_b}",
        "Δ = B − A; p = paired randomization test "
        f"({PERMUTATIONS} sign flips, seed {SEED}, two-sided); W/L/T = queries where B beats/loses to/ties A",
        "",
        fmt(head),
        fmt(["-" * w for w in widths]),
    ] + [fmt(r) for r in rows]
    return "\n".join(lines)
