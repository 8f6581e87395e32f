"""Slot summaries remembered between searches, under the write version they were read at.

Searches that differ in their words often ask the same instructors for the same window: of 192,809
instructor lookups made by 3,000 new bench sentences at 10,000 instructors, 77% had been made before
(same instructor, lesson length, days, hours and earliest start). An instructor's slots in a window depend
only on the database, so what one search read is what the next would read, until a write changes it; and
every write that changes slots bumps the cache version (core/cache.py) after it commits.

So a summary is kept under the version its search looked up before reading it, and is given only to a
search that looked up the same version. A search reaches the memo only after missing the answer cache, and
that lookup asks Redis for the version: a bump, made through any process, makes every summary kept before
it unreachable for the next search (ADR 0012). A summary also goes after MAX_AGE seconds, the answers' own
lifetime, so a change that bypassed the API is seen as soon as a cached answer would show it.

Kept only for reads on the primary by students who have not just written (`Cache.keeps_reads`), and only
while Redis gives the version: a replica may not have replayed a write yet."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

# A summary as a plain tuple of atomic values (an int, datetimes), which the garbage collector stops
# tracking: 47,000 kept SlotSummary objects (a tuple subclass is always tracked) made every full collection
# of the API process take 15-25 ms instead of 5. None: the instructor has no slot in the window.
Known = dict[tuple[str, int], tuple[int, tuple[tuple[datetime, datetime], ...]] | None]


class SlotMemo:
    """Per window (every parameter of the slot statement but the instructors), each instructor's summary
    for a lesson length. Thread-safe; bounded by MAX_WINDOWS windows and MAX_ENTRIES summaries."""

    MAX_AGE = 300.0
    MAX_WINDOWS = 512
    # ~100 MB at worst (480 bytes a summary with three starts, tracemalloc); 3,000 bench sentences made 44,000
    MAX_ENTRIES = 200_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._windows: OrderedDict[Hashable, tuple[float, Known]] = OrderedDict()
        self._entries = 0

    def window(self, version: str, window: Hashable) -> Known:
        """What is known of `window` under `version` (a dict the caller reads and adds to). A version
        other than the last one asked forgets everything: summaries are never shared across versions."""
        now = time.monotonic()
        with self._lock:
            if version != self._version:
                self._forget(version)
            found = self._windows.get(window)
            if found is None or found[0] <= now:
                if found is not None:
                    self._entries -= len(found[1])
                found = (now + self.MAX_AGE, {})
                self._windows[window] = found
            self._windows.move_to_end(window)
            while len(self._windows) > self.MAX_WINDOWS:
                self._entries -= len(self._windows.popitem(last=False)[1][1])
            return found[1]

    def added(self, count: int) -> None:
        """`count` summaries were added to a window: past MAX_ENTRIES everything is forgotten."""
        with self._lock:
            self._entries += count
            if self._entries > self.MAX_ENTRIES:
                self._forget(self._version)

    def _forget(self, version: str | None) -> None:
        self._version = version
        self._windows.clear()
        self._entries = 0

    def clear(self) -> None:
        with self._lock:
            self._forget(None)


@dataclass(frozen=True)
class MemoUnder:
    """The memo as one search uses it: under the version that search looked up."""

    memo: SlotMemo
    version: str

    def window(self, window: Hashable) -> Known:
        return self.memo.window(self.version, window)

    def added(self, count: int) -> None:
        self.memo.added(count)


MEMO = SlotMemo()
