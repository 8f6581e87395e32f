"""The independent grader (eval.rubric) on small hand-written worlds and responses.

Each test says which rule of data/fixtures/judged/RUBRIC.md it covers.
"""

import json

import pytest

from eval.rubric.cli import main as rubric_main
from eval.rubric.compare import compare, randomization_test
from eval.rubric.grade import Reference, World, grade_all, grade_query, haversine_miles, summarize

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


# --------------------------------------------------------------------------- geography (RUBRIC.md §4)

# 7th Ave & 9th St, Park Slope; centroids from nyc_geography.json: park-slope 0.27 mi, windsor-terrace 0.83,
# carroll-gardens-cobble-hill-gowanus-red-hook 1.24, flatbush 2.28, bay-ridge 3.96, greenpoint 4.55,
# midtown 6.20, astoria 7.94, upper-west-side 8.21; nearest of manhattan chinatown-two-bridges 3.17,
# nearest of queens ridgewood 4.80.
PS = {"lat": 40.6680, "lng": -73.9806}


def geo_q(hard=None, soft=None, ideal=("piano",), **extra):
    return {
        "id": "j1",
        "kind": "geo",
        "geo": "t",
        "split": "geo-dev",
        "query": "q",
        "ideal": list(ideal),
        "related": [],
        "marginal": [],
        "expect_no_match": False,
        "hard": hard or {},
        "soft": soft or {},
        **extra,
    }


def judged(q, w, *iids, slug="piano", **extra):
    r = grade_query(q, resp(*(card(w, i, slug) for i in iids), **extra), w, REF)
    return {c["instructor"]: c for c in r["results"]}, r


def test_haversine_miles():
    assert haversine_miles(40.0, -74.0, 41.0, -74.0) == pytest.approx(69.09, abs=0.01)  # a degree of latitude
    assert haversine_miles(40.7, -74.0, 40.7, -74.0) == 0.0
    a = haversine_miles(PS["lat"], PS["lng"], 40.76, -73.92)
    assert a == pytest.approx(haversine_miles(40.76, -73.92, PS["lat"], PS["lng"]))


def test_place_list_form_any_member_meets():
    # "piano lessons 11215": the ZIP's neighborhoods, any member; a borough listing serves its neighborhoods
    q = geo_q(
        hard={
            "place": {
                "neighborhoods": [
                    "park-slope",
                    "carroll-gardens-cobble-hill-gowanus-red-hook",
                    "windsor-terrace",
                    "sunset-park",
                ]
            }
        }
    )
    w = world(
        instructor("wt", neighborhoods=("windsor-terrace",)),
        instructor("bk", neighborhoods=(), boroughs=("brooklyn",)),
        instructor("far", neighborhoods=("astoria",)),
        instructor("web", in_person=None, online=40.0, neighborhoods=()),
    )
    c, _ = judged(q, w, "wt", "bk", "far", "web")
    assert c["wt"]["hard"] == [] and c["wt"]["gain"] == 3
    assert c["bk"]["hard"] == [] and c["bk"]["gain"] == 3
    assert c["far"]["hard"] == ["place"]
    assert c["web"]["hard"] == [] and c["web"]["soft"] == ["place_online"]  # §2.2 applies unchanged


def test_hard_near_measures_to_centroids_and_own_neighborhood():
    q = geo_q(hard={"near": {**PS, "within_miles": 1.0, "in": "park-slope"}})
    w = world(
        instructor("wt", neighborhoods=("windsor-terrace",)),
        instructor("cg", neighborhoods=("carroll-gardens-cobble-hill-gowanus-red-hook",)),
        instructor("bk", neighborhoods=(), boroughs=("brooklyn",)),
    )
    c, _ = judged(q, w, "wt", "cg", "bk")
    assert c["wt"]["hard"] == [] and c["wt"]["distance"] == pytest.approx(0.83, abs=0.01)
    assert c["cg"]["hard"] == ["near"] and c["cg"]["gain"] == pytest.approx(0.3)
    assert c["bk"]["hard"] == [] and c["bk"]["distance"] == 0.0  # the borough holds the student's neighborhood
    # "within 5 blocks": the park-slope centroid is 0.27 mi away, but the teacher comes to the student's own
    # neighborhood, which counts at 0
    q5 = geo_q(hard={"near": {**PS, "within_miles": 0.25, "in": "park-slope"}})
    w5 = world(instructor("ps", neighborhoods=("park-slope",)), instructor("wt", neighborhoods=("windsor-terrace",)))
    c5, _ = judged(q5, w5, "ps", "wt")
    assert c5["ps"]["hard"] == [] and c5["ps"]["distance"] == 0.0
    assert c5["wt"]["hard"] == ["near"]


