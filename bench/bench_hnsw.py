"""HNSW recall against exact search, per index size, to choose hnsw.ef_search by measurement.

    python -m bench.bench_hnsw [--sizes 1000 10000 100000] [--queries 60]

For each benchmark database (bench/datasets.py: seeded and embedded once, reused), a sample of the query
mix is embedded as search embeds it, and the nearest documents are found twice: exactly (index scans
off: every vector compared) and through the HNSW index at several ef_search values, with the iterative
scan search uses (index/candidates.py). Recall@k is the share of the exact top k the index returned;
k = 200 is the depth search asks the index for, k = 20 a first page. The table also gives the latency of
the index query, the database size and the HNSW index size, and the smallest ef_search reaching the
recall target at each size.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import text

from bench.datasets import bench_engine
from bench.queries import query_mix
from index.candidates import ANN_LIMIT, bind_vectors
from index.embedding import get_embedder

EF_SEARCH = (40, 100, 200, 400)
TARGET_RECALL = 0.95
NEAREST = """
SELECT id FROM instructor_services WHERE embedding IS NOT NULL
ORDER BY embedding <=> CAST(:q AS vector) LIMIT :k
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(size: int, queries: list[str]) -> list[dict]:
    engine = bench_engine(size)
    embedder = get_embedder()
    vectors = [embedder.embed_query(q) for q in queries]
    rows = []
    with engine.connect() as conn:
        bind_vectors(conn)
        docs = conn.execute(text("SELECT count(*) FROM instructor_services WHERE embedding IS NOT NULL")).scalar_one()
        db_bytes = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        index_bytes = conn.execute(
            text("SELECT pg_relation_size('ix_instructor_services_embedding_hnsw')")
        ).scalar_one()
        conn.rollback()  # each measurement below runs in its own transaction (SET LOCAL)
        exact = []
        for q in vectors:
            with conn.begin():
                conn.execute(text("SET LOCAL enable_indexscan = off"))
                exact.append(list(conn.execute(text(NEAREST), {"q": q, "k": ANN_LIMIT}).scalars()))
        for ef in EF_SEARCH:
            recall_all, recall_page, millis = [], [], []
            for q, truth in zip(vectors, exact, strict=True):
                with conn.begin():
                    conn.execute(text("SET LOCAL enable_seqscan = off"))  # the index, even where a scan is cheaper
                    conn.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
                    conn.execute(text(f"SET LOCAL hnsw.ef_search = {ef}"))
                    started = time.perf_counter()
                    found = list(conn.execute(text(NEAREST), {"q": q, "k": ANN_LIMIT}).scalars())
                    millis.append((time.perf_counter() - started) * 1000)
                recall_all.append(len(set(found) & set(truth)) / max(1, len(truth)))
                recall_page.append(len(set(found[:20]) & set(truth[:20])) / max(1, len(truth[:20])))
            rows.append(
                {
                    "size": size,
                    "docs": docs,
                    "ef_search": ef,
                    "recall@200": statistics.mean(recall_all),
                    "recall@20": statistics.mean(recall_page),
                    "p50_ms": statistics.median(millis),
                    "p95_ms": pct(millis, 95),
                    "db_mb": db_bytes / 2**20,
                    "hnsw_mb": index_bytes / 2**20,
                }
            )
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    queries = list(dict.fromkeys(query_mix(args.queries * 3)))[: args.queries]
    print(f"HNSW recall against exact search, {len(queries)} queries, k = {ANN_LIMIT} and 20")
    print(
        f"{'size':>8} {'docs':>8} {'ef':>4} {'rec@200':>8} {'rec@20':>7} {'p50 ms':>7} {'p95 ms':>7} {'db MB':>7} {'hnsw MB':>8}"
    )
    for size in args.sizes:
        rows = measure(size, queries)
        for r in rows:
            print(
                f"{r['size']:>8,} {r['docs']:>8,} {r['ef_search']:>4} {r['recall@200']:>8.3f} {r['recall@20']:>7.3f} "
                f"{r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} {r['db_mb']:>7.0f} {r['hnsw_mb']:>8.1f}"
            )
        enough = [r["ef_search"] for r in rows if r["recall@200"] >= TARGET_RECALL]
        verdict = f"ef_search {min(enough)}" if enough else f"none of {EF_SEARCH}"
        print(f"{size:>8,}: smallest ef_search with recall@200 >= {TARGET_RECALL}: {verdict}")


if __name__ == "__main__":
    main()
