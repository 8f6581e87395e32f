"""`python -m eval online` and `python -m eval mine` without a database: the report and its plots from
an insights answer, the period argument, and a judging queue that keeps judges blind to the system."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from eval import mine, online

METRICS = {
    "searches": 4,
    "zero_result_rate": 0.25,
    "relaxation_rate": 0.25,
    "ctr_at_1": 0.25,
    "ctr_at_3": 0.5,
    "ctr_at_10": 0.5,
    "mrr_first_click": 0.2083,
    "booking_conversion": 0.25,
}
EMPTY = dict.fromkeys(METRICS, None) | {"searches": 0}
INSIGHTS = {
    "since": "2026-11-26T22:00:00+00:00",
    "until": "2026-12-03T22:00:00+00:00",
    "overall": METRICS,
    "by_kind": {"named_service": METRICS, "vague": EMPTY, "with_place": METRICS, "with_time": EMPTY},
    "per_day": [
        {"day": "2026-12-01", "searches": 3, "zero_result_rate": 0.333, "ctr_at_3": 0.5},
        {"day": "2026-12-02", "searches": 1, "zero_result_rate": 0.0, "ctr_at_3": None},
    ],
    "top_zero_result": [{"query": "glassblowing", "searches": 1}],
    "top_abandoned": [],
}


def test_the_report_has_every_metric_and_two_plots(tmp_path):
    report = online.write_report(tmp_path / "r", INSIGHTS)
    text = report.read_text()
    assert "| all | 4 | 0.250 | 0.250 | 0.250 | 0.500 | 0.500 | 0.208 | 0.250 |" in text
    assert "| vague | 0 | – |" in text and "| glassblowing | 1 |" in text and "| (none) | |" in text
    for name in ("per_day.png", "by_kind.png"):
        assert (tmp_path / "r" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"({name})" in text


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("7d", timedelta(days=7)),
        ("24h", timedelta(hours=24)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
    ],
)
def test_periods(text, span):
    assert online.period(text) == span


@pytest.mark.parametrize("text", ["7", "0d", "-1d", "7 days", "d"])
def test_bad_periods_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        online.period(text)


def test_the_queue_skips_judged_queries_and_shows_no_system_output():
    worst = [
        {
            "query": q,
            "normalized_query": q,
            "searches": 3,
            "zero_results": 3,
            "no_click": 0,
            "reformulated": 1,
            "reformulated_as": "glass blowing",
            "parsed": {"service": None},
        }
        for q in ("glassblowing lessons nyc", "guitar lessons in astoria")
    ]
    rows = mine.queue(worst, already=mine.judged_queries())
    assert [r["query"] for r in rows] == ["glassblowing lessons nyc"]  # the other one is judged already
    assert rows[0]["online"]["reformulated_as"] == "glass blowing" and "parsed" not in str(rows[0])
    assert rows[0]["ideal"] == [] and rows[0]["expect_no_match"] is None
