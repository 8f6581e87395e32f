"""The index build embeds only what changed, and the API process never loads torch."""
from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from core.settings import PROJECT_ROOT
from index.build import build


def test_editing_a_bio_re_embeds_only_that_instructors_rows(indexed_engine):
    assert build(indexed_engine, quiet=True)["embedded"] == 0  # nothing changed since the last build
    with indexed_engine.begin() as conn:
        profile, services = conn.execute(text(
            "SELECT p.id, count(s.id) FROM instructor_profiles p JOIN instructor_services s ON s.profile_id = p.id "
            "WHERE s.is_active GROUP BY p.id ORDER BY count(s.id) DESC, p.id LIMIT 1")).one()
        conn.execute(text("UPDATE instructor_profiles SET bio = bio || ' Also teaches sight-reading.' WHERE id = :p"),
                     {"p": profile})
    assert build(indexed_engine, quiet=True)["embedded"] == services
    assert build(indexed_engine, quiet=True)["embedded"] == 0


def test_the_api_process_never_imports_torch():
    code = ("import sys; from api.app import create_app; import index.search, index.embedding; "
            "index.embedding.get_embedder().embed_query('piano'); "
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
