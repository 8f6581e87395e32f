"""A cached answer is decoded once and shared by the searches that read it (#18): each search must
still get an answer of its own, carrying its own words, that a later change cannot reach."""

from __future__ import annotations

import json

from index.search import from_cache, prepare

STORED = json.dumps(
    {
        "query": "piano lessons",
        "parsed": {"query": "piano lessons", "service": "piano", "text": ""},
        "results": [{"instructor_service_id": "a", "lesson": {"price": 60.0}}],
        "total": 1,
    }
).encode()


def test_each_reader_of_a_cached_answer_gets_its_own_words():
    first = from_cache(prepare("piano lessons"), STORED)
    second = from_cache(prepare("PIANO   lessons!"), STORED)  # another way to type it: the same entry
    assert first["query"] == first["parsed"]["query"] == "piano lessons"
    assert second["query"] == second["parsed"]["query"] == "PIANO   lessons!"
    assert first["cached"] is second["cached"] is True
    assert first["results"] == second["results"] == [{"instructor_service_id": "a", "lesson": {"price": 60.0}}]


def test_changing_one_answer_leaves_the_next_reader_unchanged():
    first = from_cache(prepare("piano lessons"), STORED)
    first["parsed"]["service"] = "guitar"  # as a sorted page or an experiment rewrites its own copy
    first.update(total=0, results=[])
    again = from_cache(prepare("piano lessons"), bytes(STORED))  # equal bytes, another object
    assert again["parsed"]["service"] == "piano"
    assert again["total"] == 1 and len(again["results"]) == 1
    assert list(again) == ["query", "parsed", "results", "total", "cached", "took_ms"]  # the stored order
