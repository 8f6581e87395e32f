"""Benchmark nls (not a test).

    .venv/bin/python bench/bench_parse.py [--rounds 20]

1. import time: `import nls` + lexicon build (incl. the English word lists), in a fresh
   subprocess, median of 5.
2. parse latency p50/p95/p99 after warm-up, over the query strings of every parse set in
   data/fixtures/eval/ that exists (parse_golden, parse_holdout, parse_holdout2, parse_holdout3) plus a
   built-in list of 50. Only the "query" key is read: expected values are never looked at
   and no query is printed, so the held-out sets stay held out; they are here for timing only.
3. long input: three 2,000-character queries (real queries run together, number words and
   dates, typo-heavy word salad), median of 20 parses each; the worst is reported.

Targets (the issue's speed budget): import+lexicons <= 0.3 s, p50 <= 0.1 ms, p99 <= 1 ms,
2,000-character query <= 5 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUILTIN = [
    "piano for my 8 year old in park slope under $60 this saturday morning",
    "guitar lessons in spanish",
    "sat prep",
    "cheap piano under $80",
    "bjj near me",
    "ju jitsu for kids under 10",
    "online spanish tutor for adult beginners asap",
    "top rated violin teacher weekday evenings",
    "45 minute voice lessons in astoria",
    "math tutor for my 15 year old on tuesdays after school",
    "swim lessons this weekend",
    "yoga 3pm tomorrow",
    "paino lessons",
    "guiter teacher williamsburg",
    "calculas tutor",
    "pilates in the ues",
    "ballet for toddlers",
    "mcat prep between $100 and $150",
    "coding for kids online",
    "chess coach bed stuy",
    "hip hop dance for teens",
    "tennis lessons in queens next week",
    "drum lessons at home",
    "french lessons in chelsea",
    "art classes for kids",
    "martial arts near me",
    "test prep for shsat",
    "cooking class for couples friday night",
    "salsa dancing in manhattan",
    "boxing trainer asap",
    "watercolor painting saturday afternoon",
    "photography lessons in dumbo",
    "ukulele for beginners",
    "cello teacher who speaks mandarin",
    "4+ stars piano under 70",
    "personal trainer at 6am",
    "music theory online",
    "dog training in forest hills",
    "knitting class on weekends",
    "public speaking coach",
    "driving lessons staten island",
    "acting classes for adults",
    "chemistry tutor 12/24",
    "soccer for my 6yo",
    "hebrew tutor in riverdale",
    "meditation sessions luxury",
    "spanish for my son dec 5",
    "karate in harlem around 5pm",
    "pottery date night",
    "a music teacher",
]


def import_time(n: int = 5) -> list[float]:
    code = "import time; t=time.perf_counter(); import nls; nls.warmup(); print(time.perf_counter()-t)"
    out = []
    for _ in range(n):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        if p.returncode != 0:
            raise SystemExit(p.stderr)
        out.append(float(p.stdout.strip()))
    return out


SETS = ("parse_golden.jsonl", "parse_holdout.jsonl", "parse_holdout2.jsonl", "parse_holdout3.jsonl")


def load_queries() -> tuple[list[str], str]:
    """Query strings of every parse set present (timing only), plus the built-in list."""
    qs: list[str] = []
    used = []
    for name in SETS:
        path = ROOT / "data" / "fixtures" / "eval" / name
        if not path.exists():
            continue
        n = 0
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                q = json.loads(line).get("query")
            except (ValueError, AttributeError):
                continue
            if isinstance(q, str):
                qs.append(q)
                n += 1
        used.append(f"{name} ({n})")
    qs.extend(BUILTIN)
    used.append(f"built-in ({len(BUILTIN)})")
    return qs, " + ".join(used)


def long_queries(queries: list[str], n: int = 2000) -> list[str]:
    words = (
        "piano guitar vilin guiter pianno soothing mocktails under twenty five dollars "
        "my eight year old thursday evenings half past four the 20th jan 4-6 christmas "
        "sat prep tmrw 2nite $40-$60 in 3 weeks quarter to 5 weekday afternoons"
    ).split()
    numbers = "forty five minute lesson under ninety bucks in ten days at half past four on the 3rd "
    salad = " ".join(words[(i * 7) % len(words)] for i in range(600))
    joined = " ".join(queries)
    return [
        (joined * (n // max(1, len(joined)) + 1))[:n],
        (numbers * (n // len(numbers) + 1))[:n],
        (salad * (n // len(salad) + 1))[:n],
    ]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100 * (len(xs) - 1)))))
    return xs[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()

    imp = import_time()
    import nls

    nls.warmup()
    queries, source = load_queries()
    now = datetime(2026, 11, 26, 10, 0)
    for q in queries:  # warm-up (caches, regex compilation)
        nls.parse(q, now=now)
    samples = []
    pc = time.perf_counter
    for _ in range(args.rounds):
        for q in queries:
            t = pc()
            nls.parse(q, now=now)
            samples.append((pc() - t) * 1000)

    longs = []
    for q in long_queries(queries):
        ts = []
        for _ in range(20):
            t = pc()
            nls.parse(q, now=now)
            ts.append((pc() - t) * 1000)
        longs.append(statistics.median(ts))

    print(f"queries: {len(queries)} from {source}, {args.rounds} rounds, {len(samples)} parses")
    print(f"{'metric':<28}{'value':>12}{'target':>12}")
    print(f"{'import+lexicon (median/5)':<28}{statistics.median(imp):>10.3f} s{'<= 0.3 s':>12}")
    for name, p, target in (("parse p50", 50, "<= 0.1 ms"), ("parse p95", 95, ""), ("parse p99", 99, "<= 1 ms")):
        print(f"{name:<28}{pct(samples, p):>9.3f} ms{target:>12}")
    print(f"{'parse max':<28}{max(samples):>9.3f} ms")
    print(f"{'2,000-char query (worst/3)':<28}{max(longs):>9.3f} ms{'<= 5 ms':>12}")


if __name__ == "__main__":
    main()
