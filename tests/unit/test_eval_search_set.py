"""The judged search set, its qrels and the judging rule (no database)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from core.settings import PROJECT_ROOT
from eval import judge
from eval.judge import MISS, NEAR, OK, Row

EVAL = PROJECT_ROOT / "data" / "fixtures" / "eval"
CATALOG = json.loads((PROJECT_ROOT / "data" / "fixtures" / "catalog.json").read_text())
SERVICES = {s["slug"]: c["slug"] for c in CATALOG["categories"] for sub in c["subcategories"] for s in sub["services"]}
SUBCATEGORIES = {sub["slug"] for c in CATALOG["categories"] for sub in c["subcategories"]}
LOCATIONS = json.loads((PROJECT_ROOT / "data" / "fixtures" / "nyc_locations.json").read_text())
BOROUGH_OF = {n["slug"]: n["borough"] for n in LOCATIONS["neighborhoods"]}
FIELDS = {
    "service",
    "category",
    "price_min",
    "price_max",
    "price_intent",
    "location",
    "near_me",
    "format",
    "dates",
    "weekdays",
    "start_time",
    "end_time",
    "age",
    "audience",
    "level",
    "duration_minutes",
    "min_rating",
    "lesson_language",
    "urgency",
}


@pytest.fixture(scope="module")
def queries():
    return judge.load_queries()


def test_queries_well_formed(queries):
    assert len(queries) >= 200
    assert len({q["id"] for q in queries}) == len(queries)
    assert len({q["query"].lower() for q in queries}) == len(queries)
    for q in queries:
        assert q["split"] in ("dev", "test")
        it = q["intended"]
        assert set(it) <= FIELDS, q["id"]
        if "service" in it:
            assert SERVICES[it["service"]] == it["category"], q["id"]
        if "category" in it:
            assert it["category"] in set(SERVICES.values())
        loc = it.get("location")
        if loc:
            assert loc["borough"] in {"manhattan", "brooklyn", "queens", "bronx", "staten-island"}
            if loc["neighborhood"]:
                assert BOROUGH_OF[loc["neighborhood"]] == loc["borough"], q["id"]
        for d in it.get("dates") or []:
            assert date.fromisoformat(d) >= date(2026, 11, 30)
        assert it.get("weekdays") in (None, sorted(set(it.get("weekdays") or [])))
        for t in q.get("topic", []):
            kind, _, slug = t.rpartition(":")
            assert slug in {"sub": SUBCATEGORIES, "cat": set(SERVICES.values()), "": SERVICES}[kind], t


def test_coverage_of_the_set(queries):
    tags = Counter(t for q in queries for t in q["tags"])
    for category in ("music", "dance", "arts", "sports", "tutoring", "languages", "hobbies"):
        assert tags[f"cat:{category}"] >= 10, category
    for borough in ("manhattan", "brooklyn", "queens", "bronx", "staten-island"):
        assert tags[f"borough:{borough}"] >= 3, borough
    for tag in (
        "date",
        "weekdays",
        "time",
        "audience",
        "age",
        "price",
        "format",
        "typo",
        "vague",
        "level",
        "duration",
        "rating",
        "lesson-language",
        "neighborhood",
    ):
        assert tags[tag] >= 2, tag
    splits = Counter(q["split"] for q in queries)
    assert abs(splits["dev"] - splits["test"]) <= 2


def test_qrels_refer_to_queries_and_docs(queries):
    qrels, docs = judge.read_qrels(), judge.read_docs()
    ids = {q["id"] for q in queries}
    assert set(qrels) <= ids
    assert all(g in (1, 2, 3) for rows in qrels.values() for g in rows.values())
    assert all(doc in docs for rows in qrels.values() for doc in rows)
    with_relevant = [qid for qid in ids if any(g >= 2 for g in qrels.get(qid, {}).values())]
    assert len(with_relevant) >= len(ids) - 5  # a few "no-exact" probes of the relaxation


def test_hand_checked_sample_agrees_with_rule():
    lines = (EVAL / "search_qrels_checked.tsv").read_text().splitlines()
    header, rows = (
        lines[0].split("\t"),
        [dict(zip(lines[0].split("\t"), ln.split("\t"), strict=True)) for ln in lines[1:] if ln],
    )
    assert {"qid", "instructor_service_id", "rule_grade", "hand_grade"} <= set(header)
    assert len(rows) >= 20
    qrels = judge.read_qrels()
    for r in rows:
        assert qrels.get(r["qid"], {}).get(r["instructor_service_id"], 0) == int(r["rule_grade"])
        assert r["hand_grade"] == r["rule_grade"], r


def _row(**kw) -> Row:
    base = {
        "id": "r1",
        "profile_id": "p1",
        "slug": "piano",
        "subcategory": "piano",
        "category": "music",
        "name": "Ann",
        "price_in_person": 60.0,
        "price_online": 50.0,
        "duration_options": [30, 60],
        "age_groups": ["kids", "adults"],
        "levels": ["beginner"],
        "default_duration": 60,
        "rating": 4.6,
        "languages": ["english"],
        "boroughs": [],
        "neighborhoods": ["park-slope", "windsor-terrace"],
    }
    base.update(kw)
    return Row(**base)  # type: ignore[arg-type]


def test_constraint_states():
    q = {
        "intended": {
            "service": "piano",
            "price_max": 50,
            "location": {"borough": "brooklyn", "neighborhood": "park-slope"},
        }
    }
    assert judge.constraint_states(q, _row(), {"r1": OK}) == {"price": OK, "location": OK, "availability": OK}
    q["intended"]["price_max"] = 45  # lowest price 50 <= 45 * 1.25
    assert judge.constraint_states(q, _row(), {"r1": OK})["price"] == NEAR
    q["intended"]["price_max"] = 30
    assert judge.constraint_states(q, _row(), {"r1": OK})["price"] == MISS
    q["intended"].update(price_max=None, format="in_person")
    states = judge.constraint_states(q, _row(), {"r1": OK})
    assert "price" not in states and states["format"] == OK
    assert judge.constraint_states(q, _row(price_in_person=None), {"r1": OK})["format"] == MISS
    q["intended"]["location"] = {"borough": "brooklyn", "neighborhood": "bushwick"}
    assert judge.constraint_states(q, _row(), {"r1": OK})["location"] == NEAR  # same borough
    assert judge.constraint_states(q, _row(boroughs=["brooklyn"]), {"r1": OK})["location"] == OK
    q["intended"]["location"] = {"borough": "queens", "neighborhood": None}
    assert judge.constraint_states(q, _row(), {"r1": OK})["location"] == MISS
    q["intended"]["format"] = "online"  # online lessons ignore place
    assert "location" not in judge.constraint_states(q, _row(), {"r1": OK})
    soft = {
        "intended": {
            "service": "piano",
            "audience": "teens",
            "level": "advanced",
            "lesson_language": "spanish",
            "min_rating": 4.5,
            "duration_minutes": 45,
        }
    }
    states = judge.constraint_states(soft, _row(), {"r1": NEAR})
    assert states == {
        "audience": NEAR,
        "level": NEAR,
        "lesson_language": MISS,
        "min_rating": OK,
        "duration": MISS,
        "availability": NEAR,
    }


def test_grade_rule():
    assert judge.grade(3, {"a": OK}, True) == 3
    assert judge.grade(3, {"a": OK, "b": NEAR}, True) == 2
    assert judge.grade(3, {"a": MISS}, True) == 1
    assert judge.grade(3, {"a": MISS}, False) == 0  # a query naming no topic
    assert judge.grade(1, {"a": NEAR}, True) == 1
    assert judge.grade(1, {"a": MISS}, True) == 0
    assert judge.grade(0, {"a": OK}, True) == 0


def test_topic():
    sub_of = {"piano": "piano", "keyboard": "piano", "guitar": "guitar"}
    piano, keyboard, guitar = _row(), _row(slug="keyboard"), _row(slug="guitar", subcategory="guitar")
    q = {"intended": {"service": "piano", "category": "music"}}
    assert [judge.topic(q, r, sub_of) for r in (piano, keyboard, guitar)] == [3, 1, 0]
    q = {"intended": {"category": "music"}, "topic": ["sub:guitar"]}
    assert [judge.topic(q, r, sub_of) for r in (piano, keyboard, guitar)] == [0, 0, 3]
    q = {"intended": {"category": "music"}}
    assert judge.topic(q, guitar, sub_of) == 3
    q = {"intended": {}, "topic": ["cat:music"]}
    assert judge.topic(q, guitar, sub_of) == 3
    assert judge.topic({"intended": {}}, guitar, sub_of) == 3 and not judge.names_topic({"intended": {}})
    assert judge.lesson_minutes(_row(duration_options=[45, 90]), None) == 45
    assert judge.lesson_minutes(_row(), 45) == 45
