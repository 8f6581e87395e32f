"""Random ids (UUID version 4) for the request path, from the operating system's random bytes read in
bulk rather than 16 at a time.

`uuid.uuid4()` calls `os.urandom(16)`, and `os.urandom` lets go of the GIL around its system call. On the
event loop that is costly under load: a search request makes three ids (its request id, its search id, a
new guest's id), and each time the loop let go, a thread in the middle of a search took the GIL and the
loop waited for it back: 0.47 ms a call, measured with cProfile on the loop thread at 16 connections
(2,452 calls, 1.15 s of 4.4 s). Here one `os.urandom` call serves POOL_IDS ids. The bytes are the same
kind `uuid4` uses; they sit in memory until used, and a forked child starts with none of its parent's.
"""

from __future__ import annotations

import os
import threading
import uuid

POOL_IDS = 4096  # 64 KB a refill
_lock = threading.Lock()
_pool = b""
_used = 0


def _forget_pool() -> None:
    """In a forked child: the parent's unused bytes would give both processes the same ids."""
    global _pool, _used
    _pool, _used = b"", 0


os.register_at_fork(after_in_child=_forget_pool)


def new_uuid() -> uuid.UUID:
    """A random UUID (version 4), as uuid.uuid4() makes."""
    global _pool, _used
    with _lock:
        if _used >= len(_pool):
            _pool, _used = os.urandom(16 * POOL_IDS), 0
        raw = _pool[_used : _used + 16]
        _used += 16
    return uuid.UUID(bytes=raw, version=4)


def new_hex() -> str:
    """new_uuid() as 32 hexadecimal digits (uuid4().hex)."""
    return new_uuid().hex
