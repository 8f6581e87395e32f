"""Index build: (re-)embed the instructor-service documents whose text changed since last time.

The trigram texts of every pending row are written first (no model needed: lexical search works at
once), then the embeddings. A document is embedded as parts (service, audience, bio) and each distinct
part is encoded once: rows share their service and audience parts, an instructor's rows their bio.
Documents are sorted by bio length across the whole build, so each batch pads to nearly its own
length, and each chunk is written to the database while the next one is embedded.

    python -m index.build [--quiet]   # what `make run` (cli serve) starts beside the server
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.schema import CreateIndex

from index.candidates import bind_vectors
from index.documents import DOCUMENT_ROWS_SQL, Document, build_document
from index.embedding import Embedder, model_tag, precision_setting
from models.instructor import InstructorService

BATCH = 16  # measured: small batches pad less and run faster on 2 cores
CHUNK = BATCH * 8  # rows per database write
# Measured at 10k instructors (19,045 rows): writing every vector into the HNSW index row by row took
# 12.7 s of the database's time, competing with the model for the 2 cores; without the index, 2.1 s, and
# building the index afterwards 2.7-3.6 s. A build with at least this many pending rows that have no
# vector yet, and a quarter of the table, defers the index.
BULK_ROWS = 1000
INDEX_BUILD_MEMORY = "1GB"
BUILD_LOCK = "instainstru:index-build"
VECTOR_INDEX = next(
    i
    for i in InstructorService.metadata.tables["instructor_services"].indexes
    if i.name == "ix_instructor_services_embedding_hnsw"
)
VECTOR_RECIPE = "parts-v1"  # Embedder.embed_composed over Document.embedding_parts; change it when either changes

Pending = list[tuple[uuid.UUID, Document]]
log = logging.getLogger("instainstru.index")


def stored_hash(doc: Document, tag: str) -> str:
    """What a row's embedded_hash holds: its document, the model that embedded it and how its vector
    is made from its parts, so a document embedded by another model or precision (float32 before
    int8) or another recipe (whole texts before parts) is embedded again."""
    return hashlib.sha256(f"{doc.hash}\x00{tag}\x00{VECTOR_RECIPE}".encode()).hexdigest()


def pending_documents(engine: Engine, profile_ids: list[Any] | None = None, tag: str | None = None) -> Pending:
    """(id, document) for rows never embedded, whose document changed, or embedded by another model."""
    return _pending(_document_rows(engine, profile_ids), tag or model_tag())


def _document_rows(engine: Engine, profile_ids: list[Any] | None) -> Sequence[Row[Any]]:
    sql = DOCUMENT_ROWS_SQL + (" AND s.profile_id = ANY(:ids)" if profile_ids else "")
    with engine.connect() as conn:
        return conn.execute(text(sql), {"ids": profile_ids} if profile_ids else {}).all()


def _pending(rows: Sequence[Row[Any]], tag: str) -> Pending:
    out = []
    for row in rows:
        doc = build_document(row)
        if row.embedded_hash != stored_hash(doc, tag):
            out.append((row.id, doc))
    return out


def build(
    engine: Engine,
    *,
    profile_ids: list[Any] | None = None,
    quiet: bool = False,
    on_texts: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Embed the pending documents; on_texts() is called once their trigram texts are written."""
    started = time.perf_counter()
    precision = precision_setting()  # read once: the documents found pending and their vectors agree
    tag = model_tag(precision)
    if profile_ids is not None:
        # An instructor's edit, inside the API: a few rows, written through the vector index; no DDL here
        # (a whole-table build may be setting the index aside or making it right now).
        todo = _pending(_document_rows(engine, profile_ids), tag)
        if todo:
            _embed_and_write(engine, todo, precision, tag, quiet, on_texts)
        return {"embedded": len(todo), "seconds": round(time.perf_counter() - started, 2)}
    with _one_whole_table_build(engine):
        rows = _document_rows(engine, None)
        todo = _pending(rows, tag)
        # Rows with no vector yet (a first start): written with the vector index set aside and the index
        # built once at the end. A re-embed (another model or recipe) keeps it: the database is serving,
        # and without it every search would scan exactly for the whole build (seconds at 100k).
        pending = {row_id for row_id, _ in todo}
        unembedded = sum(1 for row in rows if row.unembedded and row.id in pending)
        if unembedded >= max(BULK_ROWS, len(rows) // 4):
            _drop_vector_index(engine)
        try:
            if todo:
                _embed_and_write(engine, todo, precision, tag, quiet, on_texts)
        except BaseException:
            # On the way out of a failed or stopped build: the index again if the database still answers,
            # never hiding why the build stopped.
            _logged(_ensure_vector_index, engine)
            raise
        # Also makes again an index a killed build left missing or invalid: holding the lock, no other
        # build can be making it now.
        _ensure_vector_index(engine)
    return {"embedded": len(todo), "seconds": round(time.perf_counter() - started, 2)}


def _logged(step: Callable[[Engine], None], engine: Engine) -> None:
    try:
        step(engine)
    except Exception:  # noqa: BLE001 - the error being raised matters more; this one is logged
        log.exception("index build: %s failed while the build was stopping", step.__name__)


def exit_cleanly_on_signals() -> None:
    """For a build run as its own process: SIGTERM, SIGINT or SIGHUP exit through the build's cleanup
    (the vector index made again), and any further signal is ignored so it cannot cut that short
    (`make run` sends SIGTERM to a build beside it on Ctrl-C, which the build also receives)."""

    def stop(signum: int, _frame: object) -> None:
        for other in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(other, signal.SIG_IGN)
        sys.exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)


