"""The experiment file is looked at no more than once a second (services/experiments.py): each search answer
asks for the running experiment on the event loop, where a stat() would let go of the GIL. A change to
the file takes effect within that second."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services import experiments


def _name(path: Path) -> str | None:
    running = experiments.active(path)
    return running.name if running else None


def _write(path: Path, name: str) -> None:
    path.write_text(json.dumps({"name": name, "a": "base", "b": "cheapest", "share": 1.0}))


def test_the_file_is_looked_at_once_a_second_and_a_change_is_seen_after(tmp_path, monkeypatch: pytest.MonkeyPatch):
    clock = [5000.0]
    monkeypatch.setattr(experiments.time, "monotonic", lambda: clock[0])
    stats = []
    original = Path.stat

    def counted(self: Path, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if self.name == "experiment.json":
            stats.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", counted)
    path = tmp_path / "experiment.json"
    _write(path, "first")
    assert _name(path) == "first"
    _write(path, "second")
    for _ in range(100):  # a hundred answers within the second
        assert _name(path) == "first"
    assert len(stats) == 1
    clock[0] += experiments.RECHECK_SECONDS
    assert _name(path) == "second"
    path.unlink()
    clock[0] += experiments.RECHECK_SECONDS
    assert _name(path) is None  # stopped