def test_hard_near_borough_counts_at_its_nearest_neighborhood():
    w = world(instructor("mn", neighborhoods=(), boroughs=("manhattan",)))
    near3 = geo_q(hard={"near": {**PS, "within_miles": 3.0, "in": "park-slope"}})
    near35 = geo_q(hard={"near": {**PS, "within_miles": 3.5, "in": "park-slope"}})
    c3, _ = judged(near3, w, "mn")
    c35, _ = judged(near35, w, "mn")
    assert c3["mn"]["distance"] == pytest.approx(3.17, abs=0.01)  # chinatown-two-bridges
    assert c3["mn"]["hard"] == ["near"] and c35["mn"]["hard"] == []


def test_hard_near_is_never_met_online():
    q = geo_q(hard={"near": {**PS, "within_miles": 2.0, "in": "park-slope"}})
    w = world(
        instructor("web", in_person=None, online=30.0, neighborhoods=()),
        instructor("both", in_person=60.0, online=30.0, neighborhoods=("astoria",)),
        instructor("swim", "swimming", in_person=None, online=30.0, neighborhoods=()),
    )
    c, _ = judged(q, w, "web", "both")
    assert c["web"]["hard"] == ["near"] and "place_online" not in c["web"]["soft"] and c["web"]["distance"] is None
    assert c["both"]["format"] == "in_person" and c["both"]["hard"] == ["near"]  # judged in person, not online
    cs, _ = judged(dict(q, ideal=["swimming"]), w, "swim", slug="swimming")
    assert cs["swim"]["hard"] == ["format"]  # hands-on without in person: format alone, no second violation


@pytest.mark.parametrize(
    "areas,n_soft",
    [
        ({"neighborhoods": ("park-slope",)}, 0),
        ({"neighborhoods": ("flatbush",)}, 1),  # 2.28 mi
        ({"neighborhoods": ("bay-ridge",)}, 1),  # 3.96
        ({"neighborhoods": ("greenpoint",)}, 2),  # 4.55
        ({"neighborhoods": (), "boroughs": ("queens",)}, 2),  # ridgewood 4.80
        ({"neighborhoods": ("midtown",)}, 3),  # 6.20
        ({"neighborhoods": ("astoria",)}, 3),  # 7.94
        ({"neighborhoods": ("upper-west-side",)}, 4),  # 8.21
        ({"neighborhoods": (), "in_person": None, "online": 30.0}, 4),  # online only
    ],
)
def test_soft_near_ladder(areas, n_soft):
    q = geo_q(soft={"near": {**PS, "within_miles": 2.0, "in": "park-slope"}}, **PS)
    w = world(instructor("x", **areas))
    c, _ = judged(q, w, "x")
    assert c["x"]["hard"] == [] and c["x"]["soft"] == ["near"] * n_soft
    assert c["x"]["gain"] == pytest.approx(3 * 0.9**n_soft, abs=1e-6)


def test_soft_near_uses_the_query_position_and_beyond_eight_miles_is_not_relevant():
    q = geo_q(soft={"near": {"within_miles": 2.0, "in": "park-slope"}}, **PS)  # the point from the line
    w = world(instructor("ps", neighborhoods=("park-slope",)), instructor("uws", neighborhoods=("upper-west-side",)))
    c, r = judged(q, w, "uws", "ps")
    assert c["ps"]["soft"] == [] and c["uws"]["soft"] == ["near"] * 4
    assert c["uws"]["gain"] < 2 and r["R"] == 1  # only the near teacher is relevant in the world


def test_ideal_dcg_ranks_the_world_by_distance():
    q = geo_q(hard={"near": {**PS, "within_miles": 1.0, "in": "park-slope"}})
    w = world(
        instructor("near", neighborhoods=("windsor-terrace",)),
        instructor("far", neighborhoods=("astoria",)),
        instructor("far2", neighborhoods=("midtown",)),
    )
    _, r = judged(q, w, "far")
    assert r["R"] == 1 and r["ideal_top"][0]["instructor"] == "near" and r["ideal_top"][0]["gain"] == 3
    assert r["p@5"] == 0.0 and r["ndcg@10"] < 0.2
    _, best = judged(q, w, "near", "far", "far2")
    assert best["ndcg@10"] == pytest.approx(1.0) and best["p@5"] == pytest.approx(1.0)


