"""`python -m cli retention` purges old soft-deleted history and stale guest sessions, and keeps the rest."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from sqlalchemy import text

from core.settings import PROJECT_ROOT
from services import history


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url}
    env.pop("INSTAINSTRU_RESOLVED_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "cli", "retention", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_retention_command(engine, db_url):
    rows = {  # name -> (deleted days ago, last searched days ago)
        "old_deleted": (91, 95),
        "recent_deleted": (10, 15),
        "stale_guest": (None, 121),
        "live_guest": (None, 5),
    }
    ids = {name: uuid.uuid4() for name in rows}
    with engine.begin() as conn:
        for name, (deleted, last) in rows.items():
            conn.execute(
                text(
                    "INSERT INTO search_history (id, guest_session_id, query, normalized_query, search_type, "
                    "first_searched_at, last_searched_at, deleted_at) VALUES (:id, :g, :q, :q, 'natural_language', "
                    "now() - make_interval(days => :last), now() - make_interval(days => :last), "
                    "CASE WHEN CAST(:deleted AS int) IS NULL THEN NULL ELSE now() - make_interval(days => CAST(:deleted AS int)) END)"
                ),
                {"id": ids[name], "g": history.new_guest_id(), "q": name, "last": last, "deleted": deleted},
            )

    dry = _run(db_url, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete 1 soft_deleted" in dry.stdout + dry.stderr
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM search_history WHERE id = ANY(:ids)"), {"ids": list(ids.values())}
            ).scalar()
            == 4
        )

    done = _run(db_url)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 soft_deleted" in done.stdout + done.stderr
    with engine.connect() as conn:
        left = set(
            conn.execute(
                text("SELECT normalized_query FROM search_history WHERE id = ANY(:ids)"), {"ids": list(ids.values())}
            ).scalars()
        )
    assert left == {"recent_deleted", "live_guest"}
