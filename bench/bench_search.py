"""Search benchmark: uncached and cached latency at 1,000 and 10,000 instructors (in process), then
HTTP throughput with concurrent clients and the search/health latency ratio (uvicorn, same run).

    python -m bench.bench_search [--sizes 1000 10000] [--seconds 20] [--clients 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from threadpoolctl import threadpool_limits

from bench.datasets import bench_engine
from bench.queries import query_mix, zipf_stream
from core.cache import Cache, DeploymentNamespace
from core.redis_client import RedisHandle
from index.embedding import get_embedder
from index.search import forget_readings, search, warm_up

console = Console()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def in_process(size: int, queries: list[str]) -> dict:
    engine = bench_engine(size)
    threadpool_limits(1, user_api="blas")  # numpy's BLAS on one thread, as in the API process (api/app.py)
    warm_up()  # as the API does at startup
    get_embedder().cache_clear()
    for q in queries[:10]:
        search(engine, q)  # warm the connection pool and the plan cache
    get_embedder().cache_clear()
    forget_readings()  # every query read, as a first search of it would be (and not from another size's run)
    cold = [timed(lambda q=q: search(engine, q)) for q in queries]  # query embedding computed
    warm = [timed(lambda q=q: search(engine, q)) for q in queries]  # embedding cached, response not
    cache = Cache(RedisHandle("redis://127.0.0.1:6379/0"), namespace=f"bench:{size}:{time.time()}")
    for q in queries:
        search(engine, q, cache=cache)
    cached = [timed(lambda q=q: search(engine, q, cache=cache)) for q in queries]
    with engine.connect() as conn:
        db_mb = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one() / 2**20
    engine.dispose()
    return {"cold": cold, "warm": warm, "cached": cached, "db_mb": db_mb}


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers), from /proc."""
    total = 0
    pids = [pid]
    children = f"/proc/{pid}/task/{pid}/children"
    if os.path.exists(children):
        with open(children) as f:
            pids += [int(p) for p in f.read().split()]
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


async def _load(base: str, stream: list[str], clients: int, seconds: float) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    position = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient):
        nonlocal position, errors
        while time.perf_counter() < deadline:
            q = stream[position % len(stream)]
            position += 1
            t = time.perf_counter()
            r = await client.get("/api/search", params={"q": q})
            latencies.append((time.perf_counter() - t) * 1000)
            errors += r.status_code != 200

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, int(len(latencies) / elapsed)


def _wrk(base: str, stream: list[str], clients: int, seconds: float) -> tuple[list[float], int, int] | None:
    """wrk (C, one thread) drives the load when installed, so the client does not eat the server's CPU.
    Returns p50/p95 as a two-value list, errors and req/s."""
    return _wrk_paths(base, ["/api/search?" + urllib.parse.urlencode({"q": q}) for q in stream], clients, seconds)


def _wrk_paths(base: str, paths: list[str], clients: int, seconds: float) -> tuple[list[float], int, int] | None:
    if not shutil.which("wrk"):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths))
    script = os.path.join(os.path.dirname(__file__), "mix.lua")
    out = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{int(seconds)}s", "-s", script, base],
        env={**os.environ, "WRK_PATHS": f.name},
        capture_output=True,
        text=True,
    ).stdout
    os.unlink(f.name)
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    r = json.loads(line[len("WRKJSON ") :])
    return [r["p50"], r["p95"]], r["errors"], int(r["requests"] / r["seconds"])