def test_near_me_without_position_must_ask_for_it():
    q = geo_q(expect_needs_location=True)
    w = world(*GOOD)
    asked = grade_query(q, resp(*(card(w, f"i{k}") for k in range(3)), needs_location=True), w, REF)
    silent = grade_query(q, resp(*(card(w, f"i{k}") for k in range(3))), w, REF)
    assert asked["ndcg@10"] == pytest.approx(1.0) and asked["top1"] == 1.0 and asked["needs_location_ok"]
    assert silent["ndcg@10"] == 0.0 and silent["p@5"] == 0.0 and silent["top1"] == 0.0
    assert not silent["needs_location_ok"]
    s = summarize([asked, silent])
    assert s["overall"]["needs_location_ok"] == 0.5 and s["overall"]["n_needs_location"] == 2
    assert s["geo/t"]["n"] == 2  # reported per subtype as well
    # a position was sent, yet the response asks for one: counted, no effect on scores
    wrong = grade_query(
        geo_q(soft={"near": {**PS, "in": "park-slope"}}, **PS), resp(card(w, "i0"), needs_location=True), w, REF
    )
    assert wrong["needs_location_wrong"] and summarize([wrong])["overall"]["needs_location_wrong"] == 1


def test_geo_diagnostics_distance_mismatch_outside_nyc_and_disclosure():
    q = geo_q(hard={"near": {**PS, "within_miles": 1.0, "in": "park-slope"}})
    w = world(instructor("wt", neighborhoods=("windsor-terrace",)), instructor("far", neighborhoods=("astoria",)))
    ok, bad, far = card(w, "wt"), card(w, "wt"), card(w, "far")
    ok["distance_miles"], bad["distance_miles"], far["distance_miles"] = 0.9, 3.0, 7.9
    r1 = grade_query(q, resp(ok), w, REF)["results"][0]
    r2 = grade_query(q, resp(bad), w, REF)["results"][0]
    assert "card_mismatch:distance" not in r1["flags"] and "card_mismatch:distance" in r2["flags"]
    assert r1["gain"] == r2["gain"] == 3  # diagnostics only
    told = grade_query(q, resp(far, relaxed=["place"]), w, REF)
    assert told["results"][0]["hard"] == ["near"] and told["hv5_disclosed"] == 1
    silent = grade_query(q, resp(far), w, REF)
    assert silent["hv5_disclosed"] == 0
    out = geo_q(soft={"format": "online"}, outside_nyc=True)
    c = grade_query(out, resp(ok), w, REF)["results"][0]
    assert "distance_outside_nyc" in c["flags"] and c["soft"] == ["format"]  # in person only: soft online missed


def test_main_set_rows_carry_no_geo_fields():
    # §4 leaves §1-§3 untouched: a query without geography keys gets exactly the old row and summary keys
    w = world(*GOOD)
    r = grade_query(PIANO, resp(card(w, "i0"), needs_location=True), w, REF)
    assert not {"geo", "needs_location", "needs_location_ok", "needs_location_wrong"} & set(r)
    assert "distance" not in r["results"][0] and "card_distance" not in r["results"][0]
    s = summarize([r])
    assert set(s) == {"multi", "overall"} and "needs_location_ok" not in s["overall"]


def test_cli_accepts_geo_and_dev2_splits(tmp_path, capsys):
    w = world(*GOOD)
    wp = tmp_path / "world.json"
    wp.write_text(json.dumps({"now": NOW, "instructors": w.instructors}))
    qp = tmp_path / "geo.jsonl"
    lines = [
        dict(geo_q(), id="g1", split="geo-dev"),
        dict(geo_q(), id="g2", split="geo-test"),
        dict(PIANO, id="d1", split="dev2"),
    ]
    qp.write_text("".join(json.dumps(x) + "\n" for x in lines))
    rp = tmp_path / "resp.jsonl"
    rp.write_text(json.dumps(dict(resp(card(w, "i0")), id="g1")) + "\n")
    for split, n in (("geo-dev", 1), ("geo-test", 1), ("dev2", 1), ("all", 3)):
        out = tmp_path / split
        assert (
            rubric_main(
                [
                    "grade",
                    "--responses",
                    str(rp),
                    "--world",
                    str(wp),
                    "--queries",
                    str(qp),
                    "--split",
                    split,
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        rows = [json.loads(x) for x in (out / "details.jsonl").read_text().splitlines()]
        assert len(rows) == n and all(split == "all" or x["split"] == split for x in rows)
    summary = json.loads((tmp_path / "geo-dev" / "summary.json").read_text())["summary"]
    assert set(summary) == {"geo", "geo/t", "overall"}
    capsys.readouterr()
    assert (
        rubric_main(
            [
                "compare",
                str(rp),
                str(rp),
                "--world",
                str(wp),
                "--queries",
                str(qp),
                "--split",
                "geo-dev",
                "--permutations",
                "10",
            ]
        )
        == 0
    )
