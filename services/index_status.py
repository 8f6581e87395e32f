"""How far the search index is: the share of active instructor-service rows whose embedding is written.

`make run` serves while `python -m index.build` runs beside it: the trigram texts of every row are
written first (word matches work at once), then the embeddings chunk by chunk. This counts the
second part, in one statement, and keeps the answer ~2 s per process (and engine), so however many
pages poll it the database sees at most one count per process every 2 s. A row whose document
changed keeps its old vector until it is re-embedded, so it counts as embedded: it is searchable.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import TypedDict

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.errors import Busy

MAX_AGE = 2.0  # seconds an answer is reused
RETRY_AFTER = 5  # seconds, when the database cannot say
PROGRESS_SQL = text(
    "SELECT count(*) FILTER (WHERE embedding IS NOT NULL) AS embedded, count(*) AS total "
    "FROM instructor_services WHERE is_active"
)


class IndexProgress(TypedDict):
    embedded: int
    total: int
    percent: int  # rounded down: 100 only once every row is embedded
    ready: bool


class IndexStatus(IndexProgress):
    message: str | None  # what the page shows while not ready; None once ready


_lock = threading.Lock()
_answers: weakref.WeakKeyDictionary[Engine, tuple[float, IndexProgress]] = weakref.WeakKeyDictionary()


def progress_of(embedded: int, total: int) -> IndexProgress:
    """The rule: ready when every active row has a vector (an empty catalog has nothing to wait for)."""
    percent = 100 if total == 0 else 100 * embedded // total
    return {"embedded": embedded, "total": total, "percent": percent, "ready": embedded >= total}


def index_progress(
    engine: Engine, *, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic
) -> IndexProgress:
    """{"embedded", "total", "percent", "ready"}, counted at most once per max_age seconds per engine.

    Raises Busy (503) when the database cannot answer; a failure is not kept."""
    with _lock:  # one count at a time: concurrent pollers wait for it instead of each counting
        kept = _answers.get(engine)
        now = clock()
        if kept is not None and now - kept[0] < max_age:
            return kept[1]
        try:
            with engine.connect() as conn:
                row = conn.execute(PROGRESS_SQL).one()
        except SQLAlchemyError as exc:
            raise Busy(
                "The search index status is unavailable right now (the database did not answer); "
                "searching may still work. Try again shortly.",
                retry_after=RETRY_AFTER,
                code="index_status_unavailable",
            ) from exc
        answer = progress_of(int(row.embedded), int(row.total))
        _answers[engine] = (now, answer)
        return answer


def status_message(progress: IndexProgress) -> str | None:
    """The polite line the student page shows near the search box while vectors are still being written."""
    if progress["ready"]:
        return None
    return f"Indexing {progress['percent']}% — results improve as the index completes; word matches work now."


def index_status(engine: Engine) -> IndexStatus:
    progress = index_progress(engine)
    return {**progress, "message": status_message(progress)}


def forget(engine: Engine | None = None) -> None:
    """Drop the kept answers (of one engine, or all): the next call counts again."""
    with _lock:
        if engine is None:
            _answers.clear()
        else:
            _answers.pop(engine, None)