def over_http(size: int, queries: list[str], clients: int, seconds: float, workers: int) -> dict:
    engine = bench_engine(size)
    # One client address drives all the load: the per-IP budgets would turn it into 429s.
    env = {
        **os.environ,
        "INSTAINSTRU_RESOLVED_DB_URL": engine.url.render_as_string(hide_password=False),
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    # A fresh cache version: earlier runs must not make "uncached" requests hit.
    Cache(RedisHandle("redis://127.0.0.1:6379/0"), namespace=DeploymentNamespace(engine)).bump()
    engine.dispose()
    port = 8765
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base) as client:
            for q in queries[:10]:
                client.get("/api/search", params={"q": q})
            health = [timed(lambda: client.get("/health")) for _ in range(300)]
            fresh = [timed(lambda q=q: client.get("/api/search", params={"q": q + " lessons"})) for q in queries]
            # The same requests again: each answer now comes from the response cache.
            cached = [timed(lambda q=q: client.get("/api/search", params={"q": q + " lessons"})) for q in queries]
            health += [timed(lambda: client.get("/health")) for _ in range(300)]  # before and after, same load
        # The same two, sequential (one connection), timed by wrk: a Python client adds about a millisecond
        # to every request (and more to a 20-result answer it reads), which the httpx figures above include.
        seq_health = _wrk_paths(base, ["/health"], 1, 5)
        seq_cached = _wrk(base, [q + " lessons" for q in queries], 1, 5)
        # Every query new, two ways. Numbered: the bench queries with a number appended: each request is
        # new to the answer cache and to the parser's remembered readings, but the number, which the parser
        # leaves over, is not read for relevance (index.search.topic_text), so its meaning is a known one.
        # New sentences: query_mix's next 20,000 (the generator of the bench queries), none asked before; a
        # vector is embedded from the service, learner and leftover words, not the whole sentence, so many
        # (73% measured at 1k) come from the embedding cache, as they would in traffic.
        numbered = [f"{q} {i}" for i, q in enumerate(zipf_stream(queries, 20000, seed=9))]
        generated = query_mix(22000 + len(queries))[len(queries) :]
        # First searches timed by wrk too, one connection for 3 s: new sentences never asked before (every
        # one a miss; "piano classes" would not do, it reads as "piano lessons", which is cached).
        seq_fresh = _wrk(base, generated[-2000:], 1, 3)
        generated = generated[:-2000]
        load = _wrk if shutil.which("wrk") else (lambda b, s, c, t: asyncio.run(_load(b, s, c, t)))
        mixed = load(base, zipf_stream(queries, 20000), clients, seconds)
        uncached = load(base, numbered, clients, seconds)
        new_sentences = load(base, generated, clients, seconds)
        rss = _rss_mb(server.pid)  # after both loads: the model, the cards, caches and pools are in memory
    finally:
        server.terminate()
        server.wait()
    return {
        "health": health,
        "fresh": fresh,
        "cached": cached,
        "seq_health": seq_health,
        "seq_cached": seq_cached,
        "seq_fresh": seq_fresh,
        "mixed": mixed,
        "uncached": uncached,
        "new_sentences": new_sentences,
        "rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--http-size", type=int, default=None, help="database size for the HTTP part")
    args = parser.parse_args()
    queries = query_mix(args.queries)

    table = Table(title=f"in-process search latency, ms ({len(queries)} distinct queries)")
    for col in (
        "instructors",
        "uncached p50",
        "uncached p95",
        "warm-embed p50",
        "warm-embed p95",
        "cached p50",
        "database MB",
    ):
        table.add_column(col, justify="right")
    for size in args.sizes:
        r = in_process(size, queries)
        table.add_row(
            f"{size:,}",
            *(
                f"{x:.2f}"
                for x in (
                    statistics.median(r["cold"]),
                    pct(r["cold"], 95),
                    statistics.median(r["warm"]),
                    pct(r["warm"], 95),
                    statistics.median(r["cached"]),
                )
            ),
            f"{r['db_mb']:,.0f}",
        )
    console.print(table)

    # The HTTP targets (#18) are stated at 10k instructors; 100k is measured in process.
    size = args.http_size or (10000 if 10000 in args.sizes else max(args.sizes))
    h = over_http(size, queries, args.clients, args.seconds, args.workers)
    health_p50, fresh_p50 = statistics.median(h["health"]), statistics.median(h["fresh"])
    cached_p50 = statistics.median(h["cached"])
    table = Table(title=f"HTTP at {size:,} instructors, {args.workers} worker(s), {args.clients} clients")
    for col in ("measure", "p50 ms", "p95 ms", "req/s", "errors"):
        table.add_column(col, justify="right")
    table.add_row("/health, sequential", f"{health_p50:.2f}", f"{pct(h['health'], 95):.2f}", "", "")
    table.add_row("search, sequential, uncached", f"{fresh_p50:.2f}", f"{pct(h['fresh'], 95):.2f}", "", "")
    table.add_row("search, sequential, cached", f"{cached_p50:.2f}", f"{pct(h['cached'], 95):.2f}", "", "")
    if h["seq_health"] and h["seq_cached"]:
        for label, (lat, errors, rps) in (
            ("/health, sequential (wrk)", h["seq_health"]),
            ("search, sequential, cached (wrk)", h["seq_cached"]),
            ("search, sequential, uncached (wrk)", h["seq_fresh"]),
        ):
            table.add_row(label, f"{lat[0]:.2f}", f"{lat[1]:.2f}", str(rps), str(errors))
    for label, (lat, errors, rps) in (
        ("search, Zipf mix (cache on)", h["mixed"]),
        ("search, all distinct, numbered (uncached)", h["uncached"]),
        ("search, all distinct, new sentences (uncached)", h["new_sentences"]),
    ):
        p50, p95 = (lat[0], lat[1]) if len(lat) == 2 else (statistics.median(lat), pct(lat, 95))
        table.add_row(label, f"{p50:.2f}", f"{p95:.2f}", str(rps), str(errors))
    console.print(table)
    console.print(
        f"search p50 / health p50 = {fresh_p50 / health_p50:.1f}x uncached, {cached_p50 / health_p50:.1f}x cached  (load client: "
        f"{'wrk' if shutil.which('wrk') else 'httpx asyncio'})"
    )
    if h["seq_health"] and h["seq_cached"]:
        wrk_ratio = h["seq_cached"][0][0] / h["seq_health"][0][0]
        console.print(f"timed by wrk (one connection): cached search p50 / health p50 = {wrk_ratio:.1f}x")
    console.print(f"API process resident memory after the load: {h['rss_mb']:,.0f} MB ({args.workers} worker(s))")


if __name__ == "__main__":
    main()
