"""The index build embeds only what changed, and the API process never loads torch."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

from sqlalchemy import text

from core.settings import PROJECT_ROOT
from index.build import build
from index.embedding import get_embedder
from tests.factories import make_instructor


def test_editing_a_bio_re_embeds_only_that_instructors_rows(indexed_engine):
    """On this test's own instructor (two services): no seeded row changes, and the counts do not
    depend on what other tests left unembedded."""
    inst = make_instructor(
        indexed_engine, services=(("piano", None, Decimal("60"), [60]), ("guitar", None, Decimal("50"), [60]))
    )
    mine = [inst.profile_id]
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 2  # new documents
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 0  # nothing changed since
    with indexed_engine.begin() as conn:
        conn.execute(
            text("UPDATE instructor_profiles SET bio = bio || ' Also teaches sight-reading.' WHERE id = :p"),
            {"p": inst.profile_id},
        )
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 2
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 0
    with indexed_engine.connect() as conn:
        texts = conn.execute(
            text("SELECT count(*) FROM instructor_services WHERE profile_id = :p AND embedding IS NOT NULL"),
            {"p": inst.profile_id},
        ).scalar()
    assert texts == 2


def test_rows_embedded_by_another_precision_are_embedded_again(indexed_engine, monkeypatch):
    """Switching EMBEDDING_PRECISION (float32 to int8 or back) re-embeds every row: queries and documents
    must come from the same export, their vectors differ (cosine ~0.95)."""
    inst = make_instructor(indexed_engine, services=(("piano", None, Decimal("60"), [60]),))
    mine = [inst.profile_id]
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 1
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 0
    other = "float32" if get_embedder().precision == "int8" else "int8"
    monkeypatch.setenv("EMBEDDING_PRECISION", other)
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 1
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 0
    monkeypatch.delenv("EMBEDDING_PRECISION")
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 1  # back, so the suite's rows match


def test_the_api_process_never_imports_torch():
    code = (
        "import sys; from api.app import create_app; import index.search, index.embedding; "
        "index.embedding.get_embedder().embed_query('piano'); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_each_row_gets_its_own_documents_vector_and_trigram_text(indexed_engine):
    """Sorted by length and written a chunk behind: every row still holds its own document's vector."""
    from index.build import pending_documents

    inst = make_instructor(
        indexed_engine,
        services=(("piano", None, Decimal("60"), [60]), ("chess", None, Decimal("40"), [45, 60])),
    )
    mine = [inst.profile_id]
    documents = dict(pending_documents(indexed_engine, mine))
    assert len(documents) == 2
    assert build(indexed_engine, profile_ids=mine, quiet=True)["embedded"] == 2
    with indexed_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, search_text, CAST(embedding AS text) FROM instructor_services WHERE profile_id = :p"),
            {"p": inst.profile_id},
        ).all()
    alone = {row_id: get_embedder().embed([doc.embedding_text])[0] for row_id, doc in documents.items()}
    for row_id, search_text, embedding in rows:
        doc = documents[row_id]
        stored = [float(x) for x in embedding.strip("[]").split(",")]
        assert search_text == doc.trigram_text
        # int8 activations are quantized over the whole batch: a vector built in a batch sits within
        # cosine ~0.99 of the same text embedded alone, and far nearer its own text than the other row's
        near = {other: float(sum(a * b for a, b in zip(stored, vec, strict=True))) for other, vec in alone.items()}
        assert near[row_id] > 0.98 and all(near[row_id] > v + 0.05 for o, v in near.items() if o != row_id), near


def test_lexical_text_comes_before_vectors_and_a_build_beside_the_server_invalidates_the_cache(
    indexed_engine, monkeypatch
):
    """cli serve builds beside the running API: trigram texts first (seen by on_texts before any vector
    is written), and the answers cached meanwhile are invalidated once vectors are in."""
    from core.cache import Cache, DeploymentNamespace
    from core.redis_client import RedisHandle
    from core.settings import Settings
    from index import build as build_module

    monkeypatch.setattr("core.settings.get_settings", lambda: Settings())
    inst = make_instructor(indexed_engine, services=(("violin", None, Decimal("70"), [60]),))
    seen = []

    def texts_written():
        with indexed_engine.connect() as conn:
            seen.append(
                conn.execute(
                    text(
                        "SELECT search_text <> '', embedded_hash IS NULL FROM instructor_services WHERE profile_id = :p"
                    ),
                    {"p": inst.profile_id},
                ).one()
            )

    build(indexed_engine, profile_ids=[inst.profile_id], quiet=True, on_texts=texts_written)
    assert seen == [(True, True)]  # searchable by text while its vector was still missing
    cache = Cache(RedisHandle(Settings().redis_url), namespace=DeploymentNamespace(indexed_engine))
    monkeypatch.setattr(build_module, "build", lambda engine, **kw: {"embedded": 0, "seconds": 0.0})
    before = cache.version()
    build_module.build_and_invalidate(indexed_engine, quiet=True)
    assert cache.version() == before  # nothing new: the cache stays
    monkeypatch.setattr(build_module, "build", lambda engine, **kw: {"embedded": 3, "seconds": 0.1})
    build_module.build_and_invalidate(indexed_engine, quiet=True)
    assert cache.version() != before
