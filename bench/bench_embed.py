"""Benchmark the ONNX embedder (not a test).

    python bench/bench_embed.py [--queries 300] [--docs 1000] [--rounds 3] [--threads 1 2]

Prints, per intra-op thread count:
  * single-query latency, uncached (distinct queries, each a cache miss): median, p95
  * single-query latency, cached (LRU hit): median, p95
  * batch throughput: docs/s embedding N realistic ~60-word instructor bios at batch 64
  * contention: uncached latency and queries/s with --clients threads sharing one session

The box is shared and noisy, so thread settings are measured in interleaved
rounds and medians are what to quote.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from index.embedding import Embedder  # noqa: E402

ACTIVITIES = [
    "piano",
    "guitar",
    "violin",
    "cello",
    "drums",
    "voice",
    "jazz saxophone",
    "ukulele",
    "spanish",
    "french",
    "mandarin",
    "japanese",
    "italian",
    "ASL",
    "SAT math",
    "chemistry",
    "calculus",
    "essay writing",
    "coding",
    "python",
    "chess",
    "swimming",
    "tennis",
    "boxing",
    "brazilian jiu-jitsu",
    "yoga",
    "pilates",
    "salsa",
    "ballet",
    "hip hop dance",
    "photography",
    "oil painting",
    "pottery",
    "knitting",
    "cooking",
    "baking",
    "DJing",
    "public speaking",
]
WHO = [
    "for kids",
    "for adults",
    "for beginners",
    "for seniors",
    "for my 7 year old",
    "for teens",
    "advanced",
    "intermediate",
    "for a complete beginner",
    "private",
    "small group",
]
WHERE = [
    "in Brooklyn",
    "near Astoria",
    "Upper West Side",
    "in Harlem",
    "in the Bronx",
    "Park Slope",
    "Williamsburg",
    "online",
    "near me",
    "Lower East Side",
    "Long Island City",
]
WHEN = [
    "",
    "this weekend",
    "tomorrow evening",
    "under $60",
    "saturday morning",
    "after school",
    "weekday mornings",
    "ASAP",
    "next week",
]

BIO_OPENERS = [
    "I'm a {years}-year {activity} teacher based in {where}.",
    "Hi! I've been teaching {activity} for {years} years, mostly {who}.",
    "Certified {activity} instructor with {years} years of experience working {who}.",
    "Former professional turned full-time {activity} coach in {where}.",
]
BIO_MIDDLE = [
    "My lessons are structured but relaxed: we set clear goals in the first session and track progress every month.",
    "I tailor each lesson to the student, mixing fundamentals with pieces, projects or drills they actually enjoy.",
    "Students have gone on to perform at recitals, pass exams, win local competitions and, most importantly, keep going.",
    "I believe patience and consistency matter more than talent, and I make practice at home feel manageable.",
    "I trained at a conservatory and have taught at community centers, private schools and summer camps across the city.",
    "Every session ends with a short plan for the week so you always know what to work on next.",
]
BIO_CLOSERS = [
    "I can travel to your home in {where} or host at my studio; online lessons are available too.",
    "Flexible scheduling on weekday evenings and weekends; first trial lesson is half price.",
    "Background checked, CPR certified, and happy to talk with parents before we start.",
    "Bring your curiosity; I'll bring the materials. Looking forward to meeting you!",
]


def make_queries(n: int, rng: random.Random) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        q = " ".join(
            p for p in (rng.choice(ACTIVITIES), "lessons", rng.choice(WHO), rng.choice(WHERE), rng.choice(WHEN)) if p
        )
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def make_bio(rng: random.Random) -> str:
    fill = {
        "activity": rng.choice(ACTIVITIES),
        "years": rng.randint(2, 30),
        "who": rng.choice(WHO),
        "where": rng.choice(WHERE),
    }
    parts = [rng.choice(BIO_OPENERS).format(**fill)]
    parts += rng.sample(BIO_MIDDLE, 2)
    parts.append(rng.choice(BIO_CLOSERS).format(**fill))
    return " ".join(parts)


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=300, help="distinct uncached queries per thread setting")
    ap.add_argument("--cached", type=int, default=2000, help="cached lookups per thread setting")
    ap.add_argument("--docs", type=int, default=1000, help="bios for the throughput test")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (throughput is the median of these)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument(
        "--precision", choices=["int8", "float32"], default=None, help="default: EMBEDDING_PRECISION (int8)"
    )
    ap.add_argument(
        "--clients", type=int, default=2, help="concurrent client threads for the contention test (0 = skip)"
    )
    args = ap.parse_args()

    rng = random.Random(1234)
    queries = make_queries(args.queries, rng)
    bios = [make_bio(rng) for _ in range(args.docs)]
    words = [len(b.split()) for b in bios]

    embs = {t: Embedder(args.model_dir, threads=t, precision=args.precision) for t in args.threads}
    tok_lens = [len(e.ids) for e in embs[args.threads[0]].tokenizer.encode_batch(bios[:200])]
    print(
        f"{embs[args.threads[0]].precision} model; {len(queries)} distinct queries; {len(bios)} bios, median {statistics.median(words):.0f} words "
        f"(~{statistics.median(tok_lens):.0f} tokens); batch {args.batch_size}; rounds {args.rounds}"
    )

    # Warm up (first runs allocate arenas / pick kernels).
    for e in embs.values():
        e.embed(["warm up the session with a sentence"] * 4)
        e.embed(bios[:64], batch_size=args.batch_size)

    uncached: dict[int, list[float]] = {t: [] for t in embs}
    cached: dict[int, list[float]] = {t: [] for t in embs}
    tput: dict[int, list[float]] = {t: [] for t in embs}
    chunks = np.array_split(np.arange(len(queries)), args.rounds)
    for r in range(args.rounds):
        order = list(embs) if r % 2 == 0 else list(reversed(list(embs)))  # alternate to spread noise
        for t in order:
            e = embs[t]
            # Uncached: each query is new to this embedder's cache.
            for i in chunks[r]:
                q = queries[i]
                t0 = time.perf_counter()
                e.embed_query(q)
                uncached[t].append(time.perf_counter() - t0)
            # Cached: repeat lookups of queries already in the cache.
            hot = [queries[i] for i in chunks[r][:20]]
            for k in range(args.cached // args.rounds):
                q = hot[k % len(hot)]
                t0 = time.perf_counter()
                e.embed_query(q)
                cached[t].append(time.perf_counter() - t0)
            # Throughput.
            t0 = time.perf_counter()
            out = e.embed(bios, batch_size=args.batch_size)
            dt = time.perf_counter() - t0
            assert out.shape == (len(bios), 384)
            tput[t].append(len(bios) / dt)

    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="ONNX MiniLM-L6 embedder (medians; box is noisy)")
        for col in (
            "threads",
            "uncached p50 ms",
            "uncached p95 ms",
            "cached p50 µs",
            "cached p95 µs",
            f"batch{args.batch_size} docs/s (median)",
            "docs/s runs",
        ):
            table.add_column(col, justify="right")
        for t in embs:
            table.add_row(
                str(t),
                f"{pct(uncached[t], 50) * 1e3:.2f}",
                f"{pct(uncached[t], 95) * 1e3:.2f}",
                f"{pct(cached[t], 50) * 1e6:.2f}",
                f"{pct(cached[t], 95) * 1e6:.2f}",
                f"{statistics.median(tput[t]):.0f}",
                " ".join(f"{x:.0f}" for x in tput[t]),
            )
        Console().print(table)
    except ImportError:
        for t in embs:
            print(
                f"threads={t}: uncached p50 {pct(uncached[t], 50) * 1e3:.2f} ms p95 {pct(uncached[t], 95) * 1e3:.2f} ms"
                f" | cached p50 {pct(cached[t], 50) * 1e6:.2f} µs p95 {pct(cached[t], 95) * 1e6:.2f} µs"
                f" | {statistics.median(tput[t]):.0f} docs/s"
            )
    if args.clients > 1:
        # API-like contention: N request threads share one session (ORT releases the GIL).
        extra = make_queries(len(queries) + 400 * args.clients, random.Random(99))[len(queries) :]
        for t, e in embs.items():
            lats: list[float] = []
            lock = threading.Lock()

            def worker(
                chunk: list[str],
                e: Embedder = e,
                lock: threading.Lock = lock,
                lats: list[float] = lats,
            ) -> None:
                mine = []
                for q in chunk:
                    t0 = time.perf_counter()
                    e.embed_query(q)
                    mine.append(time.perf_counter() - t0)
                with lock:
                    lats.extend(mine)

            ths = [threading.Thread(target=worker, args=(extra[k :: args.clients][:200],)) for k in range(args.clients)]
            t0 = time.perf_counter()
            for th in ths:
                th.start()
            for th in ths:
                th.join()
            wall = time.perf_counter() - t0
            print(
                f"threads={t}, {args.clients} concurrent clients: uncached p50 {pct(lats, 50) * 1e3:.2f} ms, "
                f"p95 {pct(lats, 95) * 1e3:.2f} ms, {len(lats) / wall:.0f} queries/s"
            )

    best = min(embs, key=lambda t: pct(uncached[t], 50))
    print(f"lowest single-query median latency: threads={best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
