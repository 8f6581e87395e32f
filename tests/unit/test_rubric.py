"""The independent grader (eval.rubric) on small hand-written worlds and responses.

Each test says which rule of data/fixtures/judged/RUBRIC.md it covers.
"""

import json

import pytest

from eval.rubric.cli import main as rubric_main
from eval.rubric.compare import compare, randomization_test
from eval.rubric.grade import Reference, World, grade_all, grade_query, summarize

NOW = "2026-11-30T08:00:00-05:00"
REF = Reference()


def slot(day, hh, mm=0, minutes=60):
    start = f"2026-{day}T{hh:02d}:{mm:02d}:00-05:00"
    eh, em = divmod(hh * 60 + mm + minutes, 60)
    return {"start": start, "end": f"2026-{day}T{eh:02d}:{em:02d}:00-05:00"}


def availability(*windows):
    """windows: (day 'MM-DD', start hour, end hour); starts every 30 minutes for 30-minute lessons."""
    days = {}
    for day, h0, h1 in windows:
        starts = []
        t = h0 * 60
        while t + 30 <= h1 * 60:
            starts.append(f"2026-{day}T{t // 60:02d}:{t % 60:02d}:00-05:00")
            t += 30
        days.setdefault(day, []).append(
            {"start": f"2026-{day}T{h0:02d}:00:00-05:00", "end": f"2026-{day}T{h1:02d}:00:00-05:00", "starts": starts}
        )
    return {"duration_minutes": 30, "days": [{"date": f"2026-{d}", "windows": w} for d, w in sorted(days.items())]}


def instructor(
    iid,
    slug="piano",
    *,
    in_person=50.0,
    online=None,
    boroughs=(),
    neighborhoods=("park-slope",),
    languages=("english",),
    rating=4.9,
    age_groups=("kids", "teens", "adults"),
    levels=("beginner",),
    durations=(30, 60),
    windows=(("12-05", 9, 12),),
):
    profile = {
        "id": iid,
        "name": f"Teacher {iid}",
        "bio": "",
        "years_experience": 5,
        "languages": list(languages),
        "rating": rating,
        "reviews": 10,
        "areas": {"boroughs": list(boroughs), "neighborhoods": list(neighborhoods)},
        "services": [
            {
                "instructor_service_id": f"s-{iid}",
                "slug": slug,
                "name": slug.title(),
                "category": "x",
                "price": {"in_person": in_person, "online": online},
                "duration_options": list(durations),
                "description": "",
                "age_groups": list(age_groups),
                "levels": list(levels),
            }
        ],
    }
    return iid, {"profile": profile, "availability": availability(*windows)}


def world(*insts):
    return World({"now": NOW, "instructors": dict(insts)})


def card(w, iid, slug="piano", slots=None):
    p = w.profile(iid)
    svc = next(s for s in p["services"] if s["slug"] == slug)
    fmts = [f for f in ("in_person", "online") if svc["price"][f] is not None]
    return {
        "instructor": {
            "id": iid,
            "name": p["name"],
            "rating": p["rating"],
            "reviews": 10,
            "languages": p["languages"],
            "areas": p["areas"],
        },
        "service": {"slug": slug, "name": slug, "category": "x"},
        "price": dict(svc["price"]),
        "formats": fmts,
        "duration_minutes": 60,
        "slots": slots if slots is not None else [slot("12-05", 9)],
        "why": [],
    }


def resp(*cards, **extra):
    body = {"query": "q", "results": list(cards), "relaxed": [], "message": None, "total": len(cards)}
    body.update(extra)
    return {"id": "j1", "query": "q", "response": body}


# "piano for my 8 year old in park slope under $60 this saturday morning"
PIANO = {
    "id": "j1",
    "kind": "multi",
    "split": "dev",
    "query": "q",
    "ideal": ["piano"],
    "related": ["keyboard"],
    "marginal": [],
    "expect_no_match": False,
    "soft": {},
    "hard": {
        "place": {"borough": "brooklyn", "neighborhood": "park-slope"},
        "price_max": 60,
        "dates": ["2026-12-05"],
        "time": ["06:00", "12:00"],
        "audience": "kids",
    },
}

GOOD = [instructor(f"i{k}", rating=4.9 - k / 100) for k in range(3)]


def test_perfect_answer_scores_one():
    w = world(*GOOD)
    r = grade_query(PIANO, resp(*(card(w, f"i{k}") for k in range(3))), w, REF)
    assert r["ndcg@10"] == pytest.approx(1.0)
    assert r["p@5"] == pytest.approx(1.0)  # R = 3, so 3 relevant of min(5, 3)
    assert r["top1"] == 1.0
    assert all(c["gain"] == 3 and not c["hard"] and not c["soft"] for c in r["results"])


