"""The slot memo's bounds: one version at a time, a lifetime, a number of windows and of summaries."""

from __future__ import annotations

import pytest

from index.slot_memo import SlotMemo

SUMMARY = (1, ())


def test_a_new_version_forgets_what_the_old_one_knew():
    memo = SlotMemo()
    memo.window("ns/r1", "w")[("a", 60)] = SUMMARY
    assert memo.window("ns/r1", "w") == {("a", 60): SUMMARY}
    assert memo.window("ns/r2", "w") == {}
    assert memo.window("ns/r1", "w") == {}  # an older version again: nothing from r2 either


def test_a_window_is_forgotten_after_max_age(monkeypatch: pytest.MonkeyPatch):
    clock = [1000.0]
    monkeypatch.setattr("index.slot_memo.time.monotonic", lambda: clock[0])
    memo = SlotMemo()
    memo.window("r1", "w")[("a", 60)] = None
    clock[0] += SlotMemo.MAX_AGE - 1
    assert memo.window("r1", "w") == {("a", 60): None}
    clock[0] += 2
    assert memo.window("r1", "w") == {}


def test_windows_and_summaries_are_bounded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(SlotMemo, "MAX_WINDOWS", 3)
    monkeypatch.setattr(SlotMemo, "MAX_ENTRIES", 10)
    memo = SlotMemo()
    for w in range(4):
        memo.window("r1", w)[("a", 60)] = SUMMARY
        memo.added(1)
    assert memo.window("r1", 0) == {}  # the least recently used of four windows went
    known = memo.window("r1", 3)
    assert known == {("a", 60): SUMMARY}
    for i in range(10):
        known[(str(i), 60)] = None
    memo.added(10)  # past MAX_ENTRIES: everything goes
    assert memo.window("r1", 3) == {}
