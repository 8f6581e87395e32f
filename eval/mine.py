"""From logs to judged sets: ``python -m eval mine [--since 30d] [--limit 50] [--out FILE]`` writes the
natural-language queries that did worst online (zero results, results nobody clicked, a quick
reformulation) as a judging queue: one JSON line per query in the shape of
data/fixtures/judged/queries.jsonl, with the judgement left empty and the online evidence beside it.

The judged set is written by someone who never sees what the search understood (its README), so the
queue holds the student's words, how often they failed, and what the student typed next, never the
parsed conditions or results. Queries already in a judged set are left out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from core.clock import utc_now
from core.settings import PROJECT_ROOT
from eval.online import period

JUDGED = PROJECT_ROOT / "data" / "fixtures" / "judged"
QUEUES = PROJECT_ROOT / "var" / "judging"


def judged_queries(folder: Path = JUDGED) -> set[str]:
    """The normalized queries of every judged set (so a queue never asks for one twice)."""
    from services.history import normalize

    seen: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                seen.add(normalize(json.loads(line)["query"]))
    return seen


def queue(worst: list[dict[str, Any]], *, already: set[str]) -> list[dict[str, Any]]:
    """Judging-queue rows for the worst queries not judged yet, worst first."""
    rows: list[dict[str, Any]] = []
    for w in worst:
        if w["normalized_query"] in already:
            continue
        rows.append(
            {
                "id": f"online-{len(rows) + 1:03d}",
                "kind": None,
                "split": None,
                "query": w["query"],
                "ideal": [],
                "related": [],
                "marginal": [],
                "hard": {},
                "soft": {},
                "expect_no_match": None,
                "notes": "",
                "online": {
                    "searches": w["searches"],
                    "zero_results": w["zero_results"],
                    "no_click": w["no_click"],
                    "reformulated": w["reformulated"],
                    "reformulated_as": w["reformulated_as"],
                },
            }
        )
    return rows


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval mine", description=__doc__.splitlines()[0])
    ap.add_argument("--since", type=period, default=period("30d"), help="how far back (default 30d)")
    ap.add_argument("--limit", type=int, default=50, help="at most this many queries (default 50)")
    ap.add_argument("--out", type=Path, default=None, help="queue file (default var/judging/queue-<stamp>.jsonl)")
    args = ap.parse_args(argv)
    if args.limit < 1:
        ap.error("--limit must be at least 1")

    from sqlalchemy.orm import Session

    from core.db import get_engine
    from services import analytics_insights

    until = utc_now()
    with Session(get_engine()) as db:
        worst = analytics_insights.worst_queries(db, since=until - args.since, until=until, limit=args.limit * 2)
    rows = queue(worst, already=judged_queries())[: args.limit]
    out = args.out or QUEUES / f"queue-{until:%Y%m%d-%H%M%S}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{len(rows)} queries to judge: {out}")
    return 0
