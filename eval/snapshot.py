"""What a student sees, written to files for the independent grader (eval/rubric).

    python -m eval snapshot --world                 # var/judged/world.json: every public profile and its availability
    python -m eval snapshot --system main           # var/judged/responses/main.jsonl: the search response per judged query

Both are taken over the eval database at its fixed reference time (eval.dataset.NOW). The world
comes through the public HTTP API (`/api/public/instructors/{id}` and `.../availability`), the
responses are the body `GET /api/search?q=...&limit=10` would send at that time. The grader reads
only these files and the fixtures; it never imports index/ or nls/, so it judges results the way a
student does, not the way the ranker sees them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time as clock
from pathlib import Path

from core.settings import PROJECT_ROOT

QUERIES = PROJECT_ROOT / "data" / "fixtures" / "judged" / "queries.jsonl"
OUT = PROJECT_ROOT / "var" / "judged"
WORLD_DAYS = 28  # the eval database has four weeks of availability from its first day


def write_world(engine, path: Path) -> int:
    """Every public profile and its bookable windows, as the pages showed them at NOW."""
    import api.routes.public as public
    from api.app import create_app
    from core.settings import get_settings
    from eval.dataset import NOW

    settings = get_settings().model_copy(update={"rate_limit_enabled": False})
    real_clock = public.utc_now
    public.utc_now = lambda: NOW  # the public pages as they looked at the eval's reference time
    try:
        return _write_world(create_app(settings=settings, engine=engine), engine, path)
    finally:
        public.utc_now = real_clock


def _write_world(app, engine, path: Path) -> int:
    from datetime import timedelta

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from eval.dataset import NOW, START

    app.state.cache.bump()  # never serve a page cached by an earlier snapshot
    end = START + timedelta(days=WORLD_DAYS - 1)
    with engine.connect() as conn:
        ids = [str(i) for i in conn.execute(text("SELECT id FROM instructor_profiles ORDER BY id")).scalars()]
    world: dict = {"now": NOW.isoformat(), "instructors": {}}
    with TestClient(app) as client:
        for pid in ids:
            profile = client.get(f"/api/public/instructors/{pid}")
            if profile.status_code != 200:
                continue  # no longer public (deleted or demoted)
            entry = {"profile": profile.json()}
            avail = client.get(
                f"/api/public/instructors/{pid}/availability",
                params={"start_date": START.isoformat(), "end_date": end.isoformat()},
            )
            entry["availability"] = avail.json() if avail.status_code == 200 else None
            world["instructors"][pid] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(world, separators=(",", ":")))
    return len(world["instructors"])


def write_responses(engine, queries: list[dict], path: Path, limit: int = 10) -> float:
    """One line per query: the search response at the eval's reference time; returns the p50 ms."""
    from eval.dataset import NOW
    from index.search import SearchOptions, search

    path.parent.mkdir(parents=True, exist_ok=True)
    took = []
    with path.open("w") as out:
        for q in queries:
            started = clock.perf_counter()
            # a query line may carry the student's position ("lat", "lng"), as the page sends it
            opts = SearchOptions(limit=limit, lat=q.get("lat"), lng=q.get("lng"))
            response = search(engine, q["query"], cache=None, now=NOW, opts=opts)
            took.append((clock.perf_counter() - started) * 1000)
            out.write(json.dumps({"id": q["id"], "query": q["query"], "response": response}, default=str) + "\n")
    took.sort()
    return took[len(took) // 2] if took else 0.0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval snapshot", description=__doc__.split("\n\n")[0])
    ap.add_argument("--world", action="store_true", help="write var/judged/world.json")
    ap.add_argument("--system", help="write var/judged/responses/<SYSTEM>.jsonl from this checkout's search")
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not args.world and not args.system:
        ap.error("give --world, --system NAME, or both")
    from eval.dataset import eval_engine

    engine = eval_engine()
    if args.world:
        n = write_world(engine, args.out / "world.json")
        print(f"world: {n} instructors -> {args.out / 'world.json'}")
    if args.system:
        queries = [json.loads(line) for line in args.queries.read_text().splitlines() if line.strip()]
        p50 = write_responses(engine, queries, args.out / "responses" / f"{args.system}.jsonl")
        print(
            f"responses: {len(queries)} queries, p50 {p50:.1f} ms -> {args.out / 'responses' / (args.system + '.jsonl')}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
