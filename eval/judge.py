"""Graded relevance judgments (qrels) for the judged search set, by a fixed rule over the DB rows.

    python -m eval judge            # writes data/fixtures/eval/search_qrels.tsv and search_docs.tsv
    python -m eval judge --check    # exits 1 when the files differ from what the rule gives now

The queries (data/fixtures/eval/search_queries.jsonl) carry hand-written `intended` constraints in
the parsed-query field names. The rule applies those to every instructor-service row of the eval
database (eval/dataset.py: 1,000 instructors, seed 42, availability from 2026-11-30, searched at
2026-11-30 08:00 America/New_York). It is documented in data/fixtures/eval/README.md; in short:

topic      T3  the row's service is the intended service (or in `topic`, or in the intended
               category when only a category is asked); every row when the query names nothing.
           T1  same subcategory as the intended service / a `topic` service.
constraint each is OK, NEAR (a soft mismatch) or MISS:
   price       OK within [price_min, price_max] (price of the asked format, else the lower one);
               NEAR up to price_max x 1.25 (the contract's price relaxation)
   location    OK serves the neighborhood (or its whole borough) / the borough, in person;
               NEAR serves the neighborhood's borough; ignored when the format is online
   format      OK offers it (in person needs an in-person price and an area)
   availability OK has a bookable start in the asked days and time window (default: the next 14
               days), of the asked duration or the row's lesson length; NEAR bookable on the asked
               days at another time, or on other days within 14 days; MISS never bookable
   duration, lesson_language, min_rating: OK or MISS
   audience, level (soft): OK or NEAR
grade      3 = T3 and every constraint OK
           2 = T3, no MISS, at least one NEAR
           1 = T3 with a MISS (only when the query names a topic), or T1 with no MISS
           0 = everything else (not written)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.settings import PROJECT_ROOT

EVAL_DIR = PROJECT_ROOT / "data" / "fixtures" / "eval"
QUERIES = EVAL_DIR / "search_queries.jsonl"
QRELS = EVAL_DIR / "search_qrels.tsv"
DOCS = EVAL_DIR / "search_docs.tsv"
OK, NEAR, MISS = 0, 1, 2
NOTICE_MINUTES = 120
DEFAULT_DAYS = 14

ROWS_SQL = """
SELECT s.id, s.profile_id, sv.slug, sc.slug AS subcategory, c.slug AS category, u.full_name,
       s.price_in_person, s.price_online, s.duration_options, s.age_groups, s.levels,
       sv.default_duration, p.rating_avg, p.languages, p.boroughs, p.neighborhoods
