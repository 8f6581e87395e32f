"""Index build: (re-)embed the instructor-service documents whose text changed since last time.

The trigram texts of every pending row are written first (no model needed: lexical search works at
once), then the embeddings. Documents are sorted by length across the whole build, so each batch pads
to nearly its own length, and each chunk is written to the database while the next one is embedded.

    python -m index.build [--quiet]   # what `make run` (cli serve) starts beside the server
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from index.candidates import bind_vectors
from index.documents import DOCUMENT_ROWS_SQL, Document, build_document
from index.embedding import Embedder, model_tag, precision_setting

BATCH = 16  # measured: small batches pad less and run faster on 2 cores
CHUNK = BATCH * 8  # rows per database write

Pending = list[tuple[uuid.UUID, Document]]


def stored_hash(doc: Document, tag: str) -> str:
    """What a row's embedded_hash holds: its document and the model that embedded it, so a document
    embedded by another model or precision (float32 before int8) is embedded again."""
    return hashlib.sha256(f"{doc.hash}\x00{tag}".encode()).hexdigest()


def pending_documents(engine: Engine, profile_ids: list[Any] | None = None, tag: str | None = None) -> Pending:
    """(id, document) for rows never embedded, whose document changed, or embedded by another model."""
    tag = tag or model_tag()
    sql = DOCUMENT_ROWS_SQL + (" AND s.profile_id = ANY(:ids)" if profile_ids else "")
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"ids": profile_ids} if profile_ids else {}).all()
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
    todo = pending_documents(engine, profile_ids, tag)
    if not todo:
        return {"embedded": 0, "seconds": round(time.perf_counter() - started, 2)}
    _write_texts(engine, todo)
    if on_texts is not None:
        on_texts()
    # Length-bucketed: neighbours in this order have nearly the same number of tokens.
    todo.sort(key=lambda item: len(item[1].embedding_text))
    # A batch job: every core, unlike the API's query session.
    embedder = Embedder(threads=os.cpu_count() or 1, precision=precision)
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
            vectors = embedder.embed([doc.embedding_text for _, doc in chunk], batch_size=BATCH)
            if written is not None:
                written.result()  # one write in flight: errors surface here, memory stays flat
            written = writer.submit(_write_vectors, engine, chunk, vectors, tag)
            progress.advance(task, len(chunk))
        if written is not None:
            written.result()
    return {"embedded": len(todo), "seconds": round(time.perf_counter() - started, 2)}


def _write_texts(engine: Engine, todo: Pending) -> None:
    """The trigram text of every pending row, before any embedding (lexical search needs no model)."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE instructor_services SET search_text = :t WHERE id = :id"),
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
    import sys

    from core.db import get_engine

    print(build_and_invalidate(get_engine(), quiet="--quiet" in sys.argv))  # noqa: T201 - the command's output
