"""CI guard on the independent judged set (data/fixtures/judged): the dev split is searched on the
1,000-instructor eval database at its fixed reference time, and the independent grader
(`python -m eval.rubric`, which imports nothing of index/ or nls/) must score it above the floors
below. Floors sit a little under the dev figures measured when they were set (README, "Relevance").
The test split is never used here: nobody tunes against it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.settings import PROJECT_ROOT

EVAL_DB = "instainstru_eval"
# dev 0.945, 0.974, 0.938, 1.000 on 2026-12-04 (third round: untaught subjects, related services)
FLOORS = ["ndcg@10=0.93", "p@5=0.95", "top1=0.92", "nomatch=0.95"]
CEILINGS = ["zero=0.05"]


@pytest.fixture(scope="module")
def snapshot(pg_server, tmp_path_factory):
    from core import embedded_pg
    from eval.dataset import INSTRUCTORS, eval_engine
    from eval.snapshot import QUERIES, write_responses, write_world

    embedded_pg.ensure_database(pg_server, EVAL_DB)
    engine = eval_engine(INSTRUCTORS, url=embedded_pg.url_for(pg_server, EVAL_DB))  # built once, then reused
    out = tmp_path_factory.mktemp("judged")
    write_world(engine, out / "world.json")
    dev = [q for q in map(json.loads, QUERIES.read_text().splitlines()) if q["split"] == "dev"]
    write_responses(engine, dev, out / "responses" / "ci.jsonl")
    return out


def _grade(snapshot, *guards):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "eval.rubric",
            "grade",
            "--responses",
            str(snapshot / "responses" / "ci.jsonl"),
            "--world",
            str(snapshot / "world.json"),
            "--split",
            "dev",
            "--out",
            str(snapshot / "report"),
            *guards,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_dev_split_meets_its_floors(snapshot):
    guards = [a for g in FLOORS for a in ("--fail-below", g)] + [a for g in CEILINGS for a in ("--fail-above", g)]
    done = _grade(snapshot, *guards)
    print(done.stdout[-3000:])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_the_guard_can_fail(snapshot):
    """The same run against an impossible floor must fail: the guard is not decorative."""
    done = _grade(snapshot, "--fail-below", "ndcg@10=0.999")
    assert done.returncode == 1 and "GUARDS FAILED" in done.stdout
