"""A killed process must not keep the embedded Postgres alive forever."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from core.embedded_pg import _forget_dead_handles


def test_dead_processes_are_forgotten(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(dead.stdout)
    (tmp_path / ".handle_pids.json").write_text(json.dumps([dead_pid, os.getpid()]))
    _forget_dead_handles(tmp_path)
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [os.getpid()]


def test_missing_or_broken_file_is_left_alone(tmp_path):
    _forget_dead_handles(tmp_path)  # no file: nothing to do
    (tmp_path / ".handle_pids.json").write_text("not json")
    _forget_dead_handles(tmp_path)
    assert (tmp_path / ".handle_pids.json").read_text() == "not json"
