"""The index build embeds only what changed, and the API process never loads torch."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.settings import PROJECT_ROOT
from index.build import build
from index.embedding import get_embedder
from tests.databases import fresh_migrated_database
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
    alone = {row_id: get_embedder().embed_composed([doc.embedding_parts])[0] for row_id, doc in documents.items()}
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


BULK_DB = "instainstru_test_bulk_build"
VECTOR_INDEX_SQL = (
    "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE c.relname = 'ix_instructor_services_embedding_hnsw'"
)


def vector_index(engine: Engine) -> bool | None:
    """True when the vector index is there and valid, None when it is missing."""
    with engine.connect() as conn:
        return conn.execute(text(VECTOR_INDEX_SQL)).scalar()


def index_seen_by_writes(monkeypatch: pytest.MonkeyPatch) -> list[bool | None]:
    """The vector index's state (vector_index) at each chunk of vectors the build writes, in order."""
    from index import build as build_module

    seen: list[bool | None] = []
    write = build_module._write_vectors

    def watched_write(engine, chunk, vectors, tag):
        seen.append(vector_index(engine))
        write(engine, chunk, vectors, tag)

    monkeypatch.setattr(build_module, "_write_vectors", watched_write)
    return seen


@pytest.fixture
def small_engine(pg_server) -> Iterator[Engine]:
    """A database of its own, 12 instructors, never embedded: builds here cannot disturb the suite's."""
    from core import embedded_pg
    from core.db import make_engine
    from services import seeding

    url = fresh_migrated_database(pg_server, BULK_DB)
    engine = make_engine(url)
    seeding.seed(engine, instructors=12, seed=3, quiet=True)
    yield engine
    engine.dispose()
    embedded_pg.drop_database(pg_server, BULK_DB)


def test_a_large_build_writes_its_vectors_without_the_vector_index_and_builds_it_at_the_end(small_engine, monkeypatch):
    """Most of the table with no vector yet: the HNSW index is set aside while vectors are written (each row written
    into it cost 0.6 ms of the database's CPU at 10k) and is there, valid, once the build returns; a small
    build (one instructor's edit) writes through the index."""
    from index import build as build_module

    monkeypatch.setattr(build_module, "BULK_ROWS", 5)
    seen = index_seen_by_writes(monkeypatch)
    built = build(small_engine, quiet=True)
    assert built["embedded"] > 5 and seen and set(seen) == {None}
    assert vector_index(small_engine) is True
    with small_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM instructor_services WHERE embedding IS NULL")).scalar() == 0
        profile = conn.execute(text("SELECT profile_id FROM instructor_services LIMIT 1")).scalar()
    with small_engine.begin() as conn:
        conn.execute(text("UPDATE instructor_profiles SET bio = bio || ' Loves jazz.' WHERE id = :p"), {"p": profile})
    seen.clear()
    assert build(small_engine, profile_ids=[profile], quiet=True)["embedded"] >= 1
    assert seen and set(seen) == {True}


def test_a_vector_index_an_interrupted_build_left_missing_or_invalid_is_made_again(small_engine, monkeypatch):
    from index import build as build_module

    monkeypatch.setattr(build_module, "BULK_ROWS", 5)

    def crash(*args):
        raise RuntimeError("the machine went away")

    monkeypatch.setattr(build_module, "_write_vectors", crash)
    with pytest.raises(RuntimeError):
        build(small_engine, quiet=True)
    assert vector_index(small_engine) is True  # an error inside the build: made again on the way out
    monkeypatch.undo()
    with small_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP INDEX ix_instructor_services_embedding_hnsw"))  # a build killed outright
        profile = conn.execute(text("SELECT profile_id FROM instructor_services LIMIT 1")).scalar()
    build(small_engine, profile_ids=[profile], quiet=True)
    assert vector_index(small_engine) is None  # an instructor's edit (inside the API) does no DDL
    build(small_engine, quiet=True)  # the next whole-table build (make run, make setup) does
    assert vector_index(small_engine) is True
    with small_engine.begin() as conn:  # what a CONCURRENTLY build killed half-way leaves behind
        conn.execute(
            text(
                "UPDATE pg_index SET indisvalid = false "
                "WHERE indexrelid = 'ix_instructor_services_embedding_hnsw'::regclass"
            )
        )
    assert vector_index(small_engine) is False
    build(small_engine, quiet=True)
    assert vector_index(small_engine) is True


def test_a_re_embed_of_a_serving_database_keeps_the_vector_index(small_engine, monkeypatch):
    """Every row pending but already holding a vector (another model, precision or recipe): searches
    go on using the index while the build runs, instead of scanning exactly for all of it."""
    from index import build as build_module

    monkeypatch.setattr(build_module, "BULK_ROWS", 5)
    build(small_engine, quiet=True)
    seen = index_seen_by_writes(monkeypatch)
    monkeypatch.setattr(build_module, "VECTOR_RECIPE", "another-recipe")
    with small_engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM instructor_services WHERE is_active")).scalar()
    assert build(small_engine, quiet=True)["embedded"] == rows
    assert seen and set(seen) == {True}


def test_whole_table_builds_take_turns_and_an_edit_does_not_wait_for_them(small_engine):
    """Two whole-table builds at once (`make setup` beside `make run`'s) would set the index aside and
    make it under each other: the second waits for the first's lock. An instructor's edit never waits."""
    import threading

    from index.build import BUILD_LOCK

    build(small_engine, quiet=True)
    with small_engine.connect() as conn:
        profile = conn.execute(text("SELECT profile_id FROM instructor_services LIMIT 1")).scalar()
    whole, edit = threading.Event(), threading.Event()
    holder = small_engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    holder.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": BUILD_LOCK})
    waiting = threading.Thread(target=lambda: (build(small_engine, quiet=True), whole.set()), daemon=True)
    editing = threading.Thread(
        target=lambda: (build(small_engine, profile_ids=[profile], quiet=True), edit.set()), daemon=True
    )
    try:
        waiting.start()
        editing.start()
        assert edit.wait(30)  # the edit went through while the lock was held
        assert not whole.wait(1.0)  # the whole-table build is still waiting for it
    finally:
        holder.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": BUILD_LOCK})
        holder.close()
        waiting.join(30)
        editing.join(30)
    assert whole.is_set()


def test_a_rebuild_that_changes_no_text_leaves_the_trigram_texts_alone(small_engine):
    """Re-embedding (a model or recipe change) rewrites no row's search text that is already right: each
    rewrite adds a version of the row to every index (9.6 s of a 10k rebuild that changed no text)."""
    from index.build import _write_texts, pending_documents

    build(small_engine, quiet=True)
    with small_engine.begin() as conn:
        conn.execute(text("UPDATE instructor_services SET embedded_hash = NULL"))
        before = dict(conn.execute(text("SELECT id, xmin::text FROM instructor_services")).all())
        row_id = conn.execute(text("SELECT id FROM instructor_services LIMIT 1")).scalar()
        conn.execute(text("UPDATE instructor_services SET search_text = 'stale' WHERE id = :id"), {"id": row_id})
    _write_texts(small_engine, pending_documents(small_engine))
    with small_engine.connect() as conn:
        after = dict(conn.execute(text("SELECT id, xmin::text FROM instructor_services")).all())
        fixed = conn.execute(
            text("SELECT search_text FROM instructor_services WHERE id = :id"), {"id": row_id}
        ).scalar()
    assert fixed != "stale"  # a text that changed is written
    assert {k for k in before if after[k] != before[k]} == {row_id}
