"""python -m nls parse: argument mode and stdin mode."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "nls", "parse", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_cli_single_query():
    p = run(["--now", "2026-11-26T10:00", "piano this saturday"])
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 1
    r = json.loads(lines[0])
    assert r["service"] == "piano" and r["dates"] == ["2026-11-28"]


def test_cli_stdin_one_json_per_line_in_order():
    queries = ["piano this saturday", "", "guitar in spanish", "🎸 <b>asap</b>", "next week"]
    p = run(["--now", "2026-11-26T10:00", "--tz", "America/New_York"], stdin="\n".join(queries) + "\n")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == len(queries)
    objs = [json.loads(x) for x in lines]
    assert [o["query"] for o in objs] == queries
    assert objs[0]["dates"] == ["2026-11-28"]
    assert objs[2]["lesson_language"] == "spanish"
    assert objs[3]["urgency"] == "high"
    assert len(objs[4]["dates"]) == 7
