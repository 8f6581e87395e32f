"""The parse scorer's metric logic (with an injected parse function, no nls needed)
and the well-formedness of the judged parse sets."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from eval import parse_eval as pe

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures"
GOLDEN = FIXTURES / "eval" / "parse_golden.jsonl"
HOLDOUT = FIXTURES / "eval" / "parse_holdout.jsonl"

NOW = "2026-11-26T10:00"
TZ = "America/New_York"


def blank(**over) -> dict:
    e = dict.fromkeys(pe.FIELDS)
    e["near_me"] = False
    e.update(over)
    return e


def case(cid: str, query: str, **expected) -> dict:
    return {"id": cid, "query": query, "now": NOW, "tz": TZ, "expected": blank(**expected), "tags": ["t"]}


def fake_parser(table: dict[str, dict]):
    """A parse function answering from a table; records the arguments it got."""
    calls = []

    def parse(query, now, tz):
        calls.append((query, now, tz))
        if table[query] == "raise":
            raise RuntimeError("boom")
        return {"query": query, "text": "", **blank(**table[query])}

    parse.calls = calls  # type: ignore[attr-defined]
    return parse


# ----------------------------------------------------------------------------- metrics


def test_perfect_prediction_is_exact_and_calls_with_datetime():
    cases = [case("a", "piano", service="piano", category="music")]
    parse = fake_parser({"piano": {"service": "piano", "category": "music"}})
    report = pe.score_cases(cases, parse)
    assert report.exact == 1 and report.exact_rate == 1.0
    assert report.failures() == []
    q, now, tz = parse.calls[0]
    assert q == "piano" and isinstance(now, datetime) and now == datetime(2026, 11, 26, 10, 0) and tz == TZ


def test_tp_fp_fn_counting():
    cases = [
        case("tp", "q1", price_max=60),  # predicted 60.0 -> TP
        case("fn", "q2", price_max=60),  # predicted null -> FN
        case("fp", "q3"),  # predicted 50 where null expected -> FP
        case("wrong", "q4", price_max=60),  # predicted 70 -> FP and FN
        case("tn", "q5"),  # null / null -> correct, no TP
    ]
    parse = fake_parser(
        {
            "q1": {"price_max": 60.0},
            "q2": {},
            "q3": {"price_max": 50},
            "q4": {"price_max": 70},
            "q5": {},
        }
    )
    report = pe.score_cases(cases, parse)
    s = report.fields["price_max"]
    assert (s.n, s.correct, s.tp, s.fp, s.fn) == (5, 2, 1, 2, 2)
    assert s.accuracy == pytest.approx(0.4)
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(1 / 3)
    assert s.f1 == pytest.approx(1 / 3)
    kinds = report.failure_kinds()
    assert kinds[("price_max", "missed")] == 1
    assert kinds[("price_max", "spurious")] == 1
    assert kinds[("price_max", "wrong")] == 1
    assert report.exact == 2  # tp and tn cases
    # untouched fields are perfect, with no positives at all
    assert report.fields["urgency"].accuracy == 1.0
    assert report.fields["urgency"].precision is None and report.fields["urgency"].f1 is None


def test_precision_recall_differ():
    cases = [case("1", "a", service="piano"), case("2", "b", service="guitar"), case("3", "c")]
    parse = fake_parser({"a": {"service": "piano"}, "b": {}, "c": {}})
    s = pe.score_cases(cases, parse).fields["service"]
    assert s.precision == 1.0 and s.recall == 0.5 and s.f1 == pytest.approx(2 / 3)


def test_normalisation_numbers_lists_location_and_falsy():
    assert pe.values_equal("price_max", 60, 60.0)
    assert pe.values_equal("age", 8, 8.0)
    assert not pe.values_equal("price_max", 60, 61)
    assert pe.values_equal("dates", ["2026-11-29", "2026-11-28"], ["2026-11-28", "2026-11-29"])
    assert pe.values_equal("weekdays", [6, 5], [5, 6])
    assert not pe.values_equal("weekdays", [5], [5, 6])
    assert pe.values_equal("weekdays", None, [])
    assert pe.values_equal("near_me", False, None)
    assert not pe.values_equal("near_me", False, True)
    assert pe.values_equal(
        "location",
        {"borough": "brooklyn", "neighborhood": "park-slope"},
        {"neighborhood": "park-slope", "borough": "brooklyn"},
    )
    assert not pe.values_equal(
        "location", {"borough": "brooklyn", "neighborhood": "park-slope"}, {"borough": "brooklyn", "neighborhood": None}
    )
    assert pe.values_equal("location", None, {"borough": None, "neighborhood": None})
    assert not pe.is_positive("location", {"borough": None, "neighborhood": None})
    assert not pe.values_equal("min_rating", 4.5, "4.5")
    assert not pe.values_equal("near_me", True, 1.0)
    assert pe.values_equal("near_me", True, True)


def test_prediction_objects_are_accepted():
    @dataclasses.dataclass
    class Loc:
        borough: str | None
        neighborhood: str | None

    @dataclasses.dataclass
    class Parsed:
        service: str | None = "piano"
        category: str | None = "music"
        location: Loc | None = None

    got = pe.prediction_fields(Parsed(location=Loc("brooklyn", None)))
    assert got["service"] == "piano"
    assert got["location"] == {"borough": "brooklyn", "neighborhood": None}
    assert got["urgency"] is None  # missing attribute -> null

    class Plain:
        def __init__(self):
            self.service = "guitar"

    assert pe.prediction_fields(Plain())["service"] == "guitar"


def test_parse_exception_is_recorded_not_raised():
    cases = [case("x", "boom", service="piano"), case("y", "fine")]
    report = pe.score_cases(cases, fake_parser({"boom": "raise", "fine": {}}))
    assert report.errors == 1 and report.exact == 1
    assert report.cases[0]["error"].startswith("RuntimeError")
    assert any(f["field"] == "<error>" for f in report.failures())


def test_metric_lookup_and_fail_below(tmp_path, capsys):
    path = tmp_path / "set.jsonl"
    rows = [case("a", "q1", service="piano", category="music"), case("b", "q2", price_max=60)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    parse = fake_parser({"q1": {"service": "piano", "category": "music"}, "q2": {}})

    out = tmp_path / "out" / "report.json"
    assert pe.main(["--file", str(path), "--json", str(out), "--show", "5"], parse_fn=parse) == 0
    payload = json.loads(out.read_text())
    assert payload["metrics"]["exact"] == 0.5
    assert payload["metrics"]["fields"]["price_max"]["fn"] == 1
    assert len(payload["cases"]) == 2

    assert pe.main(["--file", str(path), "--fail-below", "exact=0.5"], parse_fn=parse) == 0
    assert pe.main(["--file", str(path), "--fail-below", "exact=0.6"], parse_fn=parse) == 1
    assert pe.main(["--file", str(path), "--fail-below", "field:service=1.0"], parse_fn=parse) == 0
    assert pe.main(["--file", str(path), "--fail-below", "field:price_max=0.9"], parse_fn=parse) == 1
    assert pe.main(["--file", str(path), "--fail-below", "field:price_max.recall=0.1"], parse_fn=parse) == 1
    assert pe.main(["--file", str(path), "--fail-below", "bogus=0.1"], parse_fn=parse) == 2
    with pytest.raises(SystemExit):
        pe.build_parser().parse_args(["--fail-below", "exact"])


def test_missing_nls_fails_with_one_line(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "nls" or name.startswith("nls."):
            raise ModuleNotFoundError("No module named 'nls'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(SystemExit) as exc:
        pe._load_parser()
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot import nls") and "\n" not in err


def test_dispatcher_knows_parse_and_rejects_unknown(capsys):
    from eval import __main__ as cli

    assert "parse" in cli.COMMANDS
    assert cli.main(["nope"]) == 2
    assert cli.main(["--help"]) == 0
    assert "parse" in capsys.readouterr().out


# ------------------------------------------------------------------ the judged sets


def _catalog():
    cat = json.loads((FIXTURES / "catalog.json").read_text())
    services = {s["slug"]: c["slug"] for c in cat["categories"] for sub in c["subcategories"] for s in sub["services"]}
    return services, {c["slug"] for c in cat["categories"]}


def _locations():
    loc = json.loads((FIXTURES / "nyc_locations.json").read_text())
    return {n["slug"]: n["borough"] for n in loc["neighborhoods"]}, {b["slug"] for b in loc["boroughs"]}


@pytest.fixture(scope="module", params=[("golden", GOLDEN, 320), ("holdout", HOLDOUT, 80)], ids=lambda p: p[0])
def judged(request):
    name, path, minimum = request.param
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines]  # every line parses
    return name, rows, minimum


def test_set_size_and_ids(judged):
    name, rows, minimum = judged
    assert len(rows) >= minimum, f"{name}: {len(rows)} < {minimum}"
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"


def test_sets_are_disjoint():
    g = {json.loads(line)["id"] for line in GOLDEN.read_text().splitlines() if line.strip()}
    h = {json.loads(line)["id"] for line in HOLDOUT.read_text().splitlines() if line.strip()}
    assert not g & h


HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def test_every_case_is_well_formed(judged):
    name, rows, _ = judged
    services, categories = _catalog()
    neighborhoods, boroughs = _locations()
    for r in rows:
        where = f"{name} {r.get('id')}"
        assert set(r) >= {"id", "query", "now", "tz", "expected", "tags"}, where
        assert isinstance(r["query"], str), where
        now = datetime.fromisoformat(r["now"])
        assert now.tzinfo is None, where
        from zoneinfo import ZoneInfo

        ZoneInfo(r["tz"])
        assert isinstance(r["tags"], list) and r["tags"] and all(isinstance(t, str) for t in r["tags"]), where
        e = r["expected"]
        assert set(e) == set(pe.FIELDS) and len(e) == 19, where

        if e["service"] is not None:
            assert e["service"] in services, where
            assert e["category"] == services[e["service"]], where
        if e["category"] is not None:
            assert e["category"] in categories, where
        for f in ("price_min", "price_max", "min_rating"):
            assert e[f] is None or (isinstance(e[f], (int, float)) and not isinstance(e[f], bool) and e[f] >= 0), where
        if e["price_min"] is not None and e["price_max"] is not None:
            assert e["price_min"] <= e["price_max"], where
        assert e["price_intent"] in (None, "budget", "premium"), where
        if e["location"] is not None:
            loc = e["location"]
            assert set(loc) == {"borough", "neighborhood"}, where
            assert loc["borough"] in boroughs, where
            if loc["neighborhood"] is not None:
                assert neighborhoods[loc["neighborhood"]] == loc["borough"], where
        assert isinstance(e["near_me"], bool), where
        assert e["format"] in (None, "online", "in_person"), where
        if e["dates"] is not None:
            assert isinstance(e["dates"], list) and e["dates"], where
            for d in e["dates"]:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) and date.fromisoformat(d) >= now.date(), where
            assert e["dates"] == sorted(set(e["dates"])), where
        if e["weekdays"] is not None:
            assert e["weekdays"] and all(isinstance(w, int) and 0 <= w <= 6 for w in e["weekdays"]), where
            assert e["weekdays"] == sorted(set(e["weekdays"])), where
            assert e["dates"] is None, where
        for f in ("start_time", "end_time"):
            assert e[f] is None or HHMM.match(e[f]), where
        if e["start_time"] and e["end_time"]:
            assert e["start_time"] < e["end_time"], where
        assert e["age"] is None or (isinstance(e["age"], int) and 0 < e["age"] < 120), where
        assert e["audience"] in (None, "kids", "teens", "adults"), where
        if e["age"] is not None:
            expected_aud = "kids" if e["age"] < 13 else "teens" if e["age"] < 18 else "adults"
            assert e["audience"] == expected_aud, where
        assert e["level"] in (None, "beginner", "intermediate", "advanced"), where
        assert e["duration_minutes"] is None or (
            isinstance(e["duration_minutes"], int) and e["duration_minutes"] > 0
        ), where
        assert e["min_rating"] is None or 0 < e["min_rating"] <= 5, where
        assert e["lesson_language"] is None or (
            isinstance(e["lesson_language"], str) and e["lesson_language"] == e["lesson_language"].lower()
        ), where
        assert e["urgency"] in (None, "high", "medium"), where