def test_hard_place_violation_is_nearly_worthless():
    w = world(*GOOD, instructor("far", neighborhoods=("astoria",)))
    r = grade_query(PIANO, resp(card(w, "far")), w, REF)
    c = r["results"][0]
    assert c["hard"] == ["place"]
    assert c["gain"] == pytest.approx(0.3)  # 3 x 0.1
    assert r["p@5"] == 0.0


def test_borough_listing_serves_its_neighborhoods():
    w = world(*GOOD, instructor("bk", neighborhoods=(), boroughs=("brooklyn",)))
    c = grade_query(PIANO, resp(card(w, "bk")), w, REF)["results"][0]
    assert c["hard"] == [] and c["gain"] == 3


def test_hard_price_violation_and_two_violations_compound():
    w = world(
        *GOOD, instructor("dear", in_person=75.0), instructor("dear_far", in_person=75.0, neighborhoods=("astoria",))
    )
    r = grade_query(PIANO, resp(card(w, "dear"), card(w, "dear_far")), w, REF)
    assert r["results"][0]["hard"] == ["price"] and r["results"][0]["gain"] == pytest.approx(0.3)
    assert sorted(r["results"][1]["hard"]) == ["place", "price"]
    assert r["results"][1]["gain"] == pytest.approx(0.03)


def test_time_and_date_violations_from_card_slots():
    w = world(*GOOD, instructor("late", windows=(("12-05", 9, 20), ("12-06", 9, 12))))
    afternoon = card(w, "late", slots=[slot("12-05", 15)])
    sunday = card(w, "late", slots=[slot("12-06", 9)])
    r1 = grade_query(PIANO, resp(afternoon), w, REF)["results"][0]
    r2 = grade_query(PIANO, resp(sunday), w, REF)["results"][0]
    assert r1["hard"] == ["time"] and r1["gain"] == pytest.approx(0.3)
    assert r2["hard"] == ["date"] and r2["gain"] == pytest.approx(0.3)


def test_slot_outside_availability_does_not_count():
    w = world(*GOOD)
    fake = card(w, "i0", slots=[slot("12-05", 7)])  # Saturday morning, but the teacher is free only 9-12
    c = grade_query(PIANO, resp(fake), w, REF)["results"][0]
    assert "time" in c["hard"] or "date" in c["hard"]
    assert any(f.startswith("unreal_slots") for f in c["flags"])


def test_returning_nothing_or_little_is_not_rewarded():
    w = world(*GOOD)
    empty = grade_query(PIANO, resp(), w, REF)
    assert empty["ndcg@10"] == 0.0 and empty["p@5"] == 0.0 and empty["zero"]
    one = grade_query(PIANO, resp(card(w, "i0")), w, REF)
    assert one["ndcg@10"] < 0.6  # the ideal comes from the world: three perfect teachers exist
    assert one["p@5"] == pytest.approx(1 / 3)


def test_ideal_dcg_credits_the_best_relaxed_answer():
    # nobody in the world meets the price: the best achievable cards carry one hard violation
    w = world(instructor("a", in_person=80.0), instructor("b", in_person=90.0, neighborhoods=("astoria",)))
    r = grade_query(PIANO, resp(card(w, "a")), w, REF)
    assert r["R"] == 0 and r["p@5"] is None
    assert r["ndcg@10"] > 0.9  # 'a' (one violation) is the best there is; 'b' (two) adds almost nothing


def test_online_only_meets_place_softly_but_not_for_hands_on():
    q = dict(PIANO, hard={"place": {"borough": "brooklyn", "neighborhood": "park-slope"}})
    w = world(
        instructor("web", in_person=None, online=40.0, neighborhoods=()),
        instructor("swim", "swimming", in_person=None, online=40.0, neighborhoods=()),
    )
    c = grade_query(q, resp(card(w, "web")), w, REF)["results"][0]
    assert c["hard"] == [] and c["soft"] == ["place_online"] and c["gain"] == pytest.approx(2.7)
    qs = dict(q, ideal=["swimming"], related=[])
    c2 = grade_query(qs, resp(card(w, "swim", "swimming")), w, REF)["results"][0]
    assert c2["hard"] == ["format"] and c2["gain"] == pytest.approx(0.3)


def test_audience_and_service_fit():
    w = world(
        *GOOD,
        instructor("adults_only", age_groups=("adults",)),
        instructor("kb", "keyboard"),
        instructor("gt", "guitar"),
    )
    r = grade_query(PIANO, resp(card(w, "adults_only"), card(w, "kb", "keyboard"), card(w, "gt", "guitar")), w, REF)
    assert r["results"][0]["hard"] == ["audience"]
    assert r["results"][1]["gain"] == 2  # related, no violation: still relevant
    assert r["results"][2]["gain"] == 0  # not listed: worthless
    assert r["top1"] == 1.0  # the service is ideal even though the card breaks a condition