FROM instructor_services s
JOIN services sv ON sv.id = s.service_id
JOIN subcategories sc ON sc.id = sv.subcategory_id
JOIN categories c ON c.id = sc.category_id
JOIN instructor_profiles p ON p.id = s.profile_id
JOIN users u ON u.id = p.user_id
WHERE s.is_active AND u.is_active
ORDER BY s.id
"""


@dataclass
class Row:
    id: str
    profile_id: str
    slug: str
    subcategory: str
    category: str
    name: str
    price_in_person: float | None
    price_online: float | None
    duration_options: list[int]
    age_groups: list[str]
    levels: list[str]
    default_duration: int
    rating: float | None
    languages: list[str]
    boroughs: list[str]
    neighborhoods: list[str]


def load_queries(path: Path = QUERIES) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_rows(engine: Engine) -> list[Row]:
    with engine.connect() as conn:
        out = []
        for r in conn.execute(text(ROWS_SQL)):
            out.append(
                Row(
                    str(r.id),
                    str(r.profile_id),
                    r.slug,
                    r.subcategory,
                    r.category,
                    r.full_name,
                    float(r.price_in_person) if r.price_in_person is not None else None,
                    float(r.price_online) if r.price_online is not None else None,
                    list(r.duration_options),
                    list(r.age_groups),
                    list(r.levels),
                    r.default_duration,
                    float(r.rating_avg) if r.rating_avg is not None else None,
                    list(r.languages),
                    list(r.boroughs),
                    list(r.neighborhoods),
                )
            )
        return out


def service_subcategories(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT sv.slug, sc.slug FROM services sv JOIN subcategories sc ON sc.id = sv.subcategory_id")
            ).all()
        )


def lesson_minutes(row: Row, duration: int | None) -> int:
    """The lesson length the search would book (index.search._lesson_minutes)."""
    if duration:
        return duration
    if row.default_duration in row.duration_options:
        return row.default_duration
    return min(row.duration_options, key=lambda m: (abs(m - row.default_duration), m))


def full_parsed(intended: dict) -> dict:
    """The intended constraints as a complete parsed object (missing fields null)."""
    import nls

    parsed = dict.fromkeys(nls.FIELDS)
    parsed.update(query="", near_me=False, text="")
    parsed.update(intended)
    return parsed


class Availability:
    """Which instructors have a bookable start, per (constraints on days/times, lesson minutes)."""

    def __init__(self, engine: Engine, now):
        self.engine, self.now = engine, now.astimezone(_market_tz()).replace(tzinfo=None)
        self._cache: dict[tuple, set[str]] = {}

    def bookable(self, profile_minutes: dict[str, int], dates=None, weekdays=None, start=None, end=None) -> set[str]:
        from index import slots
        from index.constraints import Constraints

        cons = Constraints(
            dates=tuple(date.fromisoformat(d) for d in dates) if dates else None,
            weekdays=tuple(weekdays) if weekdays else None,
            start_time=time.fromisoformat(start) if start else None,
            end_time=time.fromisoformat(end) if end else None,
        )
        out: set[str] = set()
        by_minutes: dict[int, list[str]] = {}
        for pid, m in profile_minutes.items():
            by_minutes.setdefault(m, []).append(pid)
        for m, pids in sorted(by_minutes.items()):
            key = (cons, m)
            if key not in self._cache:
                everyone = self._all_profiles()
                with self.engine.connect() as conn:
                    found = slots.find(
                        conn, cons, dict.fromkeys(everyone, m), now=self.now, notice_minutes=NOTICE_MINUTES
                    )
                self._cache[key] = {str(k) for k, v in found.items() if v.starts}
            out |= self._cache[key] & set(pids)
        return out

    def _all_profiles(self) -> list[str]:
        if not hasattr(self, "_profiles"):
            with self.engine.connect() as conn:
                self._profiles = [str(x) for x in conn.execute(text("SELECT id FROM instructor_profiles")).scalars()]
        return self._profiles


def _market_tz():
    from index.search import MARKET_TZ

    return MARKET_TZ


def audience_groups(audience: str | None, age: int | None) -> list[str] | None:
    if audience == "kids":
        return ["kids", "toddler"] if age is not None and age <= 4 else ["kids"]
    if audience in ("teens", "adults"):
        return [audience]
    return None


def price_of(row: Row, fmt: str | None) -> float | None:
    if fmt == "online":
        return row.price_online
    if fmt == "in_person":
        return row.price_in_person
    values = [p for p in (row.price_in_person, row.price_online) if p is not None]
    return min(values) if values else None


def constraint_states(q: dict, row: Row, avail: dict[str, int]) -> dict[str, int]:
    """OK / NEAR / MISS per constraint of the query's intended constraints. `avail` maps the
    row id to its availability state (computed in bulk by judge_query)."""
    from index import places

    it = q.get("intended", {})
    out: dict[str, int] = {}
    fmt = it.get("format")
    if it.get("price_max") is not None or it.get("price_min") is not None:
        price = price_of(row, fmt)
        lo, hi = it.get("price_min"), it.get("price_max")
        if price is None or (lo is not None and price < lo - 1e-9):
            out["price"] = MISS
        elif hi is None or price <= hi + 1e-9:
            out["price"] = OK
        else:
            out["price"] = NEAR if price <= hi * 1.25 + 1e-9 else MISS
    loc = it.get("location") or {}
    if (loc.get("borough") or loc.get("neighborhood")) and fmt != "online":
        hood = loc.get("neighborhood")
        borough = loc.get("borough") or (places.borough_of(hood) if hood else None)
        in_person = row.price_in_person is not None
        serves_borough = borough in row.boroughs or any(places.borough_of(h) == borough for h in row.neighborhoods)
        if not in_person:
            out["location"] = MISS
        elif hood:
            if hood in row.neighborhoods or borough in row.boroughs:
                out["location"] = OK
            else:
                out["location"] = NEAR if serves_borough else MISS
        else:
            out["location"] = OK if serves_borough else MISS
    if fmt == "online":
        out["format"] = OK if row.price_online is not None else MISS
    elif fmt == "in_person":
        out["format"] = OK if row.price_in_person is not None and (row.neighborhoods or row.boroughs) else MISS
    if it.get("duration_minutes"):
        out["duration"] = OK if it["duration_minutes"] in row.duration_options else MISS
    if it.get("lesson_language"):
        out["lesson_language"] = OK if it["lesson_language"] in row.languages else MISS
    if it.get("min_rating") is not None:
        out["min_rating"] = OK if row.rating is not None and row.rating >= it["min_rating"] - 1e-9 else MISS
    out["availability"] = avail[row.id]
    groups = audience_groups(it.get("audience"), it.get("age"))
    if groups:
        out["audience"] = OK if set(groups) & set(row.age_groups) else NEAR
    if it.get("level"):
        out["level"] = OK if it["level"] in row.levels else NEAR
    return out


def topic(q: dict, row: Row, sub_of: dict[str, str]) -> int:
    """3 (on topic), 1 (same subcategory) or 0; and whether the query names a topic."""
    it = q.get("intended", {})
    wanted = q.get("topic")
    if wanted:
        services = {t for t in wanted if ":" not in t}
        subs = {t[4:] for t in wanted if t.startswith("sub:")}
        cats = {t[4:] for t in wanted if t.startswith("cat:")}
        if row.slug in services or row.subcategory in subs or row.category in cats:
            return 3
        return 1 if row.subcategory in {sub_of[s] for s in services} else 0
    if it.get("service"):
        if row.slug == it["service"]:
            return 3
        return 1 if row.subcategory == sub_of[it["service"]] else 0
    if it.get("category"):
        return 3 if row.category == it["category"] else 0
    return 3


def names_topic(q: dict) -> bool:
    it = q.get("intended", {})
    return bool(q.get("topic") or it.get("service") or it.get("category"))


def grade(t: int, states: dict[str, int], topical_query: bool) -> int:
    worst = max(states.values(), default=OK)
    if t == 3:
        if worst == OK:
            return 3
        if worst == NEAR:
            return 2
        return 1 if topical_query else 0
    if t == 1 and worst != MISS:
        return 1
    return 0


def availability_states(q: dict, rows: list[Row], av: Availability) -> dict[str, int]:
    it = q.get("intended", {})
    minutes: dict[str, tuple[str, int]] = {}
    for row in rows:
        minutes.setdefault(row.id, (row.profile_id, lesson_minutes(row, it.get("duration_minutes"))))
    states: dict[str, int] = {}
    # Group by minutes so each row is checked with its own lesson length.
    for m in sorted({m for _, m in minutes.values()}):
        ids = [rid for rid, (_, mm) in minutes.items() if mm == m]
        pm = {minutes[rid][0]: m for rid in ids}
        exact = av.bookable(pm, it.get("dates"), it.get("weekdays"), it.get("start_time"), it.get("end_time"))
        on_days = (
            av.bookable(pm, it.get("dates"), it.get("weekdays"))
            if (it.get("start_time") or it.get("end_time"))
            else exact
        )
        anywhen = av.bookable(pm)
        for rid in ids:
            pid = minutes[rid][0]
            states[rid] = OK if pid in exact else NEAR if (pid in on_days or pid in anywhen) else MISS
    return states


def judge_query(q: dict, rows: list[Row], sub_of: dict[str, str], av: Availability) -> dict[str, int]:
    topical_query = names_topic(q)
    candidates = [(row, topic(q, row, sub_of)) for row in rows]
    candidates = [(row, t) for row, t in candidates if t > 0]
    avail = availability_states(q, [row for row, _ in candidates], av)
    out = {}
    for row, t in candidates:
        g = grade(t, constraint_states(q, row, avail), topical_query)
        if g > 0:
            out[row.id] = g
    return out


def judge_all(engine: Engine, queries: list[dict], now=None) -> dict[str, dict[str, int]]:
    from eval.dataset import NOW

    rows = load_rows(engine)
    sub_of = service_subcategories(engine)
    av = Availability(engine, now or NOW)
    return {q["id"]: judge_query(q, rows, sub_of, av) for q in queries}


def qrels_text(qrels: dict[str, dict[str, int]]) -> str:
    lines = []
    for qid in sorted(qrels):
        for doc, g in sorted(qrels[qid].items(), key=lambda x: (-x[1], x[0])):
            lines.append(f"{qid}\t0\t{doc}\t{g}")
    return "\n".join(lines) + "\n"


def docs_text(rows: list[Row]) -> str:
    lines = ["instructor_service_id\tinstructor_id\tservice\tinstructor_name"]
    lines += [f"{r.id}\t{r.profile_id}\t{r.slug}\t{r.name}" for r in rows]
    return "\n".join(lines) + "\n"


def read_qrels(path: Path = QRELS) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        qid, _, doc, g = line.split("\t")[:4]
        out.setdefault(qid, {})[doc] = int(g)
    return out


def read_docs(path: Path = DOCS) -> dict[str, str]:
    """instructor_service_id -> instructor id."""
    out = {}
    for line in path.read_text().splitlines()[1:]:
        if line.strip():
            doc, instructor = line.split("\t")[:2]
            out[doc] = instructor
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval judge", description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail when the committed qrels differ from the rule")
    ap.add_argument("--instructors", type=int, default=None, help="eval database size (default 1000)")
    args = ap.parse_args(argv)
    from eval.dataset import INSTRUCTORS, eval_engine

    engine = eval_engine(args.instructors or INSTRUCTORS, quiet=False)
    queries = load_queries()
    qrels = judge_all(engine, queries)
    body, docs = qrels_text({q["id"]: qrels[q["id"]] for q in queries}), docs_text(load_rows(engine))
    if args.check:
        same = QRELS.exists() and QRELS.read_text() == body and DOCS.exists() and DOCS.read_text() == docs
        print("qrels up to date" if same else "qrels differ from the judging rule: run `python -m eval judge`")
        return 0 if same else 1
    QRELS.write_text(body)
    DOCS.write_text(docs)
    counts = [len([g for g in qrels[q["id"]].values() if g >= 2]) for q in queries]
    empty = [q["id"] for q, c in zip(queries, counts, strict=True) if c == 0]
    print(
        f"wrote {QRELS.relative_to(PROJECT_ROOT)}: {len(queries)} queries, "
        f"{sum(len(v) for v in qrels.values())} judged rows; queries with no grade>=2 row: {empty or 'none'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
