"""Search insights from impressions and events: the metrics on a hand-made week of searches, and the
worst queries `python -m eval mine` exports (zero results, no click, quick reformulation)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services import analytics_insights

T0 = datetime(2020, 6, 1, 15, 0, tzinfo=UTC)


def _impression(db, at, query, *, total, kinds, relaxed=(), submitted=True, offset=0, who="guest-a") -> uuid.UUID:
    sid = uuid.uuid4()
    db.execute(
        text(
            "INSERT INTO search_impressions (id, created_at, guest_id, surface, query, normalized_query, parsed, "
            "relaxed, kinds, total, \"offset\", submitted, ranker) VALUES (:i, :at, :g, 'search', :q, lower(:q), "
            "CAST(:p AS jsonb), :r, :k, :t, :o, :s, 'test')"
        ),
        {
            "i": sid,
            "at": at,
            "g": who,
            "q": query,
            "p": json.dumps({"query": query}),
            "r": list(relaxed),
            "k": list(kinds),
            "t": total,
            "o": offset,
            "s": submitted,
        },
    )
    return sid


def _event(db, sid, at, kind, position=None) -> None:
    db.execute(
        text("INSERT INTO search_events (id, search_id, created_at, kind, position) VALUES (:i, :s, :at, :k, :p)"),
        {"i": uuid.uuid4(), "s": sid, "at": at, "k": kind, "p": position},
    )


@pytest.fixture
def week(db):
    s1 = _impression(db, T0, "Piano in Park Slope", total=5, kinds=["named_service", "with_place"], relaxed=["place"])
    _event(db, s1, T0 + timedelta(seconds=5), "result_click", 3)
    _event(db, s1, T0 + timedelta(seconds=9), "slot_click", 1)
    _event(db, s1, T0 + timedelta(seconds=60), "booking")
    _impression(db, T0 + timedelta(days=1), "glassblowing", total=0, kinds=["vague"], who="guest-b")
    _impression(db, T0 + timedelta(days=1, hours=1), "piano", total=4, kinds=["named_service"], who="guest-c")
    _impression(db, T0 + timedelta(days=2), "pia", total=9, kinds=["named_service"], submitted=False)  # typing
    s5 = _impression(
        db,
        T0 + timedelta(days=2, minutes=1),
        "help me sleep tonight",
        total=7,
        kinds=["vague", "with_time"],
        submitted=False,
    )  # typed ahead, and clicked: a search
    _event(db, s5, T0 + timedelta(days=2, minutes=2), "profile_view", 2)
    deep = _impression(db, T0 + timedelta(days=2), "piano", total=4, kinds=["named_service"], offset=20)
    _event(db, deep, T0 + timedelta(days=2, seconds=3), "result_click", 21)
    return T0 - timedelta(hours=1), T0 + timedelta(days=7)


def test_the_metrics_of_a_small_week(db, week):
    since, until = week
    got = analytics_insights.insights(db, since=since, until=until)
    assert got["overall"] == {
        "searches": 4,  # the typing nobody looked at and the second page are not searches
        "zero_result_rate": 0.25,
        "relaxation_rate": 0.25,
        "ctr_at_1": 0.25,
        "ctr_at_3": 0.5,
        "ctr_at_10": 0.5,
        "mrr_first_click": round((1 / 3 + 1 / 2) / 4, 4),  # the first click, not the best one
        "booking_conversion": 0.25,
    }
    kinds = got["by_kind"]
    assert {k: v["searches"] for k, v in kinds.items()} == {
        "named_service": 2,
        "vague": 2,
        "with_place": 1,
        "with_time": 1,
    }
    assert kinds["named_service"]["ctr_at_1"] == 0.5 and kinds["vague"]["zero_result_rate"] == 0.5
    assert [(d["day"], d["searches"]) for d in got["per_day"]] == [
        ("2020-06-01", 1),
        ("2020-06-02", 2),
        ("2020-06-03", 1),
    ]
    assert got["top_zero_result"] == [{"query": "glassblowing", "searches": 1}]
    assert got["top_abandoned"] == [{"query": "piano", "searches": 1}]


def test_an_empty_period_has_no_rates(db):
    got = analytics_insights.insights(db, since=T0 - timedelta(days=900), until=T0 - timedelta(days=800))
    assert got["overall"]["searches"] == 0 and got["overall"]["ctr_at_1"] is None and got["per_day"] == []


def test_the_worst_queries_are_mined_worst_first(db, week):
    since, until = week
    # guest-b reformulates "glassblowing" within seconds; guest-d reformulates after an hour (not counted).
    _impression(db, T0 + timedelta(days=1, seconds=8), "glass blowing class", total=0, kinds=["vague"], who="guest-b")
    late = T0 + timedelta(days=3)
    _impression(db, late, "drums", total=3, kinds=["named_service"], who="guest-d")
    _impression(db, late + timedelta(hours=1), "drum kit lessons", total=3, kinds=["named_service"], who="guest-d")
    worst = analytics_insights.worst_queries(db, since=since, until=until)
    by_query = {w["normalized_query"]: w for w in worst}
    assert worst[0]["normalized_query"] == "glassblowing"
    assert (by_query["glassblowing"]["zero_results"], by_query["glassblowing"]["reformulated"]) == (1, 1)
    assert by_query["glassblowing"]["reformulated_as"] == "glass blowing class"
    assert by_query["drums"]["no_click"] == 1 and by_query["drums"]["reformulated"] == 0
    assert "piano in park slope" not in by_query  # clicked and booked
