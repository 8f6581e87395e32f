"""A scripted session of students on the demo: ``python -m eval session [--people 60] [--seed 7]``.

Each simulated student searches one of the judged set's queries through the API (in process, on the
configured database, so impressions and events are recorded as for real students), looks down the
results with position bias and clicks by how well the result's service fits the query's judgement
(ideal, related, marginal), sometimes opens the profile, picks a slot and books it (signed in, with
the search_id), and sometimes, when nothing fit, searches again in other words. Then
``python -m eval online`` has something to report. It writes real rows: use it on the demo database.
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT

JUDGED = PROJECT_ROOT / "data" / "fixtures" / "judged" / "queries.jsonl"
PASSWORD = "a scripted session 2026"
# P(looking at position k) = 1 / k ** EXAMINE (position bias), P(click | looked) by grade.
EXAMINE = 0.8
CLICK = {3: 0.75, 2: 0.45, 1: 0.15, 0: 0.03}
BOOK = {3: 0.35, 2: 0.15, 1: 0.05, 0: 0.0}
PROFILE = 0.5
REFORMULATE = 0.5


def grade(judged: dict[str, Any], result: dict[str, Any]) -> int:
    """3 for an ideal service, 2 related, 1 marginal, else 0 (the judged set's service fit)."""
    slug = result["service"]["slug"]
    return 3 if slug in judged["ideal"] else 2 if slug in judged["related"] else 1 if slug in judged["marginal"] else 0


def first_click(judged: dict[str, Any], results: list[dict[str, Any]], rng: random.Random) -> tuple[int, int] | None:
    """The position (1-based) and grade of the result the simulated student clicks, if any."""
    for position, result in enumerate(results[:10], start=1):
        if rng.random() < position**-EXAMINE:
            g = grade(judged, result)
            if rng.random() < CLICK[g]:
                return position, g
    return None


def reformulation(query: str, rng: random.Random) -> str:
    """Other words for the same wish: a word fewer, or the words in another order."""
    words = query.split()
    if len(words) > 2 and rng.random() < 0.5:
        words.pop(rng.randrange(1, len(words)))
    else:
        rng.shuffle(words)
    return " ".join(words)


def run(people: int, seed: int, judged_path: Path = JUDGED) -> Counter[str]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from core.settings import Settings

    rng = random.Random(seed)
    queries = [q for q in map(json.loads, judged_path.read_text().splitlines()) if q["split"] == "dev"]
    app = create_app(Settings(rate_limit_enabled=False))
    counts: Counter[str] = Counter()
    for n in range(people):
        judged = rng.choice(queries)
        client = TestClient(app, client=(f"10.99.{n // 250}.{n % 250 + 1}", 40000))
        headers = {"X-Guest-Session-ID": uuid.uuid4().hex}
        query = judged["query"]
        for attempt in range(2):
            answer = client.get("/api/search", params={"q": query, "limit": 10}, headers=headers).json()
            counts["searches"] += 1
            click = first_click(judged, answer["results"], rng)
            if click is None:
                if attempt == 0 and rng.random() < REFORMULATE:
                    query = reformulation(query, rng)
                    continue
                break
            position, g = click
            result = answer["results"][position - 1]
            event = {"position": position, "instructor_service_id": result["instructor_service_id"]}
            client.post(f"/api/search/{answer['search_id']}/events", json={"kind": "result_click", **event})
            counts["clicks"] += 1
            if rng.random() < PROFILE:
                client.post(f"/api/search/{answer['search_id']}/events", json={"kind": "profile_view", **event})
            if result["slots"] and rng.random() < BOOK[g]:
                client.post(f"/api/search/{answer['search_id']}/events", json={"kind": "slot_click", **event})
                counts["bookings"] += _book(client, headers, answer["search_id"], result)
            break
    app.state.impressions.close()
    return counts


def _book(client: Any, headers: dict[str, str], search_id: str, result: dict[str, Any]) -> int:
    """Register the simulated student and book the result's first slot from the search; 1 if booked."""
    email = f"session-{uuid.uuid4().hex[:12]}@example.com"
    registered = client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Session Student"}
    )
    token = registered.json().get("access_token") if registered.status_code == 201 else None
    if token is None:
        login = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        token = login.json().get("access_token")
    lesson_format = (result.get("lesson") or {}).get("format") or result["formats"][0]
    booked = client.post(
        "/api/bookings",
        json={
            "instructor_id": result["instructor"]["id"],
            "instructor_service_id": result["instructor_service_id"],
            "start": result["slots"][0]["start"],
            "duration_minutes": result["duration_minutes"],
            "format": lesson_format,
            "location": "At the student's home" if lesson_format == "in_person" else "",
            "search_id": search_id,
        },
        headers={**headers, "Authorization": f"Bearer {token}"},
    )
    return int(booked.status_code == 201)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval session", description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=60, help="simulated students (default 60)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    if args.people < 1:
        ap.error("--people must be at least 1")
    counts = run(args.people, args.seed)
    print(f"{counts['searches']} searches, {counts['clicks']} clicks, {counts['bookings']} bookings")
    return 0