@contextmanager
def _one_whole_table_build(engine: Engine) -> Iterator[None]:
    """A session advisory lock held for the build: a second whole-table build (a `make setup` beside
    `make run`'s) waits, then finds nothing pending. AUTOCOMMIT: no transaction stays open meanwhile."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": BUILD_LOCK})
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": BUILD_LOCK})
            except Exception:  # noqa: BLE001 - a lost connection took its lock with it
                log.warning(
                    "index build: could not release the build lock; its connection is gone, and the lock with it"
                )
                conn.invalidate()


def _embed_and_write(
    engine: Engine, todo: Pending, precision: str, tag: str, quiet: bool, on_texts: Callable[[], None] | None
) -> None:
    _write_texts(engine, todo)
    if on_texts is not None:
        on_texts()
    # Length-bucketed by the bio, the part that is encoded per chunk; an instructor's rows side by side,
    # so their one bio is encoded once.
    todo.sort(key=lambda item: (len(item[1].own_text), item[1].own_text))
    # A batch job: every core, unlike the API's query session.
    embedder = Embedder(threads=os.cpu_count() or 1, precision=precision)
    # The service and audience parts: a few hundred distinct ones at any size, encoded once.
    shared = embedder.token_sums((part for _, doc in todo for part in doc.shared_parts), batch_size=BATCH)
    written: Future[None] | None = None
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            disable=quiet,
        ) as progress,
        ThreadPoolExecutor(1, thread_name_prefix="index-write") as writer,
    ):
        task = progress.add_task("embedding documents", total=len(todo))
        for i in range(0, len(todo), CHUNK):
            chunk = todo[i : i + CHUNK]
            vectors = embedder.embed_composed([doc.embedding_parts for _, doc in chunk], BATCH, known=shared)
            if written is not None:
                written.result()  # one write in flight: errors surface here, memory stays flat
            written = writer.submit(_write_vectors, engine, chunk, vectors, tag)
            progress.advance(task, len(chunk))
        if written is not None:
            written.result()


def _vector_index(engine: Engine) -> bool | None:
    """Whether the vector index is valid; None when it is missing."""
    with engine.connect() as conn:
        valid: bool | None = conn.execute(
            text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = :name AND pg_table_is_visible(c.oid)"
            ),
            {"name": VECTOR_INDEX.name},
        ).scalar()
    return valid


def _drop_vector_index(engine: Engine) -> None:
    # CONCURRENTLY: searches and instructors' edits on the primary are not locked out (a streaming
    # replica replaying the drop may still cancel a search running there).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {VECTOR_INDEX.name}"))


def _ensure_vector_index(engine: Engine) -> None:
    """The vector index as the model declares it, built CONCURRENTLY (reads and writes go on beside
    it); one left invalid by an interrupted CONCURRENTLY build is dropped first."""
    valid = _vector_index(engine)
    if valid:
        return
    if valid is False:
        _drop_vector_index(engine)
    ddl = str(CreateIndex(VECTOR_INDEX, if_not_exists=True).compile(dialect=engine.dialect))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # pgvector builds the graph in memory when it fits (369 MB at 100k instructors): 34.8 s instead
        # of 147.7 s at the default 64 MB. Parallel workers share it through /dev/shm, so a container
        # needs shm_size above it (deploy/docker-compose.yml). Reset before the connection goes back.
        conn.execute(text(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"))
        try:
            conn.execute(text(ddl.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1)))
        finally:
            conn.execute(text("RESET maintenance_work_mem"))


def _write_texts(engine: Engine, todo: Pending) -> None:
    """The trigram text of every pending row, before any embedding (lexical search needs no model).
    A row whose text is already right is left alone: rewriting it would add a new version of the row to
    every index, the vector one too (measured at 10k: 9.6 s for a rebuild that changed no text)."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE instructor_services SET search_text = :t WHERE id = :id AND search_text IS DISTINCT FROM :t"),
            [{"id": row_id, "t": doc.trigram_text} for row_id, doc in todo],
        )


def _write_vectors(engine: Engine, chunk: Pending, vectors: np.ndarray, tag: str) -> None:
    with engine.begin() as conn:
        _update_vectors(conn, chunk, vectors, tag)


def _update_vectors(conn: Connection, chunk: Pending, vectors: np.ndarray, tag: str) -> None:
    bind_vectors(conn)  # numpy vectors bound by pgvector's encoder, not formatted as text
    conn.execute(
        text(
            "UPDATE instructor_services SET search_text = :t, embedding = CAST(:e AS vector), "
            "embedded_hash = :h WHERE id = :id"
        ),
        [
            {"id": row_id, "t": doc.trigram_text, "e": vec, "h": stored_hash(doc, tag)}
            for (row_id, doc), vec in zip(chunk, vectors, strict=True)
        ],
    )


def build_and_invalidate(engine: Engine, *, quiet: bool = False) -> dict[str, Any]:
    """build(), for a database that is already serving: cached search answers made before the
    vectors (or the trigram texts) were there are invalidated once they are (core/cache.py)."""
    from core.cache import Cache, DeploymentNamespace
    from core.redis_client import RedisHandle
    from core.settings import get_settings

    settings = get_settings()
    cache = Cache(RedisHandle(settings.redis_url), namespace=DeploymentNamespace(engine, settings.redis_namespace))
    built = build(engine, quiet=quiet, on_texts=cache.bump)
    if built["embedded"]:
        cache.bump()
    return built


if __name__ == "__main__":
    from core.db import get_engine

    exit_cleanly_on_signals()

    print(build_and_invalidate(get_engine(), quiet="--quiet" in sys.argv))  # noqa: T201 - the command's output