def test_duplicate_instructor_gets_nothing():
    w = world(*GOOD)
    r = grade_query(PIANO, resp(card(w, "i0"), card(w, "i0")), w, REF)
    assert r["results"][1]["gain"] == 0 and "duplicate" in r["results"][1]["flags"]


NOMATCH = {
    "id": "j1",
    "kind": "typo",
    "split": "dev",
    "query": "asdfgh",
    "ideal": [],
    "related": [],
    "marginal": [],
    "hard": {},
    "soft": {},
    "expect_no_match": True,
}


@pytest.mark.parametrize(
    "body,ok",
    [
        ({"no_match": True}, True),
        ({"suggestions": [{"slug": "piano", "name": "Piano"}]}, True),
        ({}, False),  # empty but silent
        ({"no_match": False}, False),
    ],
)
def test_expect_no_match_empty(body, ok):
    w = world(*GOOD)
    r = grade_query(NOMATCH, resp(**body), w, REF)
    assert r["correct_no_match"] is ok
    assert r["ndcg@10"] == r["p@5"] == r["top1"] == (1.0 if ok else 0.0)


def test_expect_no_match_with_results_is_wrong():
    w = world(*GOOD)
    r = grade_query(NOMATCH, resp(card(w, "i0"), no_match=True), w, REF)
    assert r["ndcg@10"] == 0.0 and not r["correct_no_match"]
    s = summarize([r])["overall"]
    assert s["nomatch"] == 0.0 and s["zero"] is None  # no-match queries stay out of the zero-result rate


def _files(tmp_path, w, rec):
    wp = tmp_path / "world.json"
    wp.write_text(json.dumps({"now": NOW, "instructors": w.instructors}))
    qp = tmp_path / "queries.jsonl"
    qp.write_text(json.dumps(PIANO) + "\n")
    rp = tmp_path / "resp.jsonl"
    rp.write_text(json.dumps(rec) + "\n")
    return wp, qp, rp


def test_fail_below_guard_exits_one(tmp_path, capsys):
    w = world(*GOOD)
    wp, qp, rp = _files(tmp_path, w, resp(card(w, "i0")))  # nDCG well under 0.8
    base = ["grade", "--responses", str(rp), "--world", str(wp), "--queries", str(qp), "--out", str(tmp_path / "o")]
    assert rubric_main(base + ["--fail-below", "ndcg@10=0.8"]) == 1
    assert "GUARDS FAILED" in capsys.readouterr().out
    assert rubric_main(base + ["--fail-below", "ndcg@10=0.1"]) == 0
    assert (tmp_path / "o" / "report.md").exists()
    rows = [json.loads(x) for x in (tmp_path / "o" / "details.jsonl").read_text().splitlines()]
    assert rows[0]["id"] == "j1" and rows[0]["results"][0]["gain"] == 3


def test_fail_above_guard_on_violations(tmp_path):
    w = world(*GOOD, instructor("far", neighborhoods=("astoria",)))
    wp, qp, rp = _files(tmp_path, w, resp(card(w, "far")))
    base = ["grade", "--responses", str(rp), "--world", str(wp), "--queries", str(qp), "--out", str(tmp_path / "o")]
    assert rubric_main(base + ["--fail-above", "hv@5=0.5"]) == 1
    assert rubric_main(base + ["--fail-above", "hv@5=1.0"]) == 0


def test_missing_response_line_counts_as_empty():
    w = world(*GOOD)
    rows = grade_all([PIANO], {}, w, REF)
    assert rows[0]["missing_response"] and rows[0]["ndcg@10"] == 0.0


def test_randomization_test_and_compare():
    assert randomization_test([0.0] * 20) == 1.0
    assert randomization_test([0.3] * 30, permutations=2000) < 0.01
    assert randomization_test([0.3, -0.3] * 15, permutations=2000) > 0.5
    a = [{"id": f"q{i}", "kind": "named", "ndcg@10": 0.2, "p@5": 0.2} for i in range(20)]
    b = [{"id": f"q{i}", "kind": "named", "ndcg@10": 0.6, "p@5": None} for i in range(20)]
    res = compare(a, b, permutations=1000)
    assert res["overall"]["ndcg@10"]["delta"] == pytest.approx(0.4)
    assert res["overall"]["ndcg@10"]["wins"] == 20 and res["overall"]["ndcg@10"]["p"] < 0.01
    assert res["overall"]["p@5"]["delta"] is None  # no pairs where both are defined
